//! The full Users-tab dashboard (overview + trend + heatmap + user table)
//! for the largest agent of the benchmark data set, in America/New_York,
//! for Past Month and a 365-day custom range, on SQLite and PostgreSQL,
//! against a baseline measured in the same run: plain SQL over raw events.
//!
//!     cargo bench -p pulse-db --bench dashboard
//!
//! The data set (`Scale::benchmark()`: 20 agents, 20,000 users, 365 days)
//! is generated once and kept in $PULSE_CACHE/bench (SQLite) and in the
//! database pulse_bench_v1 of $PULSE_TEST_POSTGRES_URL's server.

use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use pulse_db::analytics::{Selection, Settings};
use pulse_db::ingest::ValidBatch;
use pulse_db::synthetic::{Scale, World};
use pulse_db::{AgentRef, Store};
use pulse_model::PeriodQuery;
use sqlx::Connection;

const RUNS: usize = 7;
const TZ: &str = "America/New_York";

fn data_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 17, 0, 0).unwrap()
}

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        println!("| backend | period | Pulse median | Pulse min | baseline median | speed-up |");
        println!("| --- | --- | --- | --- | --- | --- |");
        for (name, url) in [
            ("SQLite", sqlite_url()),
            ("PostgreSQL", postgres_url().await),
        ] {
            let store = open_dataset(&url).await;
            let agent = largest_agent(&store).await;
            let baseline_db = baseline::connect(&url).await;
            for (label, query) in queries() {
                let (pulse_median, pulse_min) = time(|| async {
                    let selection = Selection::new(&store, &agent, &query, data_now()).unwrap();
                    selection.dashboard(Settings::default()).await.unwrap();
                })
                .await;
                let (baseline, _) =
                    time(|| baseline::dashboard(&baseline_db, &agent, &query)).await;
                println!(
                    "| {name} | {label} | {} | {} | {} | {:.1}x |",
                    ms(pulse_median),
                    ms(pulse_min),
                    ms(baseline),
                    baseline.as_secs_f64() / pulse_median.as_secs_f64()
                );
            }
            breakdown(&store, &agent).await;
            store.close().await;
        }
    });
}

/// Where the time of the 365-day dashboard goes, phase by phase.
async fn breakdown(store: &Store, agent: &AgentRef) {
    use pulse_db::analytics::{Calendar, Facts, ResolvedPeriod};
    use pulse_model::Granularity;
    let query = &queries()[1].1;
    let period = ResolvedPeriod::resolve(query, data_now()).unwrap();
    let (start, end) = (
        period.start.timestamp_millis(),
        period.end.timestamp_millis(),
    );
    let calendar = Calendar::new(period.tz, start, end, Granularity::Day);
    let phases: [(&str, Duration); 4] = [
        (
            "calendar",
            time(|| async {
                std::hint::black_box(Calendar::new(period.tz, start, end, Granularity::Day));
            })
            .await
            .0,
        ),
        (
            "facts",
            time(|| async {
                Facts::load(store, agent, &calendar, start, end)
                    .await
                    .unwrap();
            })
            .await
            .0,
        ),
        (
            "day rows only",
            time(|| async {
                store
                    .day_activity(agent, start / 86_400_000, end / 86_400_000)
                    .await
                    .unwrap();
            })
            .await
            .0,
        ),
        (
            "members",
            time(|| async {
                store.members(agent).await.unwrap();
            })
            .await
            .0,
        ),
    ];
    for (phase, duration) in phases {
        eprintln!("  365 days, {phase}: {}", ms(duration));
    }
}

fn queries() -> [(&'static str, PeriodQuery); 2] {
    [
        (
            "Past Month",
            PeriodQuery {
                period: "30d".into(),
                from: None,
                to: None,
                tz: TZ.into(),
            },
        ),
        (
            "365 days",
            PeriodQuery {
                period: "custom".into(),
                from: Some("2025-11-02".into()),
                to: Some("2026-11-01".into()),
                tz: TZ.into(),
            },
        ),
    ]
}

fn ms(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
}

/// Median and minimum of RUNS runs after one warm-up.
async fn time<F, Fut>(mut run: F) -> (Duration, Duration)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    run().await;
    let mut times: Vec<Duration> = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let started = Instant::now();
        run().await;
        times.push(started.elapsed());
    }
    times.sort();
    (times[RUNS / 2], times[0])
}

fn cache_dir() -> std::path::PathBuf {
    let base = std::env::var("PULSE_CACHE")
        .unwrap_or_else(|_| format!("{}/.cache/pulse", std::env::var("HOME").unwrap()));
    std::path::PathBuf::from(base).join("bench")
}

fn sqlite_url() -> String {
    format!("sqlite://{}/bench-v1.db", cache_dir().display())
}

async fn postgres_url() -> String {
    let admin = std::env::var("PULSE_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres:postgres@127.0.0.1:5432/postgres".into());
    let mut connection = sqlx::postgres::PgConnection::connect(&admin).await.unwrap();
    let exists: Option<(i32,)> =
        sqlx::query_as("SELECT 1 FROM pg_database WHERE datname = 'pulse_bench_v1'")
            .fetch_optional(&mut connection)
            .await
            .unwrap();
    if exists.is_none() {
        sqlx::query("CREATE DATABASE pulse_bench_v1")
            .execute(&mut connection)
            .await
            .unwrap();
    }
    let (base, _) = admin.rsplit_once('/').unwrap();
    format!("{base}/pulse_bench_v1")
}

