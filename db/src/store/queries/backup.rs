//! What restores ask of the database: whether it holds anything yet, and
//! whether it is Pulse's. (SQLite's copy is `store/backup.rs`'s own: it
//! is SQLite's alone.)

use super::{BACKEND, Db};
use crate::error::Result;
use crate::store::Backend;
use crate::store::access::Reader;

/// How many tables the database (its current schema, on PostgreSQL) holds.
pub async fn table_count(db: &Reader<Db>) -> Result<i64> {
    let sql = match BACKEND {
        Backend::Sqlite => "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'",
        Backend::Postgres => {
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()"
        }
    };
    let (count,): (i64,) = sqlx::query_as(sql).fetch_one(db.pool()).await?;
    Ok(count)
}

/// Whether the database holds Pulse's schema (its migrations' record).
pub async fn has_pulse_schema(db: &Reader<Db>) -> Result<bool> {
    let sql = match BACKEND {
        Backend::Sqlite => {
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'"
        }
        Backend::Postgres => {
            "SELECT COUNT(*) FROM information_schema.tables
             WHERE table_schema = current_schema() AND table_name = '_sqlx_migrations'"
        }
    };
    let (count,): (i64,) = sqlx::query_as(sql).fetch_one(db.pool()).await?;
    Ok(count > 0)
}
