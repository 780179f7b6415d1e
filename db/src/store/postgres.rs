//! The store's queries compiled for PostgreSQL.

type Db = sqlx::Postgres;
const BACKEND: super::Backend = super::Backend::Postgres;

#[allow(
    clippy::duplicate_mod,
    reason = "the same SQL, compiled once per backend with its own `Db`"
)]
#[path = "queries/mod.rs"]
pub mod queries;
