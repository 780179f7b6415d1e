//! Rows the store hands back to the rest of the data layer.

use crate::ids::{AgentKey, UserKey};
use crate::ingest::DayActivity;
use crate::time::{Day, Millis};

/// An agent as the store knows it: its database key and its public id.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AgentRef {
    pub key: AgentKey,
    pub agent_id: String,
    pub name: String,
}

/// One user's activity on one UTC day, from the rollup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayRow {
    pub day: Day,
    pub user: UserKey,
    pub activity: DayActivity,
}

/// One raw event, reduced to what the figures need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawActivity {
    pub at: Millis,
    pub user: UserKey,
    pub is_message: bool,
}

/// A registered user of an agent.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, sqlx::FromRow)]
pub struct Member {
    pub key: UserKey,
    pub user_id: String,
    pub username: Option<String>,
    pub name: Option<String>,
    pub registered_at: Millis,
    pub last_active: Option<Millis>,
}

/// A registration to create in bulk, with the user's names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberSeed {
    pub user_id: String,
    pub username: Option<String>,
    pub name: Option<String>,
    pub registered_at: Millis,
}
