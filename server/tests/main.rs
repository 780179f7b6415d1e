//! The server's integration tests, in one test binary: the real app on a
//! random port (or `pulse serve` as a process) for the REST API and its
//! OpenAPI document, the dashboard's sign-in and the authorization matrix,
//! the command line, crash safety, database faults (these need root),
//! point-in-time recovery on PostgreSQL,
//! hostile clients, network limits, outside SQLite clients, compression,
//! metrics and the deploy files. Tests that touch storage run on SQLite and
//! on PostgreSQL (`PULSE_TEST_POSTGRES_URL`), one case per backend
//! (`…::case_1_sqlite`, `…::case_2_postgres`).
//!
//! One module: `cargo test -p pulse-server --test server -- authorization_matrix::`.

mod support;

mod annotations;
mod authorization_matrix;
mod backups;
mod commands;
mod compression;
mod crash_safety;
mod dashboard_auth;
mod database_faults;
mod deploy_files;
mod doc_references;
mod embedding;
mod first_paint;
mod follow_up;
mod freshness;
mod hostile_clients;
mod ingest_api;
mod learner_reach;
mod metrics;
mod network_limits;
mod openapi;
mod point_in_time;
mod purge;
mod read_api;
mod request_guards;
mod sections;
mod share_links;
mod single_sign_on;
mod sqlite_outside_clients;
