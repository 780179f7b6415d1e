//! Storage: the [`Store`] every other part of Pulse reads and writes
//! through, on SQLite or PostgreSQL, chosen by the URL's scheme.
//!
//! One concern, two files of one name: `store/<concern>.rs` holds the
//! `Store` methods of that concern (agents and learners in `registry`,
//! `sections`, `annotations`, `ingest`, `erasure`, `share_links`,
//! `api_keys`, `accounts`, `analytics`, `contact_marks`, `backup`), and
//! `store/queries/<concern>.rs` their SQL. The SQL is written once and
//! compiled once per backend: `sqlite.rs` and `postgres.rs` each include
//! `queries/` as their module `queries` with their own `Db` type, and each
//! `Store` method hands its query the [`Reader`](access::Reader) or the
//! [`Writer`](access::Writer) of the current backend (`on_reader!`,
//! `on_writer!` below). Opening the pools and migrating is `connect.rs`;
//! the schema of each backend lives in `migrations/<backend>/`.
//!
//! The rules above storage (who may sign in, what a key may do, what a
//! share link shows) live in the crate's other modules and speak their own
//! errors; `crate::api_error` maps them to what callers see.

use std::path::PathBuf;
use std::sync::Arc;

use crate::analytics::KeptFigures;
use crate::error::{Result, StoreError};

mod access;
mod postgres;
mod records;
mod sqlite;

use access::{Reader, Writer};
pub use connect::Workload;
use connect::{connect_postgres, connect_sqlite, lock_for_migration, migrator};
use postgres::queries as pg;
pub use records::{
    AgentRef, ContactRow, DayRow, Erasure, LearnerSeed, RawActivity, RegisteredLearner, SessionRow,
};
use sqlite::queries as lite;

/// What a connection pool holds now (for `/metrics`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolUsage {
    /// Which pool: `sqlite read`, `sqlite write` or `postgres`.
    pub name: &'static str,
    /// Connections open now, in use or idle.
    pub open: u32,
    /// Open connections waiting for a query.
    pub idle: u32,
    /// The most connections the pool may open.
    pub max: u32,
}

/// The kind of database behind a [`Store`], chosen by the URL's scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file (`sqlite://PATH`): one writer connection, several readers.
    Sqlite,
    /// A PostgreSQL server (`postgres://...`): one pool for reads and writes.
    Postgres,
}

/// A handle on the database; cheap to clone, shared by every request.
#[derive(Clone)]
pub struct Store {
    pools: Arc<Pools>,
    /// Figures computed once, shared by every clone of this handle.
    figures: Arc<KeptFigures>,
}

enum Pools {
    /// SQLite allows one writer at a time: a one-connection pool queues the
    /// writers in the process instead of letting them fail with SQLITE_BUSY,
    /// while readers use their own connections (WAL lets them run alongside).
    Sqlite {
        read: Reader<sqlx::Sqlite>,
        write: Writer<sqlx::Sqlite>,
        file: PathBuf,
    },
    /// One pool: PostgreSQL runs writers side by side itself.
    Postgres {
        read: Reader<sqlx::Postgres>,
        write: Writer<sqlx::Postgres>,
    },
}

/// Calls `$module::$f(reader, args...)` with the current backend's reader.
macro_rules! on_reader {
    ($store:expr, $module:ident::$f:ident($($arg:expr),*)) => {
        match &*$store.pools {
            $crate::store::Pools::Sqlite { read, .. } => {
                $crate::store::lite::$module::$f(read $(, $arg)*).await
            }
            $crate::store::Pools::Postgres { read, .. } => {
                $crate::store::pg::$module::$f(read $(, $arg)*).await
            }
        }
    };
    ($store:expr, $f:ident($($arg:expr),*)) => {
        match &*$store.pools {
            $crate::store::Pools::Sqlite { read, .. } => $crate::store::lite::$f(read $(, $arg)*).await,
            $crate::store::Pools::Postgres { read, .. } => $crate::store::pg::$f(read $(, $arg)*).await,
        }
    };
}

