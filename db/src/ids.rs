//! The database's own keys of agents and users (`agents.id`, `users.id`,
//! and the `agent_id`/`user_id` columns that refer to them). They never
//! leave the data layer: everywhere else an agent or user is named by its
//! public id, a string (`agents.agent_key`, `users.user_key` in SQL; the
//! `agent_id`/`user_id` of the API and of Rust structs).

/// The database key of an agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, sqlx::Type)]
#[sqlx(transparent)]
pub struct AgentKey(pub i64);

/// The database key of a user.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, sqlx::Type, serde::Deserialize,
)]
#[sqlx(transparent)]
pub struct UserKey(pub i64);

impl std::fmt::Display for AgentKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}
