//! Sections of an agent: named groups of its learners (METRICS.md,
//! "Sections").

use serde::{Deserialize, Serialize};

/// The longest section name, in characters.
pub const MAX_SECTION_NAME_CHARS: usize = 200;

/// The most sections one agent may have: a school's classes, with room to
/// spare, while the sections chart and list stay quick to draw.
pub const MAX_SECTIONS_PER_AGENT: u64 = 200;

/// One section of an agent, with how many learners are in it now.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    /// The section's id: 1 to 64 of `A-Za-z0-9._-`, unique within the agent.
    pub section_id: String,
    /// Its display name.
    pub name: String,
    /// Its members now.
    pub members: u64,
}

/// A section name as given, trimmed: 1 to 200 characters, no control
/// characters; otherwise why not.
pub fn section_name(name: &str) -> Result<&str, String> {
    let name = name.trim();
    if name.is_empty() {
        return Err("a section needs a name".into());
    }
    if name.chars().count() > MAX_SECTION_NAME_CHARS {
        return Err(format!(
            "a section name has at most {MAX_SECTION_NAME_CHARS} characters"
        ));
    }
    if crate::control_char(name).is_some() {
        return Err("a section name cannot hold control characters".into());
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_checked() {
        assert_eq!(section_name("  Period 3 "), Ok("Period 3"));
        assert!(section_name("   ").is_err());
        assert!(section_name("a\u{7}b").is_err());
        assert!(section_name(&"é".repeat(201)).is_err());
        assert!(section_name(&"é".repeat(200)).is_ok());
    }
}

/// One section's trend, for the sections-compared chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SectionTrend {
    /// The section.
    pub section: Section,
    /// Its active users and messages per bucket of the period.
    pub trend: crate::Trend,
}
