//! Getting events in: validation of what clients send (`validate`), and the
//! pure computation of what a batch of new events changes in the rollups
//! (`effects`). The store writes both in one transaction.

mod effects;
mod event;
mod validate;

pub use effects::{DayActivity, Effects};
pub use event::{EventKind, ValidEvent};
pub use validate::{
    FIELDS, FieldError, MAX_BATCH_EVENTS, ValidBatch, validate_batch, validate_event,
};

/// What a stored batch reports: `accepted + duplicates` = the batch size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct IngestCounts {
    /// Events newly stored.
    pub accepted: u64,
    /// Events that changed nothing: their id was already stored, or came
    /// earlier in the batch.
    pub duplicates: u64,
}

impl std::ops::AddAssign for IngestCounts {
    fn add_assign(&mut self, other: IngestCounts) {
        self.accepted += other.accepted;
        self.duplicates += other.duplicates;
    }
}
