//! How the costs grow with the data: the data sets of 0.5, 5 and 50
//! million events (`bench_data::DataSet`), each generated once into the
//! cache (the large one takes a while: its import rate is part of the
//! table). Per set and backend: events, import rate, database size, and the
//! whole Users tab of the largest agent (most registered learners), in
//! America/New_York, for 30 and 365 fixed days, computed (what the store
//! keeps between reads is forgotten before each run), live (after a write
//! of recent events, which retires the agent's kept figures but not the
//! facts of its closed days; modelled by raising its data version, since
//! the data set's days are all closed by the clock) and kept (read again
//! unchanged). The HTTP side (payload, peak memory of the server) is
//! `scripts/time-reads.sh`.
//!
//!     cargo bench -p pulse-db --bench growth [-- small|benchmark|large ...] [--sqlite-only]

use std::time::{Duration, Instant};

use pulse_db::analytics::{Selection, Settings};
use pulse_db::bench_data::{self, DataSet};
use pulse_db::{AgentRef, Store};
use pulse_model::PeriodQuery;

const RUNS: usize = 5;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let sqlite_only = args.iter().any(|arg| arg == "--sqlite-only");
    let sets: Vec<DataSet> = DataSet::ALL
        .into_iter()
        .filter(|set| {
            !args
                .iter()
                .any(|arg| DataSet::ALL.iter().any(|s| s.name() == arg))
                || args.iter().any(|arg| arg == set.name())
        })
        .collect();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        println!(
            "| set | backend | events | import | database | largest agent: learners, events | 30 d computed | 30 d live | 30 d kept | 365 d computed | 365 d live | 365 d kept |"
        );
        println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        for set in sets {
            let mut backends = vec![("SQLite", set.sqlite_url())];
            if !sqlite_only {
                backends.push(("PostgreSQL", set.postgres_url().await));
            }
            for (backend, url) in backends {
                let (store, generation) = set.open(&url).await;
                let (agent, events) = largest(&store).await;
                let learners = store.registered_count(&agent).await.unwrap();
                let mut row = format!(
                    "| {} | {backend} | {:.1} M | {:.0} events/s | {} | {learners}, {:.2} M |",
                    set.name(),
                    generation.events as f64 / 1e6,
                    generation.rate(),
                    database_size(set, &url).await,
                    events as f64 / 1e6,
                );
                for query in [period("2026-10-03"), period("2025-11-02")] {
                    let computed = median(|| async {
                        store.forget_figures();
                        timed(dashboard(&store, &agent, &query)).await
                    })
                    .await;
                    let live = median(|| async {
                        raise_data_version(&url, &agent).await;
                        timed(dashboard(&store, &agent, &query)).await
                    })
                    .await;
                    let kept = median(|| timed(dashboard(&store, &agent, &query))).await;
                    row.push_str(&format!(" {} | {} | {} |", ms(computed), ms(live), ms(kept)));
                }
                println!("{row}");
                store.close().await;
            }
        }
    });
}

/// The agent with the most registered learners, and its events.
async fn largest(store: &Store) -> (AgentRef, u64) {
    let mut best: Option<(u64, AgentRef, u64)> = None;
    for (agent, events) in bench_data::agents_by_size(store).await {
        let learners = store.registered_count(&agent).await.unwrap();
        if best.as_ref().is_none_or(|(most, _, _)| learners > *most) {
            best = Some((learners, agent, events));
        }
    }
    let (_, agent, events) = best.unwrap();
    (agent, events)
}

/// The local days from `from` to the data set's last, 2026-11-01.
fn period(from: &str) -> PeriodQuery {
    PeriodQuery {
        period: "custom".into(),
        from: Some(from.into()),
        to: Some("2026-11-01".into()),
        tz: "America/New_York".into(),
        section: None,
    }
}

async fn dashboard(store: &Store, agent: &AgentRef, query: &PeriodQuery) {
    let agent = store.find_agent(&agent.agent_id).await.unwrap().unwrap();
    let selection = Selection::new(store, &agent, query, bench_data::data_now()).unwrap();
    std::hint::black_box(selection.dashboard(Settings::default()).await.unwrap());
}

async fn database_size(set: DataSet, url: &str) -> String {
    let bytes = if url.starts_with("sqlite:") {
        let path = set.sqlite_path();
        let wal = path.with_extension("db-wal");
        [path, wal]
            .iter()
            .filter_map(|file| std::fs::metadata(file).ok())
            .map(|meta| meta.len())
            .sum::<u64>()
    } else {
        use sqlx::Connection;
        let mut connection = sqlx::postgres::PgConnection::connect(url).await.unwrap();
        let (bytes,): (i64,) = sqlx::query_as("SELECT pg_database_size(current_database())")
            .fetch_one(&mut connection)
            .await
            .unwrap();
        u64::try_from(bytes).unwrap()
    };
    format!("{:.2} GB", bytes as f64 / 1e9)
}

/// Median of [`RUNS`] runs' times after a warm-up.
async fn median<F, Fut>(mut run: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Duration>,
{
    run().await;
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        times.push(run().await);
    }
    times.sort();
    times[RUNS / 2]
}

/// How long `work` takes.
async fn timed(work: impl Future<Output = ()>) -> Duration {
    let started = Instant::now();
    work.await;
    started.elapsed()
}

/// What ingesting a recent event does to the agent's versions: its data
/// version goes up, its history version stays.
async fn raise_data_version(url: &str, agent: &AgentRef) {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut connection = sqlx::AnyConnection::connect(url).await.unwrap();
    sqlx::query("UPDATE agents SET data_version = data_version + 1 WHERE id = $1")
        .bind(agent.key.0)
        .execute(&mut connection)
        .await
        .unwrap();
    connection.close().await.unwrap();
}

fn ms(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
}
