//! Removing data: erasing one learner, and purging events older than
//! the configured number of days.
//!
//! The SQL is in `queries/erasure.rs`; these methods hand it the current
//! backend's reader or writer.

use super::{Erasure, Store};
use crate::error::Result;
use crate::time::Millis;

impl Store {
    /// Erases the learner `user_id` everywhere (events, registrations,
    /// sections, contact marks, rollups) in one transaction, and logs who
    /// erased which id and when; `None` when there is no such learner.
    pub async fn forget_user(
        &self,
        user_id: &str,
        erased_by: &str,
        at: Millis,
    ) -> Result<Option<Erasure>> {
        on_writer!(self, erasure::forget_user(user_id, erased_by, at))
    }

    /// Deletes the events before the UTC day `first_kept` and their rollups
    /// (the purge of `PULSE_RETENTION_DAYS`); returns how many events went.
    pub async fn purge_before(&self, first_kept: crate::time::Day) -> Result<u64> {
        on_writer!(self, erasure::purge_before(first_kept))
    }
}
