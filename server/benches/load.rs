//! A bounded mixed load against real `pulse serve` processes (release
//! build) on the benchmark data set: dashboard readers on the five largest
//! agents, a month and 365 days in turn, beside ingest writers at a steady
//! 5,000 events/s. One server on SQLite, one on PostgreSQL, then two
//! servers on one PostgreSQL database.
//!
//!     cargo bench -p pulse-server --bench load [-- SECONDS READERS]
//!
//! A reader loads a dashboard as the Users tab does (signed in, one server
//! function call that runs overview, trend, heatmap and user table), waits
//! for it, and loads the next; one run on SQLite also loads it as another
//! program would, through the four REST endpoints at once. Writers send a
//! batch every 50 ms whatever the answers' pace (open loop, at most 32 in
//! flight). Defaults: 60 s per run, 2 readers. Prints, per run, dashboard
//! loads (per second, p50, p99, max, errors), ingest (events/s reached,
//! batch p50/p99, errors) and each server's peak RSS. The data set
//! (`pulse_db::bench_data`) is copied first: the cached one stays as it was.

// The tests' process handling: start, wait until ready, peak memory.
#[path = "../tests/support/process.rs"]
#[allow(dead_code)]
mod process;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use process::{ServerProcess, free_port};
use pulse_db::accounts::{Role, hash_password};
use pulse_db::keys::{KeyScope, generate};
use pulse_db::synthetic::{Scale, World};
use pulse_db::{Store, bench_data};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

const EVENTS_PER_SECOND: u64 = 5_000;
const BATCH: u64 = 250;
const MAX_IN_FLIGHT: usize = 32;
const ACCOUNT: (&str, &str) = ("load-reader", "load-reader-password");
const AGENTS: usize = 5;
const TZ: &str = "America/New_York";
/// The data set ends on 2026-11-01: a month and a year up to that day.
const PERIODS: [(&str, &str); 2] = [("2026-10-03", "2026-11-01"), ("2025-11-02", "2026-11-01")];

/// What the load needs to know of the data set.
struct Plan {
    agents: Vec<String>,
    users: Vec<String>,
}

/// How a reader loads a dashboard.
#[derive(Clone, Copy, PartialEq)]
enum Reader {
    /// As the Users tab: one server-function call, signed in.
    UsersTab,
    /// As another program: the four REST endpoints at once, with a read key.
    RestApi,
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
    let readers: usize = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(2);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let plan = Arc::new(plan().await);
        pulse_app::server::register_server_fns();
        println!(
            "Load: {readers} dashboard readers ({AGENTS} largest agents, {TZ}) beside {EVENTS_PER_SECOND} events/s of ingest in batches of {BATCH}, {seconds} s per run."
        );
        println!();
        println!("| run | dashboard loads | loads/s | p50 | p99 | max | errors | ingest events/s | batch p50 | batch p99 | ingest errors | peak RSS |");
        println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        let load = Load { seconds, readers, plan };
        let sqlite = sqlite_copy().await;
        load.run("SQLite, one server, Users tab", &[sqlite.1.as_str()], Reader::UsersTab).await;
        drop(sqlite);
        let sqlite = sqlite_copy().await;
        load.run("SQLite, one server, REST API", &[sqlite.1.as_str()], Reader::RestApi).await;
        drop(sqlite);
        let postgres = postgres_copy().await;
        load.run("PostgreSQL, one server, Users tab", &[postgres.as_str()], Reader::UsersTab).await;
        let postgres = postgres_copy().await;
        load.run("PostgreSQL, two servers, Users tab", &[postgres.as_str(), postgres.as_str()], Reader::UsersTab).await;
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

/// An ingest key, a read key and the readers' account.
async fn credentials(url: &str) -> (String, String) {
    let store = Store::connect(url).await.unwrap();
    let now = pulse_db::time::Millis::now();
    let (ingest, key) = generate(KeyScope::Ingest, None, None, now);
    store.insert_key(&key).await.unwrap();
    let (read, key) = generate(KeyScope::Read, None, None, now);
    store.insert_key(&key).await.unwrap();
    let hash = hash_password(ACCOUNT.1);
    store
        .create_account(ACCOUNT.0, &hash, Role::Superadmin, &[], now)
        .await
        .unwrap();
    store.close().await;
    (ingest, read)
}

/// The URL path of a registered server function.
fn server_fn_path(name: &str) -> String {
    server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.to_owned())
        .find(|path| path.starts_with(&format!("/api/{name}")))
        .unwrap_or_else(|| panic!("server function {name}"))
}

