//! Backups and restores: what they ask of the database (the commands that
//! drive them are `server/src/commands/backup.rs`).
//!
//! The SQL is in `queries/backup.rs`; these methods hand it the current
//! backend's reader.

use super::{Backend, Pools, Store};
use crate::error::{Result, StoreError};

impl Store {
    /// The kind of database behind this store.
    pub fn backend(&self) -> Backend {
        match &*self.pools {
            Pools::Sqlite { .. } => Backend::Sqlite,
            Pools::Postgres { .. } => Backend::Postgres,
        }
    }

    /// Writes a consistent copy of a SQLite database to `path`, a file that
    /// must not exist yet, while others go on writing (one read
    /// transaction's view). PostgreSQL is copied by `pg_dump` instead.
    pub async fn copy_sqlite_into(&self, path: &str) -> Result<()> {
        match &*self.pools {
            // One read transaction's view: writers go on meanwhile, and the
            // copy holds every transaction committed before it began and
            // none after.
            Pools::Sqlite { read, .. } => {
                sqlx::query("VACUUM INTO $1")
                    .bind(path)
                    .execute(read.pool())
                    .await?;
                Ok(())
            }
            Pools::Postgres { .. } => Err(StoreError::Unsupported(
                "a PostgreSQL database is copied by pg_dump, not by Pulse itself",
            )),
        }
    }

    /// Whether the database holds no table at all (a restore's target).
    pub async fn is_empty(&self) -> Result<bool> {
        Ok(on_reader!(self, backup::table_count())? == 0)
    }

    /// Whether the database holds Pulse's schema, at any version.
    pub async fn has_pulse_schema(&self) -> Result<bool> {
        on_reader!(self, backup::has_pulse_schema())
    }
}