/// Opens the data set, generating it on first use.
async fn open_dataset(url: &str) -> Store {
    let store = Store::connect(url).await.unwrap();
    store.migrate().await.unwrap();
    if store.list_agents().await.unwrap().is_empty() {
        let started = Instant::now();
        let world = World::plan(Scale::benchmark(), data_now());
        let mut batch = Vec::new();
        let mut total = 0;
        for user in 0..world.users.len() {
            batch.extend(world.events_of(user));
            if batch.len() >= 5_000 {
                total += batch.len();
                store
                    .ingest(
                        &ValidBatch {
                            events: std::mem::take(&mut batch),
                            repeated_in_batch: 0,
                        },
                        0,
                    )
                    .await
                    .unwrap();
            }
        }
        total += batch.len();
        store
            .ingest(
                &ValidBatch {
                    events: batch,
                    repeated_in_batch: 0,
                },
                0,
            )
            .await
            .unwrap();
        eprintln!(
            "generated {total} events into {url} in {:.0?}",
            started.elapsed()
        );
    }
    store
}

async fn largest_agent(store: &Store) -> AgentRef {
    let mut best: Option<(usize, AgentRef)> = None;
    for agent in store.list_agents().await.unwrap() {
        let agent = store.find_agent(&agent.agent_id).await.unwrap().unwrap();
        let events = store.raw_activity(&agent, 0, i64::MAX).await.unwrap().len();
        if best.as_ref().is_none_or(|(most, _)| events > *most) {
            best = Some((events, agent));
        }
    }
    let (events, agent) = best.unwrap();
    eprintln!("largest agent: {} with {events} events", agent.agent_id);
    agent
}

/// The same figures in plain SQL over the raw events, the way one would
/// write them without rollups. Local time uses the period start's offset
/// (SQL has no time zones on SQLite): the same work, not exact figures.
mod baseline {
    use super::*;
    use chrono::Offset;
    use pulse_db::analytics::ResolvedPeriod;
    use sqlx::{AnyConnection, Row};

    pub async fn connect(url: &str) -> tokio::sync::Mutex<AnyConnection> {
        sqlx::any::install_default_drivers();
        tokio::sync::Mutex::new(AnyConnection::connect(url).await.unwrap())
    }

    pub async fn dashboard(
        db: &tokio::sync::Mutex<AnyConnection>,
        agent: &AgentRef,
        query: &PeriodQuery,
    ) {
        let mut db = db.lock().await;
        let period = ResolvedPeriod::resolve(query, data_now()).unwrap();
        let offset = i64::from(
            period
                .start
                .with_timezone(&period.tz)
                .offset()
                .fix()
                .local_minus_utc(),
        ) * 1000;
        let (start, end) = (
            period.start.timestamp_millis(),
            period.end.timestamp_millis(),
        );
        let (previous_start, previous_end) = (
            period.previous_start.timestamp_millis(),
            period.previous_end.timestamp_millis(),
        );
        let now = data_now().timestamp_millis();
        let a = agent.pk;
        let statements = [
            format!("SELECT COUNT(DISTINCT user_id), SUM(CASE WHEN kind = 2 THEN 1 ELSE 0 END) FROM events WHERE agent_id = {a} AND at >= {start} AND at < {end}"),
            format!("SELECT COUNT(DISTINCT user_id), SUM(CASE WHEN kind = 2 THEN 1 ELSE 0 END) FROM events WHERE agent_id = {a} AND at >= {previous_start} AND at < {previous_end}"),
            format!("SELECT COUNT(DISTINCT user_id) FROM events WHERE agent_id = {a} AND at >= {} AND at <= {now}", now - 30 * 86_400_000),
            format!(
                "SELECT COUNT(DISTINCT e.user_id) FROM events e WHERE e.agent_id = {a} AND e.at >= {} AND e.at <= {now} AND e.kind <> 3
                 AND NOT EXISTS (SELECT 1 FROM events x WHERE x.agent_id = {a} AND x.user_id = e.user_id
                     AND COALESCE(x.session_key, '') = COALESCE(e.session_key, '') AND x.at >= e.at AND x.kind = 3)",
                now - 300_000
            ),
            format!("SELECT COUNT(*) FROM memberships WHERE agent_id = {a}"),
            format!(
                "SELECT (at + {offset}) / 86400000 AS d, COUNT(DISTINCT user_id), SUM(CASE WHEN kind = 2 THEN 1 ELSE 0 END)
                 FROM events WHERE agent_id = {a} AND at >= {start} AND at < {end} GROUP BY d"
            ),
            format!(
                "SELECT ((at + {offset}) / 86400000 + 3) % 7 AS w, ((at + {offset}) / 3600000) % 24 AS h,
                        COUNT(DISTINCT CAST(user_id AS TEXT) || '-' || CAST((at + {offset}) / 3600000 AS TEXT)),
                        SUM(CASE WHEN kind = 2 THEN 1 ELSE 0 END)
                 FROM events WHERE agent_id = {a} AND at >= {start} AND at < {end} GROUP BY w, h"
            ),
            format!(
                "SELECT u.user_key, u.username, u.name, m.registered_at, p.messages, p.days, l.last_at
                 FROM memberships m JOIN users u ON u.id = m.user_id
                 LEFT JOIN (SELECT user_id, SUM(CASE WHEN kind = 2 THEN 1 ELSE 0 END) AS messages,
                                   COUNT(DISTINCT (at + {offset}) / 86400000) AS days
                            FROM events WHERE agent_id = {a} AND at >= {start} AND at < {end} GROUP BY user_id) p
                        ON p.user_id = m.user_id
                 LEFT JOIN (SELECT user_id, MAX(at) AS last_at FROM events WHERE agent_id = {a} GROUP BY user_id) l
                        ON l.user_id = m.user_id
                 WHERE m.agent_id = {a}"
            ),
        ];
        for sql in statements {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .fetch_all(&mut *db)
                .await
                .unwrap();
            std::hint::black_box(rows.first().map(|row| row.len()));
        }
    }
}
