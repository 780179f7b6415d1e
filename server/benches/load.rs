//! A bounded mixed load against real `pulse serve` processes (release
//! build) on the benchmark data set: dashboard readers (the Users tab's four
//! queries at once, on the five largest agents, a month and 365 days in
//! turn) beside ingest writers at a steady 5,000 events/s. One server on
//! SQLite, one on PostgreSQL, then two servers on one PostgreSQL database.
//!
//!     cargo bench -p pulse-server --bench load [-- SECONDS READERS]
//!
//! Defaults: 60 s per run, 4 readers (each loads a dashboard, waits for it,
//! loads the next). Prints, per run, dashboard loads (per second, p50, p99,
//! max, errors), ingest (events/s reached, batch p50/p99, errors) and each
//! server's peak RSS. The data set (`pulse_db::bench_data`) is copied
//! first, so the cached one stays as it was.

// The tests' process handling: start, wait until ready, peak memory.
#[path = "../tests/support/process.rs"]
#[allow(dead_code)]
mod process;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use process::{ServerProcess, free_port};
use pulse_db::keys::{KeyScope, generate};
use pulse_db::synthetic::{Scale, World};
use pulse_db::{Store, bench_data};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

const EVENTS_PER_SECOND: u64 = 5_000;
const WRITERS: u64 = 2;
const BATCH: u64 = 250;
const AGENTS: usize = 5;
const TZ: &str = "America/New_York";
/// The data set ends on 2026-11-01: a month and a year up to that day.
const PERIODS: [(&str, &str); 2] = [("2026-10-03", "2026-11-01"), ("2025-11-02", "2026-11-01")];

/// What the load needs to know of the data set.
struct Plan {
    agents: Vec<String>,
    users: Vec<String>,
}

#[derive(Default)]
struct Samples {
    latencies: Vec<Duration>,
    errors: u64,
    events: u64,
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with("--"))
        .collect();
    let seconds: u64 = args.first().and_then(|n| n.parse().ok()).unwrap_or(60);
    let readers: usize = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(4);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let plan = Arc::new(plan().await);
        println!(
            "Load: {readers} dashboard readers ({AGENTS} largest agents, {TZ}) and {WRITERS} writers at {EVENTS_PER_SECOND} events/s in batches of {BATCH}, {seconds} s per run."
        );
        println!();
        println!("| run | dashboard loads | loads/s | p50 | p99 | max | errors | ingest events/s | batch p50 | batch p99 | ingest errors | peak RSS |");
        println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        let sqlite = sqlite_copy().await;
        run("SQLite, one server", &[sqlite.1.as_str()], seconds, readers, &plan).await;
        drop(sqlite);
        let postgres = postgres_copy().await;
        run("PostgreSQL, one server", &[postgres.as_str()], seconds, readers, &plan).await;
        let postgres = postgres_copy().await;
        run("PostgreSQL, two servers", &[postgres.as_str(), postgres.as_str()], seconds, readers, &plan).await;
    });
}

/// The five largest agents and every user of the data set (generated on first use).
async fn plan() -> Plan {
    let store = bench_data::open(&bench_data::sqlite_url()).await;
    let agents = bench_data::agents_by_size(&store).await;
    store.close().await;
    // The PostgreSQL copy is made from this one: generate it now too.
    bench_data::open(&bench_data::postgres_url().await)
        .await
        .close()
        .await;
    let world = World::plan(Scale::benchmark(), bench_data::data_now());
    Plan {
        agents: agents
            .into_iter()
            .take(AGENTS)
            .map(|(agent, _)| agent.agent_id)
            .collect(),
        users: world.users.into_iter().map(|user| user.id).collect(),
    }
}

/// A copy of the SQLite data set in a temporary folder (kept alive by the TempDir).
async fn sqlite_copy() -> (tempfile::TempDir, String) {
    let source = bench_data::sqlite_url();
    let source = source.trim_start_matches("sqlite://");
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("load.db");
    std::fs::copy(source, &target).unwrap();
    let url = format!("sqlite://{}", target.display());
    (dir, url)
}

/// A fresh copy of the PostgreSQL data set.
async fn postgres_copy() -> String {
    use sqlx::Connection;
    let mut admin = sqlx::postgres::PgConnection::connect(&bench_data::postgres_admin_url())
        .await
        .unwrap();
    sqlx::query("DROP DATABASE IF EXISTS pulse_load WITH (FORCE)")
        .execute(&mut admin)
        .await
        .unwrap();
    bench_data::postgres_database("pulse_load", Some("pulse_bench_v1")).await
}

async fn keys(url: &str) -> (String, String) {
    let store = Store::connect(url).await.unwrap();
    let now = Utc::now().timestamp_millis();
    let (ingest, key) = generate(KeyScope::Ingest, None, None, now);
    store.insert_key(&key).await.unwrap();
    let (read, key) = generate(KeyScope::Read, None, None, now);
    store.insert_key(&key).await.unwrap();
    store.close().await;
    (ingest, read)
}

