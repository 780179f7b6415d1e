//! The reads behind every figure: rollup rows, raw events at a period's
//! edges, registrations and sessions.
//!
//! The SQL is in `queries/analytics.rs`; these methods hand it the current
//! backend's reader or writer.

use super::{AgentRef, DayRow, RawActivity, RegisteredLearner, SessionRow, Store};
use crate::error::Result;
use crate::ids::UserKey;
use crate::time::{Day, Millis, Slot};

impl Store {
    /// Rollup rows of the UTC days `[day_from, day_to)`.
    pub async fn day_activity(
        &self,
        agent: &AgentRef,
        day_from: Day,
        day_to: Day,
    ) -> Result<Vec<DayRow>> {
        on_reader!(self, analytics::day_activity(agent.key, day_from, day_to))
    }

    /// The distinct users active on the UTC days `[day_from, day_to)`.
    pub async fn day_users(
        &self,
        agent: &AgentRef,
        day_from: Day,
        day_to: Day,
    ) -> Result<Vec<UserKey>> {
        on_reader!(self, analytics::day_users(agent.key, day_from, day_to))
    }

    /// All messages of the slots `[slot_from, slot_to)`.
    pub async fn message_total(
        &self,
        agent: &AgentRef,
        slot_from: Slot,
        slot_to: Slot,
    ) -> Result<u64> {
        on_reader!(
            self,
            analytics::message_total(agent.key, slot_from, slot_to)
        )
    }

    /// Messages per user in `[from, to)`, counted by the database.
    pub async fn user_messages(
        &self,
        agent: &AgentRef,
        from: Millis,
        to: Millis,
    ) -> Result<Vec<(UserKey, i64)>> {
        on_reader!(self, analytics::user_messages(agent.key, from, to))
    }

    /// Messages per quarter-hour slot of `[slot_from, slot_to)` (slots without any are absent).
    pub async fn message_slots(
        &self,
        agent: &AgentRef,
        slot_from: Slot,
        slot_to: Slot,
    ) -> Result<Vec<(Slot, i64)>> {
        on_reader!(
            self,
            analytics::message_slots(agent.key, slot_from, slot_to)
        )
    }

    /// How many raw events the agent has.
    pub async fn event_count(&self, agent: &AgentRef) -> Result<u64> {
        on_reader!(self, analytics::event_count(agent.key))
    }

    /// Raw events of `[from, to)`, for the partial slots at a period's edges.
    pub async fn raw_activity(
        &self,
        agent: &AgentRef,
        from: Millis,
        to: Millis,
    ) -> Result<Vec<RawActivity>> {
        on_reader!(self, analytics::raw_activity(agent.key, from, to))
    }

    /// Distinct users with an open session whose latest event is at or after `since`.
    pub async fn online_users(&self, agent: &AgentRef, since: Millis) -> Result<u64> {
        on_reader!(self, analytics::online_users(agent.key, since))
    }

    /// Each user's first event on the agent, over all time.
    pub async fn first_events(&self, agent: &AgentRef) -> Result<Vec<(UserKey, Millis)>> {
        on_reader!(self, analytics::first_events(agent.key))
    }

    /// The users with an open session whose latest event is at or after
    /// `since` (online), for counting them within a section.
    pub async fn online_user_keys(&self, agent: &AgentRef, since: Millis) -> Result<Vec<UserKey>> {
        on_reader!(self, analytics::online_user_keys(agent.key, since))
    }

    /// The raw events of `users` on the agent in `[from, to)`: a section's
    /// facts (the rollups hold messages per agent, not per user and quarter).
    pub async fn users_activity(
        &self,
        agent: &AgentRef,
        users: &[UserKey],
        from: Millis,
        to: Millis,
    ) -> Result<Vec<RawActivity>> {
        on_reader!(self, analytics::users_activity(agent.key, users, from, to))
    }

    /// How many users are registered for the agent (`registered` of
    /// METRICS.md).
    pub async fn registered_count(&self, agent: &AgentRef) -> Result<u64> {
        on_reader!(self, analytics::registered_count(agent.key))
    }

    /// Every registered user of the agent with their latest activity.
    pub async fn registered_learners(&self, agent: &AgentRef) -> Result<Vec<RegisteredLearner>> {
        on_reader!(self, analytics::registered_learners(agent.key))
    }

    /// Those of `users` with an event on the agent in `[from, to]`.
    pub async fn users_active_between(
        &self,
        agent: &AgentRef,
        users: &[UserKey],
        from: Millis,
        to: Millis,
    ) -> Result<Vec<UserKey>> {
        on_reader!(
            self,
            analytics::users_active_between(agent.key, users, from, to)
        )
    }

    /// Whether the user is online: an open session with an event at or
    /// after `since`.
    pub async fn learner_online(
        &self,
        agent: &AgentRef,
        user: UserKey,
        since: Millis,
    ) -> Result<bool> {
        on_reader!(self, analytics::learner_online(agent.key, user, since))
    }

    /// One user's raw events on the agent in `[from, to)`.
    pub async fn learner_activity(
        &self,
        agent: &AgentRef,
        user: UserKey,
        from: Millis,
        to: Millis,
    ) -> Result<Vec<RawActivity>> {
        on_reader!(self, analytics::learner_activity(agent.key, user, from, to))
    }

    /// The user's sessions with an event in `[from, to)`, newest first, at
    /// most `limit`.
    pub async fn learner_sessions(
        &self,
        agent: &AgentRef,
        user: UserKey,
        from: Millis,
        to: Millis,
        limit: usize,
    ) -> Result<Vec<SessionRow>> {
        on_reader!(
            self,
            analytics::learner_sessions(agent.key, user, (from, to), limit as i64)
        )
    }
}
