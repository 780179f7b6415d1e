//! Opening the database: the pools of each backend, their settings, and
//! the schema migrations (`migrations/<backend>/`, append-only).

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::Connection;
use sqlx::migrate::Migrator;
use sqlx::pool::PoolOptions;
use sqlx::postgres::{PgConnectOptions, PgPool};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};

use super::access::{Reader, Writer};
use super::{Backend, Pools};
use crate::error::{Result, StoreError};

/// Settings of every pool. A connection is handed out only when no
/// transaction is left open on it: a failed write can leave one behind (on
/// a full disk SQLite rolls back by itself, sqlx's own rollback then fails
/// and its count of open transactions stays at one), and such a connection
/// is replaced rather than reused.
fn pool_options<DB: sqlx::Database>() -> PoolOptions<DB> {
    PoolOptions::new().before_acquire(|connection: &mut DB::Connection, _| {
        Box::pin(async move { Ok(!connection.is_in_transaction()) })
    })
}

pub(super) async fn connect_postgres(url: &str) -> Result<PgPool> {
    let options = PgConnectOptions::from_str(url)?;
    // One plain connection first: when it fails, its error says why (the
    // pool would only report that it timed out waiting for a connection).
    let first = sqlx::PgConnection::connect_with(&options)
        .await
        .map_err(|error| StoreError::Connect {
            target: format!("{}:{}", options.get_host(), options.get_port()),
            reason: connect_reason(&error),
        })?;
    first.close().await?;
    Ok(pool_options::<sqlx::Postgres>()
        .max_connections(16)
        // Fail fast while the server is down, so callers answer 503
        // within a second (connecting is retried until then). Busy as
        // the pool may be, a query waits far less than this for a
        // connection: queries take milliseconds.
        .acquire_timeout(Duration::from_secs(1))
        .connect_with(options)
        .await?)
}

/// Why a connection failed, in words that never carry the URL.
fn connect_reason(error: &sqlx::Error) -> String {
    match error {
        sqlx::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            "connection refused (is PostgreSQL running and listening there?)".to_owned()
        }
        sqlx::Error::Io(io) => io.to_string(),
        sqlx::Error::Database(database) => database.message().to_owned(),
        sqlx::Error::Tls(tls) => format!("TLS: {tls}"),
        other => other.to_string(),
    }
}

/// What a store is opened for; on SQLite, its writer's page cache follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    /// A server, or a command that reads and writes a little.
    Serving,
    /// Loading many events at once (`pulse import`): large transactions
    /// whose new index entries land all over the file.
    BulkLoad,
}

impl Workload {
    /// The writer's page cache, in KiB. A bulk load's transactions dirty
    /// more pages than a server's cache holds: SQLite then spills them to
    /// the WAL before the commit, and every page it evicts is read again
    /// for the next batch. 64 MiB was quicker than 8 (by a fifth) and than
    /// 256 on a million and a half events (docs/BENCHMARKS.md, "Bulk
    /// import").
    fn sqlite_writer_cache_kib(self) -> u32 {
        match self {
            Workload::Serving => 8 * 1024,
            Workload::BulkLoad => 64 * 1024,
        }
    }

    /// WAL pages after which a commit copies the WAL into the database
    /// file. A bulk load rewrites the same index pages batch after batch:
    /// copying them back after every batch (SQLite's default of 1,000
    /// pages) wrote 17% more and took 5-10% longer than letting 64 MiB of
    /// WAL gather first.
    fn sqlite_wal_autocheckpoint_pages(self) -> u32 {
        match self {
            Workload::Serving => 1000,
            Workload::BulkLoad => 16_384,
        }
    }
}

pub(super) async fn connect_sqlite(url: &str, workload: Workload) -> Result<Pools> {
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // FULL: a batch is on disk before its 200 leaves, even across power loss.
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10))
        // 8 MiB of page cache per connection (default 2 MiB): a year of a
        // 4,000-learner agent's rollups stays in memory. A 50,000-learner
        // agent's year fits in no such cache and is read through the
        // system's file cache either way; 16 MiB per connection only raised
        // the server's peak memory (docs/BENCHMARKS.md, "One read, finely").
        .pragma("cache_size", "-8192")
        // Deleted rows are overwritten with zeros, not left in free pages:
        // an erased learner's names and notes leave the file at the next
        // checkpoint (docs/METRICS.md, "Erasing a learner").
        .pragma("secure_delete", "ON");
    if let Some(folder) = Path::new(options.get_filename()).parent()
        && !folder.as_os_str().is_empty()
    {
        std::fs::create_dir_all(folder).map_err(|source| StoreError::CreateDir {
            path: folder.display().to_string(),
            source,
        })?;
    }
    let file = options.get_filename().to_owned();
    let write = pool_options::<sqlx::Sqlite>()
        .max_connections(1)
        .connect_with(
            options
                .clone()
                .pragma(
                    "cache_size",
                    format!("-{}", workload.sqlite_writer_cache_kib()),
                )
                .pragma(
                    "wal_autocheckpoint",
                    workload.sqlite_wal_autocheckpoint_pages().to_string(),
                ),
        )
        .await?;
    let read = pool_options::<sqlx::Sqlite>()
        .max_connections(4)
        .connect_with(options.read_only(false))
        .await?;
    Ok(Pools::Sqlite {
        read: Reader::new(read),
        write: Writer::new(write),
        file,
    })
}

/// sqlx locks migrations on PostgreSQL only: two processes migrating one new
/// SQLite file at once (say `pulse demo` and `pulse serve`) would both create
/// the tables and one would fail. A flock on a file of its own beside the
/// database orders them. Never on the database file itself: on Linux,
/// closing any descriptor of a file drops every POSIX lock the process holds
/// on it, including the shared lock SQLite's WAL connections keep; without
/// it the next outside client to close the database (a `sqlite3` shell, a
/// backup script) believes it is the last one and deletes the WAL under the
/// running server. None for an in-memory database.
pub(super) async fn lock_for_migration(file: &Path) -> Result<Option<std::fs::File>> {
    if !file.is_file() {
        return Ok(None);
    }
    let path = migration_lock_path(file);
    let shown = path.display().to_string();
    tokio::task::spawn_blocking(move || {
        let handle = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)?;
        handle.lock()?;
        Ok(Some(handle))
    })
    .await
    .expect("the lock task does not panic")
    .map_err(|source: std::io::Error| StoreError::FileLock {
        path: shown,
        source,
    })
}

/// `pulse.db` → `pulse.db.migrate-lock`: never a name SQLite uses itself.
fn migration_lock_path(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".migrate-lock");
    PathBuf::from(name)
}

/// The schema migrations of a backend, read from its folder
/// (`migrations/<backend>/NNNN_name.sql`) at compile time. Append-only:
/// sqlx refuses a database whose applied migrations changed since.
pub(super) fn migrator(backend: Backend) -> Migrator {
    match backend {
        Backend::Sqlite => sqlx::migrate!("./migrations/sqlite"),
        Backend::Postgres => sqlx::migrate!("./migrations/postgres"),
    }
}
