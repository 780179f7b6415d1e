//! Agents, learners and their registrations (the `agents`, `users` and
//! `memberships` tables).
//!
//! The SQL is in `queries/registry.rs`; these methods hand it the current
//! backend's reader or writer.

use super::{AgentRef, LearnerSeed, Store};
use crate::error::Result;
use crate::learners::Naming;
use crate::time::Millis;

impl Store {
    /// Every agent, by public id and display name, ordered by name then id.
    pub async fn list_agents(&self) -> Result<Vec<pulse_model::Agent>> {
        on_reader!(self, registry::list_agents())
    }

    /// The agent whose public id is `agent_id`, with its database key; `None`
    /// when there is none.
    pub async fn find_agent(&self, agent_id: &str) -> Result<Option<AgentRef>> {
        on_reader!(self, registry::find_agent(agent_id))
    }

    /// Creates the agent or renames it.
    pub async fn put_agent(&self, agent_id: &str, name: &str) -> Result<()> {
        on_writer!(self, registry::put_agent(agent_id, name))
    }

    /// Creates the user or updates the fields given; `None` leaves a field as it was.
    pub async fn put_user(
        &self,
        user_id: &str,
        username: Option<&str>,
        name: Option<&str>,
    ) -> Result<()> {
        on_writer!(self, registry::put_user(user_id, username, name))
    }

    /// Registers the user for the agent from `registered_at`, creating the
    /// user when unknown and replacing an earlier registration; a new one
    /// is named as `naming` allows (crate::learners).
    pub async fn register(
        &self,
        agent: &AgentRef,
        user_id: &str,
        registered_at: Millis,
        naming: Naming,
    ) -> Result<()> {
        on_writer!(
            self,
            registry::register(agent.key, user_id, registered_at, naming)
        )
    }

    /// Creates or renames the agent and registers the users, with their
    /// names, in one transaction (demo data, bulk set-up).
    pub async fn import_learners(
        &self,
        agent_id: &str,
        agent_name: &str,
        learners: &[LearnerSeed],
    ) -> Result<()> {
        on_writer!(
            self,
            registry::import_learners(agent_id, agent_name, learners)
        )
    }

    /// Removes a registration; the user's events stay. False when there was none.
    pub async fn unregister(&self, agent: &AgentRef, user_id: &str) -> Result<bool> {
        on_writer!(self, registry::unregister(agent.key, user_id))
    }
}
