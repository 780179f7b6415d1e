//! The data layer's integration tests, in one test binary: every figure
//! against a naive oracle written from METRICS.md, hand-worked cases,
//! ingestion, accounts, hostile input and upgrades in place. Storage tests
//! run on SQLite and on PostgreSQL (`PULSE_TEST_POSTGRES_URL`), one case per
//! backend (`…::case_1_sqlite`, `…::case_2_postgres`).
//!
//! One module: `cargo test -p pulse-db --test db -- ingest::`.

mod support;

mod accounts;
mod analytics_cases;
mod analytics_oracle;
mod annotation_cases;
mod erasure_cases;
mod freshness;
mod hostile_input;
mod ingest;
mod learner_cases;
mod retention_cases;
mod section_cases;
mod upgrade;
