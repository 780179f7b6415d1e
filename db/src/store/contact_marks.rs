//! Following learners up: contact marks and the learners they may go to.
//!
//! The SQL is in `queries/contact_marks.rs`; these methods hand it the current
//! backend's reader or writer.

use super::{AgentRef, ContactRow, Store};
use crate::error::Result;
use crate::ids::UserKey;
use crate::time::Millis;
use std::collections::HashMap;

impl Store {
    /// The keys of those of `user_ids` registered for the agent.
    pub async fn registered_keys(
        &self,
        agent: &AgentRef,
        user_ids: &[String],
    ) -> Result<HashMap<String, UserKey>> {
        on_reader!(self, contact_marks::registered_keys(agent.key, user_ids))
    }

    /// Those of `users` whom only an administrator registered by hand and
    /// who never used the agent (no reminder goes to them), sorted.
    pub async fn unvouched_learners(
        &self,
        agent: &AgentRef,
        users: &[UserKey],
    ) -> Result<Vec<String>> {
        on_reader!(self, contact_marks::unvouched(agent.key, users))
    }

    /// Stores one contact mark per user, in one transaction.
    pub async fn mark_contacted(
        &self,
        agent: &AgentRef,
        users: &[UserKey],
        at: Millis,
        by: &str,
        note: Option<&str>,
        reminder: bool,
    ) -> Result<()> {
        on_writer!(
            self,
            contact_marks::mark_contacted(agent.key, users, (at, by, note, reminder))
        )
    }

    /// Each learner's latest contact mark on the agent, by user id.
    pub async fn latest_marks(&self, agent: &AgentRef) -> Result<Vec<ContactRow>> {
        on_reader!(self, contact_marks::latest_marks(agent.key))
    }

    /// One learner's contact marks, newest first, at most `limit`.
    pub async fn learner_marks(
        &self,
        agent: &AgentRef,
        user_id: &str,
        limit: usize,
    ) -> Result<Vec<ContactRow>> {
        on_reader!(
            self,
            contact_marks::learner_marks(agent.key, user_id, limit as i64)
        )
    }
}
