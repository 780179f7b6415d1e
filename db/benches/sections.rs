//! A section's Users-tab dashboard against its whole agent's, measured in
//! the same run on the small benchmark set (SQLite): a section's figures
//! read its learners' raw events (the rollups hold messages per agent and
//! quarter, not per learner), the agent's the rollups.
//!
//!     cargo bench -p pulse-db --bench sections
//!
//! Sections of 30 and 300 learners of the largest agent (its first learners
//! by id), Past Month and a 365-day custom range in America/New_York,
//! nothing kept between runs.

use std::time::{Duration, Instant};

use pulse_db::analytics::{Selection, Settings};
use pulse_db::bench_data::{self, DataSet};
use pulse_db::time::Millis;
use pulse_model::PeriodQuery;

const RUNS: usize = 7;

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let url = DataSet::Small.sqlite_url();
        let (store, _) = DataSet::Small.open(&url).await;
        let (agent, events) = bench_data::agents_by_size(&store).await.remove(0);
        let members = store.registered_learners(&agent).await.unwrap();
        eprintln!(
            "agent {} with {events} events and {} learners",
            agent.agent_id,
            members.len()
        );
        for size in [30, 300] {
            let id = format!("bench-{size}");
            store.put_section(&agent, &id, &id).await.unwrap();
            let ids: Vec<&str> = members
                .iter()
                .take(size)
                .map(|m| m.user_id.as_str())
                .collect();
            store
                .replace_section_members(
                    &agent,
                    &id,
                    &ids,
                    (Millis::now(), pulse_db::learners::Naming::Platform),
                )
                .await
                .unwrap();
        }
        // Membership writes raise the data version: read the agent again.
        let agent = store.find_agent(&agent.agent_id).await.unwrap().unwrap();
        println!("| period | whole agent (median) | section of 30 | section of 300 |");
        println!("| --- | --- | --- | --- |");
        for (label, from) in [("Past Month", None), ("365 days", Some("2025-11-02"))] {
            let query = |section: Option<&str>| PeriodQuery {
                period: if from.is_some() { "custom" } else { "30d" }.into(),
                from: from.map(Into::into),
                to: from.map(|_| "2026-11-01".into()),
                tz: "America/New_York".into(),
                section: section.map(Into::into),
            };
            let mut cells = Vec::new();
            for section in [None, Some("bench-30"), Some("bench-300")] {
                let query = query(section);
                let median = time(|| async {
                    store.forget_figures();
                    let selection =
                        Selection::new(&store, &agent, &query, bench_data::data_now()).unwrap();
                    selection.dashboard(Settings::default()).await.unwrap();
                })
                .await;
                cells.push(format!("{:.1} ms", median.as_secs_f64() * 1000.0));
            }
            println!("| {label} | {} |", cells.join(" | "));
        }
        for size in [30, 300] {
            store
                .delete_section(&agent, &format!("bench-{size}"))
                .await
                .unwrap();
        }
        store.close().await;
    });
}

async fn time<F, Fut>(run: F) -> Duration
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()>,
{
    run().await;
    let mut times: Vec<Duration> = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let started = Instant::now();
        run().await;
        times.push(started.elapsed());
    }
    times.sort();
    times[RUNS / 2]
}
