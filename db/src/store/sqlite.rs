//! The store's queries compiled for SQLite.

type Db = sqlx::Sqlite;
const BACKEND: super::Backend = super::Backend::Sqlite;

#[allow(
    clippy::duplicate_mod,
    reason = "the same SQL, compiled once per backend with its own `Db`"
)]
#[path = "queries/mod.rs"]
pub mod queries;