/// Signs the readers' account in; returns the session cookie.
async fn sign_in(client: &reqwest::Client, base: &str) -> String {
    let response = client
        .post(format!("{base}{}", server_fn_path("login")))
        .form(&[("username", ACCOUNT.0), ("password", ACCOUNT.1)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "sign-in");
    let cookie = response.headers()[reqwest::header::SET_COOKIE]
        .to_str()
        .unwrap();
    cookie.split(';').next().unwrap().to_owned()
}

struct Load {
    seconds: u64,
    readers: usize,
    plan: Arc<Plan>,
}

impl Load {
    async fn run(&self, label: &str, urls: &[&str], reader: Reader) {
        let plan = &self.plan;
        let (ingest, read) = credentials(urls[0]).await;
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
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        // Each server with the credential its readers present.
        let mut targets = Vec::new();
        for server in &servers {
            let credential = match reader {
                Reader::UsersTab => sign_in(&client, &server.url).await,
                Reader::RestApi => read.clone(),
            };
            targets.push((server.url.clone(), credential));
        }
        let targets = Arc::new(targets);
        // Warm-up: every agent and period once, not counted.
        for agent in &plan.agents {
            for period in 0..PERIODS.len() {
                let (base, credential) = &targets[0];
                assert!(
                    dashboard(&client, reader, base, credential, agent, period).await,
                    "warm-up"
                );
            }
        }
        let deadline = Instant::now() + Duration::from_secs(self.seconds);
        let started = Instant::now();
        let writer = tokio::spawn(write(
            client.clone(),
            targets.clone(),
            ingest,
            plan.clone(),
            label.to_owned(),
            deadline,
        ));
        let reader_tasks: Vec<_> = (0..self.readers)
            .map(|index| {
                let (client, targets, plan) = (client.clone(), targets.clone(), plan.clone());
                tokio::spawn(async move {
                    // Per server.
                    let mut samples: Vec<Samples> =
                        targets.iter().map(|_| Samples::default()).collect();
                    let mut turn = index;
                    while Instant::now() < deadline {
                        let server = turn % targets.len();
                        let (base, credential) = &targets[server];
                        let agent = &plan.agents[turn % plan.agents.len()];
                        let started = Instant::now();
                        let ok = dashboard(
                            &client,
                            reader,
                            base,
                            credential,
                            agent,
                            turn % PERIODS.len(),
                        )
                        .await;
                        samples[server].latencies.push(started.elapsed());
                        samples[server].errors += u64::from(!ok);
                        turn += 1;
                    }
                    samples
                })
            })
            .collect();
        let mut reads: Vec<Samples> = servers.iter().map(|_| Samples::default()).collect();
        for task in reader_tasks {
            for (server, samples) in task.await.unwrap().into_iter().enumerate() {
                reads[server].add(samples);
            }
        }
        let mut writes = writer.await.unwrap();
        let elapsed = started.elapsed().as_secs_f64();
        let peaks: Vec<u64> = servers
            .iter()
            .map(|server| server.peak_rss_kib() / 1024)
            .collect();
        if servers.len() > 1 {
            for server in 0..servers.len() {
                let (reads, writes) = (&mut reads[server], &mut writes[server]);
                report(
                    &format!("{label}: server {}", server + 1),
                    reads,
                    writes,
                    elapsed,
                    &peaks[server..=server],
                );
            }
        }
        let (mut all_reads, mut all_writes) = (Samples::default(), Samples::default());
        for (reads, writes) in reads.into_iter().zip(writes.drain(..)) {
            all_reads.add(reads);
            all_writes.add(writes);
        }
        report(label, &mut all_reads, &mut all_writes, elapsed, &peaks);
    }
}

impl Samples {
    fn add(&mut self, other: Samples) {
        self.latencies.extend(other.latencies);
        self.errors += other.errors;
        self.events += other.events;
    }
}

/// One line of the table.
fn report(label: &str, reads: &mut Samples, writes: &mut Samples, elapsed: f64, peaks: &[u64]) {
    let (read_p, write_p) = (
        percentiles(&mut reads.latencies),
        percentiles(&mut writes.latencies),
    );
    let peaks: Vec<String> = peaks.iter().map(|peak| format!("{peak} MiB")).collect();
    println!(
        "| {label} | {} | {:.1} | {} | {} | {} | {} | {:.0} | {} | {} | {} | {} |",
        reads.latencies.len(),
        reads.latencies.len() as f64 / elapsed,
        ms(read_p[0]),
        ms(read_p[1]),
        ms(read_p[2]),
        reads.errors,
        writes.events as f64 / elapsed,
        ms(write_p[0]),
        ms(write_p[1]),
        writes.errors,
        peaks.join(", ")
    );
}

/// Sends a batch every 1/20 s until the deadline, each in its own task
/// (at most MAX_IN_FLIGHT at once), spread over the servers; samples per server.
async fn write(
    client: reqwest::Client,
    targets: Arc<Vec<(String, String)>>,
    key: String,
    plan: Arc<Plan>,
    label: String,
    deadline: Instant,
) -> Vec<Samples> {
    let label = label.replace([' ', ','], "");
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_IN_FLIGHT));
    let mut rng = StdRng::seed_from_u64(7);
    let mut ticks =
        tokio::time::interval(Duration::from_secs(1) * BATCH as u32 / EVENTS_PER_SECOND as u32);
    let mut tasks = Vec::new();
    let mut sent: u64 = 0;
    while Instant::now() < deadline {
        ticks.tick().await;
        let at = Utc::now().to_rfc3339();
        let batch: Vec<Value> = (0..BATCH)
            .map(|_| {
                sent += 1;
                json!({
                    "id": format!("load-{label}-{sent}"),
                    "type": if rng.random_bool(0.3) { "message" } else { "heartbeat" },
                    "agent_id": plan.agents[rng.random_range(0..plan.agents.len())],
                    "user_id": plan.users[rng.random_range(0..plan.users.len())],
                    "at": at,
                })
            })
            .collect();
        let server = (sent / BATCH) as usize % targets.len();
        let base = targets[server].0.clone();
        let slot = slots.clone().acquire_owned().await.unwrap();
        let (client, key) = (client.clone(), key.clone());
        tasks.push(tokio::spawn(async move {
            let started = Instant::now();
            let response = client
                .post(format!("{base}/api/v1/events"))
                .bearer_auth(&key)
                .json(&batch)
                .send()
                .await;
            let ok = matches!(&response, Ok(response) if response.status() == 200);
            drop(slot);
            (server, started.elapsed(), ok)
        }));
    }
    // Per server.
    let mut samples: Vec<Samples> = targets.iter().map(|_| Samples::default()).collect();
    for task in tasks {
        let (server, latency, ok) = task.await.unwrap();
        samples[server].latencies.push(latency);
        if ok {
            samples[server].events += BATCH;
        } else {
            samples[server].errors += 1;
        }
    }
    samples
}

