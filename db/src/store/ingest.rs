//! Storing validated event batches, and the rollups kept beside them.
//!
//! The SQL is in `queries/ingest.rs`; these methods hand it the current
//! backend's reader or writer.

use super::Store;
use crate::error::Result;
use crate::ingest::{IngestCounts, ValidBatch};
use crate::time::Millis;

impl Store {
    /// Stores a validated batch in one transaction: all of it or nothing.
    pub async fn ingest(&self, batch: &ValidBatch, received_at: Millis) -> Result<IngestCounts> {
        on_writer!(self, ingest::ingest(batch, received_at))
    }

    /// What the database's own maintenance would do after a while, done at
    /// once after a bulk load: fresh planner statistics (before, they
    /// describe the empty tables, and PostgreSQL plans the dashboard's joins
    /// for a hundred rows where there are thousands) and, on PostgreSQL, a
    /// vacuum (docs/BENCHMARKS.md, "Users-tab dashboard on a year of data
    /// (issue 4)").
    pub async fn after_bulk_load(&self) -> Result<()> {
        on_writer!(self, after_bulk_load())
    }

    /// Recomputes the rollups from the raw events (after a restore, or to
    /// check them); returns the number of events read.
    pub async fn rebuild_rollups(&self) -> Result<u64> {
        on_writer!(self, ingest::rebuild_rollups())
    }
}
