//! Databases for tests: a fresh SQLite file, or a fresh PostgreSQL database
//! on the server at `PULSE_TEST_POSTGRES_URL`, dropped when the test ends.
//! Each test gets its own, so tests run in parallel.

use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::Connection;
use sqlx::postgres::PgConnection;
use sqlx::sqlite::SqliteConnection;

use crate::Store;

const DEFAULT_POSTGRES: &str = "postgres://postgres:postgres@127.0.0.1:5432/postgres";

/// Which database server a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestBackend {
    Sqlite,
    Postgres,
}

/// Both backends: every storage test runs on each.
pub const BACKENDS: [TestBackend; 2] = [TestBackend::Sqlite, TestBackend::Postgres];

/// A fresh, migrated database.
pub struct TestDb {
    pub url: String,
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
    pub async fn new(backend: TestBackend) -> TestDb {
        match backend {
            TestBackend::Sqlite => {
                let dir = tempfile::tempdir().expect("a temporary folder");
                let url = format!("sqlite://{}/pulse.db", dir.path().display());
                let store = Store::connect(&url).await.expect("open SQLite");
                store.migrate().await.expect("migrate SQLite");
                TestDb {
                    url,
                    store,
                    _dir: Some(dir),
                    postgres_name: None,
                }
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
                let url = database_url(&admin, &name);
                let store = Store::connect(&url).await.expect("open PostgreSQL");
                store.migrate().await.expect("migrate PostgreSQL");
                TestDb {
                    url,
                    store,
                    _dir: None,
                    postgres_name: Some(name),
                }
            }
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