/// Calls `$module::$f(writer, args...)` with the current backend's writer.
macro_rules! on_writer {
    ($store:expr, $module:ident::$f:ident($($arg:expr),*)) => {
        match &*$store.pools {
            $crate::store::Pools::Sqlite { write, .. } => {
                $crate::store::lite::$module::$f(write $(, $arg)*).await
            }
            $crate::store::Pools::Postgres { write, .. } => {
                $crate::store::pg::$module::$f(write $(, $arg)*).await
            }
        }
    };
    ($store:expr, $f:ident($($arg:expr),*)) => {
        match &*$store.pools {
            $crate::store::Pools::Sqlite { write, .. } => $crate::store::lite::$f(write $(, $arg)*).await,
            $crate::store::Pools::Postgres { write, .. } => $crate::store::pg::$f(write $(, $arg)*).await,
        }
    };
}

mod accounts;
mod analytics;
mod annotations;
mod api_keys;
mod backup;
mod connect;
mod contact_marks;
mod erasure;
mod ingest;
mod registry;
mod sections;
mod share_links;

impl Store {
    /// Opens `sqlite://PATH` (the file and its folder are created when
    /// missing) or `postgres://...`. Does not migrate.
    pub async fn connect(url: &str) -> Result<Store> {
        Store::connect_for(url, Workload::Serving).await
    }

    /// [`Store::connect`], tuned for `workload`.
    pub async fn connect_for(url: &str, workload: Workload) -> Result<Store> {
        let pools = if url.starts_with("sqlite:") {
            connect_sqlite(url, workload).await?
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let pool = connect_postgres(url).await?;
            Pools::Postgres {
                read: Reader::new(pool.clone()),
                write: Writer::new(pool),
            }
        } else {
            return Err(StoreError::UnsupportedUrl(crate::redact_url(url)));
        };
        Ok(Store {
            pools: Arc::new(pools),
            figures: Arc::default(),
        })
    }

    /// The figures this process keeps between requests.
    pub(crate) fn figures(&self) -> &KeptFigures {
        &self.figures
    }

    /// This handle with figures kept in about `bytes` of memory (none for
    /// 0), instead of [`crate::analytics::DEFAULT_VIEW_BYTES`].
    #[must_use]
    pub fn keeping_figures(mut self, bytes: u64) -> Store {
        self.figures = Arc::new(KeptFigures::with_bytes(bytes));
        self
    }

    /// Forgets every figure this process kept, so that the next reads
    /// compute them: for measuring that computation (the benchmarks).
    pub fn forget_figures(&self) {
        self.figures.clear();
    }

    /// Applies the schema migrations that have not run yet.
    pub async fn migrate(&self) -> Result<()> {
        match &*self.pools {
            Pools::Sqlite { write, file, .. } => {
                let _lock = lock_for_migration(file).await?;
                migrator(Backend::Sqlite).run(write.pool()).await?;
            }
            Pools::Postgres { write, .. } => migrator(Backend::Postgres).run(write.pool()).await?,
        }
        Ok(())
    }

    /// Closes the pools at shutdown: later calls fail, and the future ends once
    /// every connection is closed.
    pub async fn close(&self) {
        match &*self.pools {
            Pools::Sqlite { read, write, .. } => {
                read.pool().close().await;
                write.pool().close().await;
            }
            Pools::Postgres { write, .. } => write.pool().close().await,
        }
    }

    /// How many connections each pool has open, idle and at most.
    pub fn pool_usage(&self) -> Vec<PoolUsage> {
        fn usage<DB: sqlx::Database>(name: &'static str, pool: &sqlx::Pool<DB>) -> PoolUsage {
            PoolUsage {
                name,
                open: pool.size(),
                idle: u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
                max: pool.options().get_max_connections(),
            }
        }
        match &*self.pools {
            Pools::Sqlite { read, write, .. } => vec![
                usage("sqlite read", read.pool()),
                usage("sqlite write", write.pool()),
            ],
            Pools::Postgres { read, .. } => vec![usage("postgres", read.pool())],
        }
    }

    /// Answers when the database answers a trivial query.
    pub async fn ping(&self) -> Result<()> {
        on_reader!(self, ping())
    }
}
