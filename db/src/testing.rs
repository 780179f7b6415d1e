//! Databases for tests: a fresh SQLite file, or a fresh PostgreSQL database
//! on the server at `PULSE_TEST_POSTGRES_URL`, dropped when the test ends.
//! Each test gets its own, so tests run in parallel.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::Connection;
use sqlx::postgres::PgConnection;
use sqlx::sqlite::SqliteConnection;

use crate::Store;

const DEFAULT_POSTGRES: &str = "postgres://postgres:postgres@127.0.0.1:5432/postgres";

/// Which database server a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestBackend {
    /// A SQLite file in a temporary folder, deleted with the [`TestDb`].
    Sqlite,
    /// A new database on the server at `PULSE_TEST_POSTGRES_URL`, dropped by
    /// [`TestDb::cleanup`].
    Postgres,
}

/// Both backends: every storage test runs on each.
pub const BACKENDS: [TestBackend; 2] = [TestBackend::Sqlite, TestBackend::Postgres];

/// A database of a test's own.
pub struct TestDb {
    /// Its URL, for a connection apart from the store's pools.
    pub url: String,
    /// The store connected to it.
    pub store: Store,
    _dir: Option<tempfile::TempDir>,
    postgres_name: Option<String>,
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique_name() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    format!(
        "pulse_test_{}_{}_{}",
        std::process::id(),
        nanos % 1_000_000_000,
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

fn admin_url() -> String {
    std::env::var("PULSE_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_POSTGRES.to_owned())
}

impl TestDb {
    /// A fresh, migrated database.
    pub async fn new(backend: TestBackend) -> TestDb {
        let db = TestDb::empty(backend).await;
        db.store.migrate().await.expect("migrate");
        db
    }

    /// A database as an earlier release left it, not migrated yet: a copy
    /// of a SQLite file, or a PostgreSQL database made by running a
    /// `pg_dump --inserts` script (without psql's meta-commands).
    pub async fn restored(
        backend: TestBackend,
        sqlite_file: &Path,
        postgres_script: &Path,
    ) -> TestDb {
        match backend {
            TestBackend::Sqlite => {
                let dir = tempfile::tempdir().expect("a temporary folder");
                std::fs::copy(sqlite_file, dir.path().join("pulse.db"))
                    .expect("copy the SQLite file");
                TestDb::connect(
                    format!("sqlite://{}/pulse.db", dir.path().display()),
                    Some(dir),
                    None,
                )
                .await
            }
            TestBackend::Postgres => {
                let db = TestDb::empty(backend).await;
                let script = std::fs::read_to_string(postgres_script).expect("read the script");
                let mut connection = PgConnection::connect(&db.url).await.expect("connect");
                sqlx::raw_sql(sqlx::AssertSqlSafe(script))
                    .execute(&mut connection)
                    .await
                    .expect("run the PostgreSQL script");
                db
            }
        }
    }

    /// A database with no tables.
    pub async fn empty(backend: TestBackend) -> TestDb {
        match backend {
            TestBackend::Sqlite => {
                let dir = tempfile::tempdir().expect("a temporary folder");
                let url = format!("sqlite://{}/pulse.db", dir.path().display());
                TestDb::connect(url, Some(dir), None).await
            }
            TestBackend::Postgres => {
                let admin = admin_url();
                let name = unique_name();
                let mut connection = PgConnection::connect(&admin).await.unwrap_or_else(|error| {
                    panic!("PostgreSQL at {admin} (PULSE_TEST_POSTGRES_URL): {error}")
                });
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut connection)
                    .await
                    .expect("create the test database");
                TestDb::connect(database_url(&admin, &name), None, Some(name)).await
            }
        }
    }

    /// The same database through new connections, after an outside program
    /// (a restore) replaced its file or its tables.
    pub async fn reopened(self) -> TestDb {
        self.store.close().await;
        let store = Store::connect(&self.url)
            .await
            .expect("open the test database");
        TestDb { store, ..self }
    }

    async fn connect(
        url: String,
        dir: Option<tempfile::TempDir>,
        postgres_name: Option<String>,
    ) -> TestDb {
        let store = Store::connect(&url).await.expect("open the test database");
        TestDb {
            url,
            store,
            _dir: dir,
            postgres_name,
        }
    }

    /// The id of every stored event, as many times as it is stored, sorted;
    /// read with a connection of its own, apart from the store's pools.
    pub async fn event_keys(&self) -> Vec<String> {
        let query = "SELECT event_key FROM events ORDER BY event_key";
        let keys = if self.postgres_name.is_some() {
            let mut connection = PgConnection::connect(&self.url).await.expect("connect");
            sqlx::query_scalar(query).fetch_all(&mut connection).await
        } else {
            let mut connection = SqliteConnection::connect(&self.url).await.expect("connect");
            sqlx::query_scalar(query).fetch_all(&mut connection).await
        };
        keys.expect("read the event ids")
    }

    /// The rows of a test's own query of two text columns, read with a
    /// connection of its own.
    pub async fn text_rows(&self, query: &str) -> Vec<(String, String)> {
        let query = sqlx::AssertSqlSafe(query.to_owned());
        let rows = if self.postgres_name.is_some() {
            let mut connection = PgConnection::connect(&self.url).await.expect("connect");
            sqlx::query_as(query).fetch_all(&mut connection).await
        } else {
            let mut connection = SqliteConnection::connect(&self.url).await.expect("connect");
            sqlx::query_as(query).fetch_all(&mut connection).await
        };
        rows.expect("the test's query runs")
    }

    /// Drops a PostgreSQL database (a SQLite file goes with its folder).
    pub async fn cleanup(self) {
        self.store.close().await;
        if let Some(name) = &self.postgres_name
            && let Ok(mut connection) = PgConnection::connect(&admin_url()).await
        {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&mut connection)
            .await;
        }
    }
}

/// The same server URL with another database name.
fn database_url(admin: &str, name: &str) -> String {
    let (base, _) = admin
        .rsplit_once('/')
        .expect("a PostgreSQL URL ends with /DATABASE");
    let query = admin
        .split_once('?')
        .map(|(_, query)| format!("?{query}"))
        .unwrap_or_default();
    format!("{base}/{name}{query}")
}