async fn run(label: &str, urls: &[&str], seconds: u64, readers: usize, plan: &Arc<Plan>) {
    let (ingest, read) = keys(urls[0]).await;
    let dist = tempfile::tempdir().unwrap();
    std::fs::write(
        dist.path().join("index.html"),
        "<!DOCTYPE html><title>Pulse</title>",
    )
    .unwrap();
    let mut servers = Vec::new();
    for url in urls {
        servers.push(ServerProcess::start(url, free_port(), dist.path(), &[]).await);
    }
    let bases: Arc<Vec<String>> =
        Arc::new(servers.iter().map(|server| server.url.clone()).collect());
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    // Warm-up: every agent and period once, not counted.
    for (index, _) in plan.agents.iter().enumerate() {
        for period in 0..PERIODS.len() {
            dashboard(&client, &bases[0], &read, &plan.agents[index], period).await;
        }
    }
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let reader_tasks: Vec<_> = (0..readers)
        .map(|reader| {
            let (client, bases, read, plan) =
                (client.clone(), bases.clone(), read.clone(), plan.clone());
            tokio::spawn(async move {
                let mut samples = Samples::default();
                let mut turn = reader;
                while Instant::now() < deadline {
                    let base = &bases[turn % bases.len()];
                    let agent = &plan.agents[turn % plan.agents.len()];
                    let started = Instant::now();
                    let ok = dashboard(&client, base, &read, agent, turn % PERIODS.len()).await;
                    samples.latencies.push(started.elapsed());
                    samples.errors += u64::from(!ok);
                    turn += 1;
                }
                samples
            })
        })
        .collect();
    let writer_tasks: Vec<_> = (0..WRITERS)
        .map(|writer| {
            let (client, bases, ingest, plan) =
                (client.clone(), bases.clone(), ingest.clone(), plan.clone());
            let label = label.replace([' ', ','], "");
            tokio::spawn(async move {
                let mut samples = Samples::default();
                let mut rng = StdRng::seed_from_u64(writer);
                let per_writer = EVENTS_PER_SECOND / WRITERS / BATCH;
                let mut ticks = tokio::time::interval(Duration::from_secs(1) / per_writer as u32);
                let mut sent = 0;
                while Instant::now() < deadline {
                    ticks.tick().await;
                    let at = Utc::now().to_rfc3339();
                    let batch: Vec<Value> = (0..BATCH)
                        .map(|_| {
                            sent += 1;
                            json!({
                                "id": format!("load-{label}-{writer}-{sent}"),
                                "type": if rng.random_bool(0.3) { "message" } else { "heartbeat" },
                                "agent_id": plan.agents[rng.random_range(0..plan.agents.len())],
                                "user_id": plan.users[rng.random_range(0..plan.users.len())],
                                "at": at,
                            })
                        })
                        .collect();
                    let base = &bases[(sent as usize / BATCH as usize) % bases.len()];
                    let started = Instant::now();
                    let response = client
                        .post(format!("{base}/api/v1/events"))
                        .bearer_auth(&ingest)
                        .json(&batch)
                        .send()
                        .await;
                    samples.latencies.push(started.elapsed());
                    match response {
                        Ok(response) if response.status() == 200 => samples.events += BATCH,
                        _ => samples.errors += 1,
                    }
                }
                samples
            })
        })
        .collect();
    let started = Instant::now();
    let mut reads = Samples::default();
    for task in reader_tasks {
        let samples = task.await.unwrap();
        reads.latencies.extend(samples.latencies);
        reads.errors += samples.errors;
    }
    let mut writes = Samples::default();
    for task in writer_tasks {
        let samples = task.await.unwrap();
        writes.latencies.extend(samples.latencies);
        writes.errors += samples.errors;
        writes.events += samples.events;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let peaks: Vec<String> = servers
        .iter()
        .map(|server| format!("{} MiB", server.peak_rss_kib() / 1024))
        .collect();
    let (loads, errors, ingest_errors) = (reads.latencies.len(), reads.errors, writes.errors);
    let (read_p, write_p) = (
        percentiles(&mut reads.latencies),
        percentiles(&mut writes.latencies),
    );
    println!(
        "| {label} | {loads} | {:.1} | {} | {} | {} | {errors} | {:.0} | {} | {} | {ingest_errors} | {} |",
        loads as f64 / elapsed,
        ms(read_p[0]),
        ms(read_p[1]),
        ms(read_p[2]),
        writes.events as f64 / elapsed,
        ms(write_p[0]),
        ms(write_p[1]),
        peaks.join(", ")
    );
}

/// The Users tab's four queries at once, as the page sends them; true when all answered 200.
async fn dashboard(
    client: &reqwest::Client,
    base: &str,
    key: &str,
    agent: &str,
    period: usize,
) -> bool {
    let (from, to) = PERIODS[period];
    let query = format!("period=custom&from={from}&to={to}&tz={TZ}");
    let get = |path: &str| {
        client
            .get(format!("{base}/api/v1/agents/{agent}/users{path}?{query}"))
            .bearer_auth(key)
            .send()
    };
    let answers = tokio::join!(get("/overview"), get("/trend"), get("/heatmap"), get(""));
    let answers = [answers.0, answers.1, answers.2, answers.3];
    let mut ok = true;
    for answer in answers {
        match answer {
            Ok(response) => {
                ok &= response.status() == 200;
                // The whole body, as the browser reads it.
                ok &= response.bytes().await.is_ok();
            }
            Err(_) => ok = false,
        }
    }
    ok
}

/// p50, p99 and max.
fn percentiles(samples: &mut [Duration]) -> [Duration; 3] {
    samples.sort();
    if samples.is_empty() {
        return [Duration::ZERO; 3];
    }
    let at = |q: f64| samples[((samples.len() as f64 * q) as usize).min(samples.len() - 1)];
    [at(0.50), at(0.99), samples[samples.len() - 1]]
}

fn ms(duration: Duration) -> String {
    format!("{:.0} ms", duration.as_secs_f64() * 1000.0)
}
