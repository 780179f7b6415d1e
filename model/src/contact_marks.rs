//! Follow-up of learners: the marks an administrator leaves when they have
//! contacted a learner, and reminders sent through the host platform.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The longest note a contact mark may carry, in characters.
pub const MAX_NOTE_CHARS: usize = 1000;

/// The most learners one mark or reminder may name.
pub const MAX_CONTACTS_AT_ONCE: usize = 50_000;

/// A learner marked as contacted: who did it, when, and their note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactMark {
    /// The learner's public id.
    pub user_id: String,
    /// When the mark was made.
    pub marked_at: DateTime<Utc>,
    /// The administrator's username.
    pub marked_by: String,
    /// Their note, plain text; `None` when none was given.
    pub note: Option<String>,
    /// Whether a reminder was sent through the host platform.
    pub reminder: bool,
}

/// Learners of an agent to mark as contacted or to remind, with a note
/// (or the reminder's message).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactRequest {
    /// The agent they are learners of.
    pub agent_id: String,
    /// Their public ids.
    pub user_ids: Vec<String>,
    /// Plain text, at most [`MAX_NOTE_CHARS`] characters.
    pub note: String,
}

/// Each learner's latest contact mark on an agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactMarks {
    /// One per learner ever marked, by user id.
    pub marks: Vec<ContactMark>,
    /// Whether the server can send reminders (`PULSE_OUTREACH_WEBHOOK`).
    pub reminders: bool,
}

/// The learner view with the contact marks left on the learner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LearnerPage {
    /// The learner's figures.
    pub view: crate::LearnerView,
    /// Marks, newest first, at most 20.
    pub marks: Vec<ContactMark>,
}

/// A note as it will be stored: trimmed, `None` when empty; an error naming
/// the limit when it is too long or holds control characters other than
/// line breaks and tabs.
pub fn contact_note(text: &str) -> Result<Option<String>, String> {
    let text = text.trim();
    if text.chars().count() > MAX_NOTE_CHARS {
        return Err(format!(
            "the note may hold at most {MAX_NOTE_CHARS} characters, not {}",
            text.chars().count()
        ));
    }
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err("the note may not hold control characters".to_owned());
    }
    Ok((!text.is_empty()).then(|| text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_are_trimmed_and_limited() {
        assert_eq!(contact_note("  "), Ok(None));
        assert_eq!(contact_note(" called\n"), Ok(Some("called".into())));
        assert_eq!(
            contact_note(&"é".repeat(MAX_NOTE_CHARS)).map(|n| n.map(|n| n.chars().count())),
            Ok(Some(MAX_NOTE_CHARS))
        );
        assert!(
            contact_note(&"x".repeat(MAX_NOTE_CHARS + 1))
                .unwrap_err()
                .contains("1000")
        );
        assert!(contact_note("a\u{0}b").is_err());
    }
}