/// Loads one dashboard; true when every answer was a 200 and was read whole.
async fn dashboard(
    client: &reqwest::Client,
    reader: Reader,
    base: &str,
    credential: &str,
    agent: &str,
    period: usize,
) -> bool {
    let (from, to) = PERIODS[period];
    match reader {
        Reader::UsersTab => {
            let form = [
                ("agent_id", agent),
                ("query[period]", "custom"),
                ("query[from]", from),
                ("query[to]", to),
                ("query[tz]", TZ),
            ];
            let response = client
                .post(format!("{base}{}", server_fn_path("users_dashboard")))
                .header(reqwest::header::COOKIE, credential)
                .form(&form)
                .send()
                .await;
            complete(response).await
        }
        Reader::RestApi => {
            let query = format!("period=custom&from={from}&to={to}&tz={TZ}");
            let get = |path: &str| {
                client
                    .get(format!("{base}/api/v1/agents/{agent}/users{path}?{query}"))
                    .bearer_auth(credential)
                    .send()
            };
            let answers = tokio::join!(get("/overview"), get("/trend"), get("/heatmap"), get(""));
            let mut ok = true;
            for answer in [answers.0, answers.1, answers.2, answers.3] {
                ok &= complete(answer).await;
            }
            ok
        }
    }
}

/// A 200 whose body arrived whole, as the browser reads it.
async fn complete(response: reqwest::Result<reqwest::Response>) -> bool {
    match response {
        Ok(response) => response.status() == 200 && response.bytes().await.is_ok(),
        Err(_) => false,
    }
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
