//! Ingest throughput over HTTP: concurrent clients post batches of 1,000
//! synthetic events to a real `pulse serve` (release build), on SQLite and
//! on PostgreSQL, with durable commits.
//!
//!     cargo bench -p pulse-server --bench ingest [-- EVENTS CLIENTS]
//!
//! Prints events per second and the server's peak memory; the numbers go
//! to docs/BENCHMARKS.md.

// The tests' process handling: start, wait until ready, peak memory.
#[path = "../tests/support/process.rs"]
#[allow(dead_code)]
mod process;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use chrono::{DateTime, Utc};
use process::{ServerProcess, free_port};
use pulse_db::keys::{KeyScope, generate};
use pulse_db::synthetic::{Scale, World};
use pulse_db::testing::{BACKENDS, TestDb};
use serde_json::Value;

const BATCH: usize = 1_000;

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with("--"))
        .collect();
    let events: usize = args.first().and_then(|n| n.parse().ok()).unwrap_or(300_000);
    let clients: usize = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(4);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let bodies = Arc::new(batches(events));
    println!("| backend | events | batch | clients | seconds | events/s | server peak RSS |");
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    for backend in BACKENDS {
        runtime.block_on(run(backend, bodies.clone(), clients));
    }
}

/// Pre-serialized JSON bodies of `BATCH` events each.
fn batches(wanted: usize) -> Vec<String> {
    let now: DateTime<Utc> = Utc::now() - chrono::Duration::minutes(10);
    let world = World::plan(
        Scale {
            agents: 20,
            users: 20_000,
            days: 365,
            seed: 42,
            intensity: 1.0,
        },
        now,
    );
    let mut events: Vec<Value> = Vec::with_capacity(wanted);
    'users: for user in 0..world.users.len() {
        for event in world.events_of(user) {
            events.push(event.to_wire_json());
            if events.len() == wanted {
                break 'users;
            }
        }
    }
    events
        .chunks(BATCH)
        .map(|chunk| serde_json::to_string(chunk).unwrap())
        .collect()
}

async fn run(backend: pulse_db::testing::TestBackend, bodies: Arc<Vec<String>>, clients: usize) {
    let db = TestDb::new(backend).await;
    let (key, stored) = generate(KeyScope::Ingest, None, None, pulse_db::time::Millis::now());
    db.store.insert_key(&stored).await.unwrap();
    let dist = tempfile::tempdir().unwrap();
    std::fs::write(dist.path().join("index.html"), "<!DOCTYPE html>").unwrap();
    let server = ServerProcess::start(&db.url, free_port(), dist.path(), &[]).await;
    let url = server.url.clone();
    let client = reqwest::Client::new();
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            let (client, url, key, bodies, next) = (
                client.clone(),
                url.clone(),
                key.clone(),
                bodies.clone(),
                next.clone(),
            );
            tokio::spawn(async move {
                let mut sent = 0;
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(body) = bodies.get(index) else {
                        break sent;
                    };
                    let response = client
                        .post(format!("{url}/api/v1/events"))
                        .bearer_auth(&key)
                        .header("Content-Type", "application/json")
                        .body(body.clone())
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(
                        response.status(),
                        200,
                        "{}",
                        response.text().await.unwrap_or_default()
                    );
                    let counts: Value = response.json().await.unwrap();
                    sent += counts["accepted"].as_u64().unwrap();
                }
            })
        })
        .collect();
    let mut accepted = 0;
    for task in tasks {
        accepted += task.await.unwrap();
    }
    let seconds = started.elapsed().as_secs_f64();
    let peak = server.peak_rss_kib() / 1024;
    println!(
        "| {backend:?} | {accepted} | {BATCH} | {clients} | {seconds:.2} | {:.0} | {peak} MiB |",
        accepted as f64 / seconds
    );
    drop(server);
    db.cleanup().await;
}
