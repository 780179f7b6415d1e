//! Sections of an agent (METRICS.md, "Sections"): the roster file's lines
//! and the grants of an agent limited to some of its sections.

use pulse_model::{
    MAX_DISPLAY_TEXT_CHARS, check_public_id, check_text, check_user_id, section_name,
};

/// One checked line of a roster: a learner in a section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterLine {
    /// The section, created when the agent has none of this id.
    pub section_id: String,
    /// The learner, created when unknown, registered when not yet.
    pub user_id: String,
    /// The section's name; when absent a new section is named by its id
    /// and an existing one keeps its name.
    pub section_name: Option<String>,
    /// The learner's username; when absent it stays as it is.
    pub username: Option<String>,
    /// The learner's display name; when absent it stays as it is.
    pub name: Option<String>,
}

/// An optional field as read: blank is absent.
fn present(text: Option<&str>) -> Option<&str> {
    text.filter(|text| !text.trim().is_empty())
}

impl RosterLine {
    /// A line from its fields as read (empty optional fields are absent);
    /// otherwise every reason it is wrong, each naming its field.
    pub fn check(
        section_id: &str,
        user_id: &str,
        section_name: Option<&str>,
        username: Option<&str>,
        name: Option<&str>,
    ) -> Result<RosterLine, Vec<String>> {
        let mut errors = Vec::new();
        if let Err(reason) = check_public_id(&format!("section_id {section_id:?}"), section_id) {
            errors.push(reason);
        }
        if let Err(reason) = check_user_id(&format!("user_id {user_id:?}"), user_id) {
            errors.push(reason);
        }
        let section_name = match present(section_name).map(self::section_name) {
            Some(Err(reason)) => {
                errors.push(format!("section_name: {reason}"));
                None
            }
            Some(Ok(name)) => Some(name.to_owned()),
            None => None,
        };
        let mut display = |field: &str, text: Option<&str>| {
            let text = present(text)?;
            if let Err(reason) = check_text(field, text, 0, MAX_DISPLAY_TEXT_CHARS) {
                errors.push(reason);
                return None;
            }
            Some(text.to_owned())
        };
        let username = display("username", username);
        let name = display("name", name);
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(RosterLine {
            section_id: section_id.to_owned(),
            user_id: user_id.to_owned(),
            section_name,
            username,
            name,
        })
    }
}

/// Agents granted only in part: (agent id, section id) pairs. An agent
/// without a pair here is granted whole (when it is granted at all).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SectionLimits(pub Vec<(String, String)>);

impl SectionLimits {
    /// The sections of `agent_id` the grant is limited to; `None` when it is
    /// not limited there.
    pub fn for_agent(&self, agent_id: &str) -> Option<Vec<String>> {
        let sections: Vec<String> = self
            .0
            .iter()
            .filter(|(agent, _)| agent == agent_id)
            .map(|(_, section)| section.clone())
            .collect();
        (!sections.is_empty()).then_some(sections)
    }
}
