//! The benchmark data set (`Scale::benchmark()`: 20 agents, 20,000 users,
//! 365 days, about 5 million events), generated once and kept for later
//! runs: in $PULSE_CACHE/bench (SQLite) and in the database
//! `pulse_bench_v1` of $PULSE_TEST_POSTGRES_URL's server. Shared by the
//! benchmarks of every crate.

use std::time::Instant;

use chrono::{DateTime, TimeZone, Utc};
use sqlx::Connection;

use crate::ingest::ValidBatch;
use crate::synthetic::{Scale, World};
use crate::{AgentRef, Store};

/// The data set's "now": its last event is a little before.
pub fn data_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 17, 0, 0).unwrap()
}

fn cache_dir() -> std::path::PathBuf {
    let base = std::env::var("PULSE_CACHE")
        .unwrap_or_else(|_| format!("{}/.cache/pulse", std::env::var("HOME").unwrap()));
    std::path::PathBuf::from(base).join("bench")
}

/// The data set's SQLite URL: `bench-v1.db` in $PULSE_CACHE/bench (by
/// default `~/.cache/pulse/bench`).
pub fn sqlite_url() -> String {
    format!("sqlite://{}/bench-v1.db", cache_dir().display())
}

/// The server's administration URL (the test server's).
pub fn postgres_admin_url() -> String {
    std::env::var("PULSE_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres:postgres@127.0.0.1:5432/postgres".into())
}

/// The URL of database `name` on the same server, created when missing
/// (as a copy of `template` when given).
pub async fn postgres_database(name: &str, template: Option<&str>) -> String {
    let admin = postgres_admin_url();
    let mut connection = sqlx::postgres::PgConnection::connect(&admin).await.unwrap();
    let exists: Option<(i32,)> = sqlx::query_as("SELECT 1 FROM pg_database WHERE datname = $1")
        .bind(name)
        .fetch_optional(&mut connection)
        .await
        .unwrap();
    if exists.is_none() {
        let template = template
            .map(|t| format!(" TEMPLATE {t}"))
            .unwrap_or_default();
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "CREATE DATABASE {name}{template}"
        )))
        .execute(&mut connection)
        .await
        .unwrap();
    }
    let (base, _) = admin.rsplit_once('/').unwrap();
    format!("{base}/{name}")
}

/// The data set's PostgreSQL URL: the database `pulse_bench_v1` on the test
/// server, created empty when missing ([`open`] fills it).
pub async fn postgres_url() -> String {
    postgres_database("pulse_bench_v1", None).await
}

/// Opens the data set, generating it on first use.
pub async fn open(url: &str) -> Store {
    let store = Store::connect(url).await.unwrap();
    store.migrate().await.unwrap();
    if store.list_agents().await.unwrap().is_empty() {
        let started = Instant::now();
        let world = World::plan(Scale::benchmark(), data_now());
        let mut batch = Vec::new();
        let mut total = 0;
        for user in 0..world.users.len() {
            batch.extend(world.events_of(user));
            if batch.len() >= 5_000 || user + 1 == world.users.len() {
                total += batch.len();
                let events = std::mem::take(&mut batch);
                let batch = ValidBatch::of(events);
                store.ingest(&batch, crate::time::Millis(0)).await.unwrap();
            }
        }
        store.after_bulk_load().await.unwrap();
        eprintln!(
            "generated {total} events into {url} in {:.0?}",
            started.elapsed()
        );
    }
    store
}

/// The agents and their event counts, the largest first.
pub async fn agents_by_size(store: &Store) -> Vec<(AgentRef, u64)> {
    let mut agents = Vec::new();
    for agent in store.list_agents().await.unwrap() {
        let agent = store.find_agent(&agent.agent_id).await.unwrap().unwrap();
        let events = store.event_count(&agent).await.unwrap();
        agents.push((agent, events));
    }
    agents.sort_by_key(|(_, events)| std::cmp::Reverse(*events));
    agents
}
