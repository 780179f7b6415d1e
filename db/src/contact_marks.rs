//! Following learners up: contact marks, checked and stored all or nothing.

use pulse_model::{ContactMark, MAX_CONTACTS_AT_ONCE, contact_note};

use crate::error::StoreError;
use crate::ids::UserKey;
use crate::store::{AgentRef, Store};
use crate::time::Millis;

/// How many marks of one learner the learner view lists.
pub const MARKS_SHOWN: usize = 20;

/// Why learners could not be marked.
#[derive(Debug, thiserror::Error)]
pub enum FollowUpError {
    /// No learner named, or more than [`MAX_CONTACTS_AT_ONCE`].
    #[error("name from 1 to {MAX_CONTACTS_AT_ONCE} learners, not {0}")]
    Count(usize),
    /// The note is too long or holds control characters; says which.
    #[error("{0}")]
    BadNote(String),
    /// Some of the ids are not learners of the agent (the first few named).
    #[error("not learners of this agent: {}", .0.join(", "))]
    UnknownLearners(Vec<String>),
    /// A reminder to learners whom only an administrator added, by hand,
    /// and who never used the agent (the first few named).
    #[error(
        "no reminder was sent: {} were added by hand and have not used this agent yet, \
         so the host platform has not said they are enrolled in it; mark them as contacted instead",
        .0.join(", ")
    )]
    NotEnrolled(Vec<String>),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What to store about one contact: the learners, who, a note, whether a
/// reminder went out.
pub struct Contact<'a> {
    /// Public ids of the learners contacted.
    pub user_ids: &'a [String],
    /// The administrator's username.
    pub by: &'a str,
    /// Their note as typed.
    pub note: &'a str,
    /// Whether a reminder was sent through the host platform.
    pub reminder: bool,
}

/// A contact found valid: its note as stored and the learners' keys.
pub struct Checked {
    note: Option<String>,
    users: Vec<UserKey>,
}

/// Checks a contact before anything is sent or stored, or says what is
/// wrong with it.
pub async fn check(
    store: &Store,
    agent: &AgentRef,
    contact: &Contact<'_>,
) -> Result<Checked, FollowUpError> {
    let count = contact.user_ids.len();
    if count == 0 || count > MAX_CONTACTS_AT_ONCE {
        return Err(FollowUpError::Count(count));
    }
    let note = contact_note(contact.note).map_err(FollowUpError::BadNote)?;
    let keys = store.registered_keys(agent, contact.user_ids).await?;
    let unknown: Vec<String> = contact
        .user_ids
        .iter()
        .filter(|user| !keys.contains_key(*user))
        .take(5)
        .cloned()
        .collect();
    if !unknown.is_empty() {
        return Err(FollowUpError::UnknownLearners(unknown));
    }
    let mut users: Vec<UserKey> = keys.into_values().collect();
    users.sort_unstable();
    if contact.reminder {
        let mut unvouched = store.unvouched_learners(agent, &users).await?;
        if !unvouched.is_empty() {
            unvouched.truncate(5);
            return Err(FollowUpError::NotEnrolled(unvouched));
        }
    }
    Ok(Checked { note, users })
}

impl Checked {
    /// The note as it will be stored.
    pub fn note(&self) -> Option<&str> {
        self.note.as_deref()
    }
}

/// Stores a checked contact made at `at`: a mark for every learner, in one
/// transaction.
pub async fn mark(
    store: &Store,
    agent: &AgentRef,
    contact: &Contact<'_>,
    checked: &Checked,
    at: Millis,
) -> Result<(), FollowUpError> {
    store
        .mark_contacted(
            agent,
            &checked.users,
            at,
            contact.by,
            checked.note.as_deref(),
            contact.reminder,
        )
        .await?;
    Ok(())
}

/// Each learner's latest mark on the agent.
pub async fn latest_marks(store: &Store, agent: &AgentRef) -> Result<Vec<ContactMark>, StoreError> {
    Ok(store
        .latest_marks(agent)
        .await?
        .into_iter()
        .map(ContactMark::from)
        .collect())
}

/// One learner's marks on the agent, newest first, at most `limit`.
pub async fn learner_marks(
    store: &Store,
    agent: &AgentRef,
    user_id: &str,
    limit: usize,
) -> Result<Vec<ContactMark>, StoreError> {
    Ok(store
        .learner_marks(agent, user_id, limit)
        .await?
        .into_iter()
        .map(ContactMark::from)
        .collect())
}
