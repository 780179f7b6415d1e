//! Pulse's data layer. Raw events are the source of truth; the rollups kept
//! beside them at ingest make the dashboard fast and give exactly the figures
//! of METRICS.md. Nothing here knows about HTTP or the UI.

#![warn(missing_docs)]

pub mod accounts;
pub mod analytics;
mod api_error;
#[cfg(feature = "testing")]
pub mod bench_data;
pub mod contact_marks;
pub mod embedding;
mod error;
pub mod ids;
pub mod ingest;
pub mod keys;
pub mod learners;
pub mod sections;
pub mod share_links;
pub mod single_sign_on;
mod store;
pub mod synthetic;
#[cfg(feature = "testing")]
pub mod testing;
pub mod time;

pub use error::{Outage, StoreError, redact_url};
pub use store::{AgentRef, Backend, DayRow, Erasure, LearnerSeed, PoolUsage, Store, Workload};
