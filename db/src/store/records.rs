//! Rows the store hands back to the rest of the data layer.

use crate::ids::{AgentKey, UserKey};
use crate::ingest::DayActivity;
use crate::time::{Day, Millis};

/// An agent as the store knows it: its database key and its public id.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AgentRef {
    /// Database key: for queries only, never shown outside the data layer.
    pub key: AgentKey,
    /// Public id, as the API and the URLs name the agent.
    pub agent_id: String,
    /// Display name (its id until one is set).
    pub name: String,
    /// The agent's data version when this row was read: raised by every
    /// write that can change one of its figures, so figures computed from
    /// data read after this row are at least this new (the analytics cache
    /// keys them by it).
    pub data_version: i64,
    /// The users' names version when this row was read: raised by every
    /// rename, which changes the user tables of every agent.
    pub names_version: i64,
    /// The agent's history version when this row was read: raised by every
    /// write that can change its activity of closed days (migration 0011),
    /// which the facts of those days are kept under.
    pub history_version: i64,
}

/// One user's activity on one UTC day, from the rollup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayRow {
    /// The UTC day of the row.
    pub day: Day,
    /// Database key of the user.
    pub user: UserKey,
    /// The user's active quarter hours and messages that day.
    pub activity: DayActivity,
}

/// One raw event, reduced to what the figures need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawActivity {
    pub at: Millis,
    pub user: UserKey,
    pub is_message: bool,
}

/// A learner registered for an agent, with their names and activity.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, sqlx::FromRow)]
pub struct RegisteredLearner {
    pub key: UserKey,
    pub user_id: String,
    pub username: Option<String>,
    pub name: Option<String>,
    pub registered_at: Millis,
    pub last_active: Option<Millis>,
    pub first_active: Option<Millis>,
}

/// One session of a learner, over all time (METRICS.md, "One learner").
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SessionRow {
    pub session_id: String,
    pub start: Millis,
    pub end_at: Millis,
    pub messages: i64,
    pub ended: i64,
}

/// A learner to register in bulk, with their names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LearnerSeed {
    /// Public id of the user; created when unknown.
    pub user_id: String,
    /// Login name to store; `None` clears the stored one.
    pub username: Option<String>,
    /// Display name to store; `None` clears the stored one.
    pub name: Option<String>,
    /// Start of the registration, replacing any earlier one for the agent.
    pub registered_at: Millis,
}

/// A contact mark as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ContactRow {
    pub user_id: String,
    pub marked_at: Millis,
    pub marked_by: String,
    pub note: Option<String>,
    pub reminder: i64,
}

impl From<ContactRow> for pulse_model::ContactMark {
    fn from(row: ContactRow) -> Self {
        pulse_model::ContactMark {
            user_id: row.user_id,
            marked_at: crate::time::from_millis(row.marked_at.0),
            marked_by: row.marked_by,
            note: row.note,
            reminder: row.reminder != 0,
        }
    }
}

/// What erasing a learner removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Erasure {
    /// Their events, on every agent.
    pub events: u64,
    /// The agents whose figures changed.
    pub agents: u64,
}
