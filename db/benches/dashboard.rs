//! The full Users-tab dashboard (overview + trend + heatmap + user table)
//! for the largest agent of the benchmark data set, in America/New_York,
//! for Past Month and a 365-day custom range, on SQLite and PostgreSQL,
//! against a baseline measured in the same run: plain SQL over raw events.
//!
//!     cargo bench -p pulse-db --bench dashboard
//!
//! The data set: `pulse_db::bench_data`, generated on first use.

use pulse_db::time::Millis;
use std::time::{Duration, Instant};

use pulse_db::analytics::{Selection, Settings};
use pulse_db::{AgentRef, Store, bench_data};
use pulse_model::PeriodQuery;

const RUNS: usize = 7;
const TZ: &str = "America/New_York";

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        println!("| backend | period | Pulse median | Pulse min | baseline median | speed-up |");
        println!("| --- | --- | --- | --- | --- | --- |");
        for (name, url) in [
            ("SQLite", bench_data::sqlite_url()),
            ("PostgreSQL", bench_data::postgres_url().await),
        ] {
            let store = bench_data::open(&url).await;
            let (agent, events) = bench_data::agents_by_size(&store).await.remove(0);
            eprintln!("largest agent: {} with {events} events", agent.agent_id);
            let baseline_db = baseline::connect(&url).await;
            for (label, query) in queries() {
                // The computation, not what the store keeps between reads.
                let (pulse_median, pulse_min) = time(|| async {
                    store.forget_figures();
                    let selection =
                        Selection::new(&store, &agent, &query, bench_data::data_now()).unwrap();
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
    use pulse_db::analytics::{Calendar, Detail, Facts, ResolvedPeriod};
    use pulse_model::Granularity;
    let query = &queries()[1].1;
    let period = ResolvedPeriod::resolve(query, bench_data::data_now()).unwrap();
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
                Facts::load(store, agent, &calendar, (start, end), Detail::Full)
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
                    .day_activity(
                        agent,
                        Millis(start).day_and_quarter().0,
                        Millis(end).day_and_quarter().0,
                    )
                    .await
                    .unwrap();
            })
            .await
            .0,
        ),
        (
            "members",
            time(|| async {
                store.registered_learners(agent).await.unwrap();
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
                section: None,
            },
        ),
        (
            "365 days",
            PeriodQuery {
                period: "custom".into(),
                from: Some("2025-11-02".into()),
                to: Some("2026-11-01".into()),
                tz: TZ.into(),
                section: None,
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

/// The same figures in plain SQL over the raw events, the way one would
/// write them without rollups. Local time uses the period start's offset
/// (SQL has no time zones on SQLite): the same work, not exact figures.
mod baseline {
    use super::*;
    use chrono::Offset;
    use pulse_db::analytics::ResolvedPeriod;
    use sqlx::{AnyConnection, Connection};

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
        let period = ResolvedPeriod::resolve(query, bench_data::data_now()).unwrap();
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
        let now = bench_data::data_now().timestamp_millis();
        let a = agent.key;
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
            std::hint::black_box(rows.first().map(sqlx::Row::len));
        }
    }
}
