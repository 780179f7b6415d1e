//! What the rollups cost at ingest: the same 200,000 synthetic events stored
//! by `Store::ingest` (events + rollups, one transaction per batch of 1,000)
//! and, as the baseline in the same run, stored without rollups (the key
//! look-up and the events insert) with the same batching, connection
//! settings and durability. SQLite, in-process; five
//! alternating rounds of each, medians compared.
//!
//!     cargo bench -p pulse-db --bench ingest_overhead

use pulse_db::time::Millis;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::str::FromStr;
use std::time::Instant;

use chrono::{TimeZone, Utc};
use pulse_db::Store;
use pulse_db::ingest::{ValidBatch, ValidEvent};
use pulse_db::synthetic::{Scale, World};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{QueryBuilder, Row, Sqlite};

const EVENTS: usize = 200_000;
const BATCH: usize = 1_000;
const ROUNDS: usize = 5;

fn main() {
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let world = World::plan(Scale::benchmark(), Utc.with_ymd_and_hms(2026, 11, 1, 17, 0, 0).unwrap());
        let mut events: Vec<ValidEvent> = Vec::with_capacity(EVENTS);
        for user in 0..world.users.len() {
            events.extend(world.events_of(user));
            if events.len() >= EVENTS {
                break;
            }
        }
        events.truncate(EVENTS);
        // `PULSE_TIME_ORDERED=1`: batches in time order, as a live platform sends them.
        if std::env::var("PULSE_TIME_ORDERED").is_ok_and(|value| value == "1") {
            events.sort_by_key(|event| event.at);
        }
        let batches: Vec<ValidBatch> =
            events.chunks(BATCH).map(|chunk| ValidBatch::of(chunk.to_vec())).collect();

        // Alternating rounds, each on a fresh file, and medians: this machine
        // is noisy, and a slow moment should not land on one side only.
        let dir = tempfile::tempdir().unwrap();
        let mut pulse_runs = Vec::new();
        let mut baseline_runs = Vec::new();
        for round in 0..ROUNDS {
            pulse_runs.push(pulse_run(&dir.path().join(format!("pulse-{round}.db")), &batches).await);
            baseline_runs.push(baseline_run(&dir.path().join(format!("baseline-{round}.db")), &events, &batches).await);
        }
        let pulse = median(&mut pulse_runs);
        let baseline = median(&mut baseline_runs);
        println!("Medians of {ROUNDS} alternating rounds; all rounds (s): Pulse {pulse_runs:.2?}, baseline {baseline_runs:.2?}");
        println!("| store | events | seconds | events/s |");
        println!("| --- | --- | --- | --- |");
        println!("| Pulse (events + rollups) | {EVENTS} | {pulse:.2} | {:.0} |", EVENTS as f64 / pulse);
        println!("| baseline (events, no rollups) | {EVENTS} | {baseline:.2} | {:.0} |", EVENTS as f64 / baseline);
        println!("Throughput with rollups: {:.0}% of the baseline", baseline / pulse * 100.0);
    });
}

fn median(runs: &mut [f64]) -> f64 {
    runs.sort_by(f64::total_cmp);
    runs[runs.len() / 2]
}

/// Seconds for `Store::ingest` to store every batch (events and rollups).
async fn pulse_run(file: &Path, batches: &[ValidBatch]) -> f64 {
    let store = Store::connect(&format!("sqlite://{}", file.display()))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let started = Instant::now();
    for batch in batches {
        store.ingest(batch, Millis(0)).await.unwrap();
    }
    let seconds = started.elapsed().as_secs_f64();
    store.close().await;
    seconds
}

/// Seconds to store the same batches without any rollup: what an ingest
/// must do anyway. Per batch, in one transaction: look up the database keys
/// of its agents and users (one statement, as `Store::ingest` does; the rows
/// are inserted beforehand, untimed) and insert the events. The same schema
/// and connection settings as the store.
async fn baseline_run(file: &Path, events: &[ValidEvent], batches: &[ValidBatch]) -> f64 {
    let url = format!("sqlite://{}", file.display());
    let store = Store::connect(&url).await.unwrap();
    store.migrate().await.unwrap();
    store.close().await;
    let options = SqliteConnectOptions::from_str(&url)
        .unwrap()
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .pragma("cache_size", "-16384");
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .unwrap();
    let mut tx = pool.begin().await.unwrap();
    for agent in events
        .iter()
        .map(|event| event.agent_id.as_str())
        .collect::<HashSet<_>>()
    {
        sqlx::query("INSERT INTO agents (agent_key, name) VALUES ($1, $1)")
            .bind(agent)
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    for user in events
        .iter()
        .map(|event| event.user_id.as_str())
        .collect::<HashSet<_>>()
    {
        sqlx::query("INSERT INTO users (user_key) VALUES ($1)")
            .bind(user)
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let started = Instant::now();
    for batch in batches {
        let mut tx = pool.begin_with("BEGIN IMMEDIATE").await.unwrap();
        let mut lookup =
            QueryBuilder::<Sqlite>::new("SELECT 0, id, agent_key FROM agents WHERE agent_key IN (");
        let mut list = lookup.separated(", ");
        for agent in batch.agent_ids() {
            list.push_bind(agent);
        }
        lookup.push(") UNION ALL SELECT 1, id, user_key FROM users WHERE user_key IN (");
        let mut list = lookup.separated(", ");
        for user in batch.user_ids() {
            list.push_bind(user);
        }
        lookup.push(")");
        let (mut agents, mut users) = (HashMap::new(), HashMap::new());
        for row in lookup.build().fetch_all(&mut *tx).await.unwrap() {
            let ids = if row.get::<i32, _>(0) == 0 {
                &mut agents
            } else {
                &mut users
            };
            ids.insert(row.get::<String, _>(2), row.get::<i64, _>(1));
        }
        let mut query = QueryBuilder::<Sqlite>::new(
            "INSERT INTO events (event_key, kind, agent_id, user_id, at, session_key, received_at) ",
        );
        query.push_values(&batch.events, |mut row, event| {
            row.push_bind(event.id.as_str())
                .push_bind(event.kind.code())
                .push_bind(agents[&event.agent_id])
                .push_bind(users[&event.user_id])
                .push_bind(event.at)
                .push_bind(event.session_id.as_deref())
                .push_bind(0_i64);
        });
        query.push(" ON CONFLICT (agent_id, event_key) DO NOTHING");
        query.build().execute(&mut *tx).await.unwrap();
        tx.commit().await.unwrap();
    }
    let seconds = started.elapsed().as_secs_f64();
    pool.close().await;
    seconds
}
