//! What the rollups cost at ingest: the same 200,000 synthetic events stored
//! by `Store::ingest` (events + rollups, one transaction per batch of 1,000)
//! and, as the baseline in the same run, inserted into the events table
//! alone with the same batching and durability. SQLite, in-process.
//!
//!     cargo bench -p pulse-db --bench ingest_overhead

use std::collections::HashMap;
use std::str::FromStr;
use std::time::Instant;

use chrono::{TimeZone, Utc};
use pulse_db::Store;
use pulse_db::ingest::{ValidBatch, ValidEvent};
use pulse_db::synthetic::{Scale, World};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{QueryBuilder, Sqlite};

const EVENTS: usize = 200_000;
const BATCH: usize = 1_000;

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
            events.chunks(BATCH).map(|chunk| ValidBatch { events: chunk.to_vec(), repeated_in_batch: 0 }).collect();

        let dir = tempfile::tempdir().unwrap();
        let pulse_url = format!("sqlite://{}/pulse.db", dir.path().display());
        let store = Store::connect(&pulse_url).await.unwrap();
        store.migrate().await.unwrap();
        let started = Instant::now();
        for batch in &batches {
            store.ingest(batch, 0).await.unwrap();
        }
        let pulse = started.elapsed().as_secs_f64();

        // Baseline: the same schema, agents and users inserted beforehand
        // (untimed), then only the raw events, batch by batch.
        let baseline_url = format!("sqlite://{}/baseline.db", dir.path().display());
        let baseline_store = Store::connect(&baseline_url).await.unwrap();
        baseline_store.migrate().await.unwrap();
        baseline_store.close().await;
        let options = SqliteConnectOptions::from_str(&baseline_url)
            .unwrap()
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full);
        let pool = SqlitePoolOptions::new().max_connections(1).connect_with(options).await.unwrap();
        let mut agents: HashMap<&str, i64> = HashMap::new();
        let mut users: HashMap<&str, i64> = HashMap::new();
        for event in &events {
            let next = agents.len() as i64 + 1;
            agents.entry(event.agent_id.as_str()).or_insert(next);
            let next = users.len() as i64 + 1;
            users.entry(event.user_id.as_str()).or_insert(next);
        }
        for (key, id) in &agents {
            sqlx::query("INSERT INTO agents (id, agent_key, name) VALUES ($1, $2, $2)").bind(id).bind(key).execute(&pool).await.unwrap();
        }
        for (key, id) in &users {
            sqlx::query("INSERT INTO users (id, user_key) VALUES ($1, $2)").bind(id).bind(key).execute(&pool).await.unwrap();
        }
        let started = Instant::now();
        for batch in &batches {
            let mut tx = pool.begin().await.unwrap();
            let mut query = QueryBuilder::<Sqlite>::new(
                "INSERT INTO events (event_key, kind, agent_id, user_id, at, session_key, received_at) ",
            );
            query.push_values(&batch.events, |mut row, event| {
                row.push_bind(event.id.as_str())
                    .push_bind(event.kind.code())
                    .push_bind(agents[event.agent_id.as_str()])
                    .push_bind(users[event.user_id.as_str()])
                    .push_bind(event.at)
                    .push_bind(event.session_id.as_deref())
                    .push_bind(0_i64);
            });
            query.push(" ON CONFLICT (event_key) DO NOTHING");
            query.build().execute(&mut *tx).await.unwrap();
            tx.commit().await.unwrap();
        }
        let baseline = started.elapsed().as_secs_f64();
        println!("| store | events | seconds | events/s |");
        println!("| --- | --- | --- | --- |");
        println!("| Pulse (events + rollups) | {EVENTS} | {pulse:.2} | {:.0} |", EVENTS as f64 / pulse);
        println!("| baseline (events only) | {EVENTS} | {baseline:.2} | {:.0} |", EVENTS as f64 / baseline);
        println!("Throughput with rollups: {:.0}% of the baseline", baseline / pulse * 100.0);
    });
}
