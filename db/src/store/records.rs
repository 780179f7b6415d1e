//! Rows the store hands back to the rest of the data layer.

/// An agent as the store knows it: its internal key and its public id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentRef {
    pub pk: i64,
    pub agent_id: String,
    pub name: String,
}

/// One user's activity on one UTC day, from the rollup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayRow {
    pub day: i64,
    pub user: i64,
    pub activity: crate::ingest::DayActivity,
}

/// One raw event, reduced to what the figures need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawActivity {
    pub at: i64,
    pub user: i64,
    pub is_message: bool,
}

/// A registered user of an agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub user: i64,
    pub user_id: String,
    pub username: Option<String>,
    pub name: Option<String>,
    pub registered_at: i64,
    pub last_active: Option<i64>,
}

/// A registration to create in bulk, with the user's names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberSeed {
    pub user_id: String,
    pub username: Option<String>,
    pub name: Option<String>,
    pub registered_at: i64,
}
