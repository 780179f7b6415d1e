//! The benchmark data sets, generated once and kept for later runs: in
//! $PULSE_CACHE/bench (SQLite) and as databases of
//! $PULSE_TEST_POSTGRES_URL's server. The benchmark set
//! (`Scale::benchmark()`: 20 agents, 20,000 users, 365 days, about 5
//! million events) is shared by the benchmarks of every crate; a tenth and
//! ten times of it ([`DataSet`]) show how costs grow.

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

/// A data set of the growth benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataSet {
    /// [`Scale::small`]: about 0.5 million events.
    Small,
    /// [`Scale::benchmark`]: about 5 million events.
    Benchmark,
    /// [`Scale::large`]: about 55 million events.
    Large,
}

impl DataSet {
    /// Every size, the smallest first.
    pub const ALL: [DataSet; 3] = [DataSet::Small, DataSet::Benchmark, DataSet::Large];

    /// Its name on the command line and in file names.
    pub fn name(self) -> &'static str {
        match self {
            DataSet::Small => "small",
            DataSet::Benchmark => "benchmark",
            DataSet::Large => "large",
        }
    }

    /// Its scale.
    pub fn scale(self) -> Scale {
        match self {
            DataSet::Small => Scale::small(),
            DataSet::Benchmark => Scale::benchmark(),
            DataSet::Large => Scale::large(),
        }
    }

    /// The stem of its files and databases (the benchmark set keeps the
    /// name it had before the others existed; the large one's scale changed
    /// once).
    fn stem(self) -> String {
        match self {
            DataSet::Benchmark => "bench-v1".into(),
            DataSet::Large => "bench-large-v2".into(),
            DataSet::Small => "bench-small-v1".into(),
        }
    }

    /// Its SQLite file, in $PULSE_CACHE/bench (by default
    /// `~/.cache/pulse/bench`).
    pub fn sqlite_path(self) -> std::path::PathBuf {
        cache_dir().join(format!("{}.db", self.stem()))
    }

    /// Its SQLite URL.
    pub fn sqlite_url(self) -> String {
        format!("sqlite://{}", self.sqlite_path().display())
    }

    /// Its PostgreSQL URL, on the test server, created empty when missing.
    pub async fn postgres_url(self) -> String {
        postgres_database(&format!("pulse_{}", self.stem().replace('-', "_")), None).await
    }

    /// Its events as an NDJSON file, as `pulse import` reads one, in time
    /// order (as a platform exports its history), written on first use
    /// beside the SQLite file; returns the path and the number of events.
    pub fn ndjson(self) -> (std::path::PathBuf, u64) {
        use std::io::{BufRead, Write};
        let path = cache_dir().join(format!("{}.ndjson", self.stem()));
        if let Ok(file) = std::fs::File::open(&path) {
            let lines = std::io::BufReader::new(file).lines().count();
            return (path, lines as u64);
        }
        let world = World::plan(self.scale(), data_now());
        let mut events: Vec<_> = (0..world.users.len())
            .flat_map(|user| world.events_of(user))
            .collect();
        // Stable: a user's events at one instant keep their order.
        events.sort_by_key(|event| event.at);
        std::fs::create_dir_all(cache_dir()).unwrap();
        // Written aside and renamed: an interrupted run leaves no short file.
        let partial = path.with_extension("ndjson.partial");
        let mut out = std::io::BufWriter::new(std::fs::File::create(&partial).unwrap());
        for event in &events {
            serde_json::to_writer(&mut out, &event.to_wire_json()).unwrap();
            out.write_all(b"\n").unwrap();
        }
        out.into_inner().unwrap().sync_all().unwrap();
        std::fs::rename(&partial, &path).unwrap();
        (path, events.len() as u64)
    }

    /// Opens the data set at `url`, generating it on first use, and says
    /// how long the generation took (now or when it ran).
    pub async fn open(self, url: &str) -> (Store, Generation) {
        let store = Store::connect(url).await.unwrap();
        store.migrate().await.unwrap();
        let record = cache_dir().join(format!("{}.{}.generated", self.stem(), backend_of(url)));
        if store.list_agents().await.unwrap().is_empty() {
            let generation = generate(&store, self.scale()).await;
            eprintln!(
                "generated {} events of {} into {} in {:.0?}",
                generation.events,
                self.name(),
                crate::redact_url(url),
                generation.took
            );
            std::fs::create_dir_all(cache_dir()).unwrap();
            std::fs::write(&record, generation.to_string()).unwrap();
            return (store, generation);
        }
        let generation = std::fs::read_to_string(&record)
            .ok()
            .and_then(|text| text.parse().ok())
            .unwrap_or_default();
        (store, generation)
    }
}

fn backend_of(url: &str) -> &'static str {
    if url.starts_with("sqlite:") {
        "sqlite"
    } else {
        "postgres"
    }
}

/// How a data set was generated: its events and the time the store took
/// to ingest them (in batches of 5,000, as a host platform would send).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Generation {
    /// Events ingested.
    pub events: u64,
    /// Wall time of the generation, ingestion included.
    pub took: std::time::Duration,
}

impl Generation {
    /// Events ingested per second.
    pub fn rate(&self) -> f64 {
        self.events as f64 / self.took.as_secs_f64().max(f64::EPSILON)
    }
}

impl std::fmt::Display for Generation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.events, self.took.as_secs_f64())
    }
}

impl std::str::FromStr for Generation {
    type Err = String;
    fn from_str(text: &str) -> Result<Generation, String> {
        let (events, seconds) = text.trim().split_once(' ').ok_or("two numbers")?;
        Ok(Generation {
            events: events.parse().map_err(|_| "an event count")?,
            took: std::time::Duration::from_secs_f64(seconds.parse().map_err(|_| "seconds")?),
        })
    }
}

async fn generate(store: &Store, scale: Scale) -> Generation {
    let started = Instant::now();
    let world = World::plan(scale, data_now());
    let mut batch = Vec::new();
    let mut total = 0;
    for user in 0..world.users.len() {
        batch.extend(world.events_of(user));
        if batch.len() >= 5_000 || user + 1 == world.users.len() {
            total += batch.len() as u64;
            let events = std::mem::take(&mut batch);
            let batch = ValidBatch::of(events);
            store.ingest(&batch, crate::time::Millis(0)).await.unwrap();
        }
    }
    store.after_bulk_load().await.unwrap();
    Generation {
        events: total,
        took: started.elapsed(),
    }
}

/// The benchmark set's SQLite URL: `bench-v1.db` in $PULSE_CACHE/bench.
pub fn sqlite_url() -> String {
    DataSet::Benchmark.sqlite_url()
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

/// The benchmark set's PostgreSQL URL: the database `pulse_bench_v1` on
/// the test server, created empty when missing ([`open`] fills it).
pub async fn postgres_url() -> String {
    DataSet::Benchmark.postgres_url().await
}

/// Opens the benchmark set, generating it on first use.
pub async fn open(url: &str) -> Store {
    DataSet::Benchmark.open(url).await.0
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
