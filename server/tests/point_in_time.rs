//! Point-in-time recovery of a PostgreSQL database, done as docs/DEPLOY.md
//! ("Point-in-time recovery") tells an operator: WAL archiving, a base
//! backup, then a server started from the backup that replays the archive
//! up to a moment. The recovered database reads exactly the figures the
//! original had at that moment, none of what was written after, and takes
//! writes again.

use crate::support;

use std::time::Duration;

use pulse_db::Store;
use pulse_db::analytics::{Selection, Settings};
use pulse_db::ingest::validate_batch;
use pulse_db::time::Millis;
use pulse_model::{Dashboard, PeriodQuery};
use serde_json::{Value, json};
use support::postgres_cluster::Cluster;
use support::process::free_port;

/// Messages of `users` learners of agent "tutor", one a day for `days`
/// days from 1 June 2026, ids prefixed with `tag`.
fn messages(tag: &str, users: usize, days: usize) -> Vec<Value> {
    (0..users * days)
        .map(|n| {
            let (user, day) = (n % users, n / users);
            json!({
                "id": format!("{tag}-{n}"), "type": "message", "agent_id": "tutor",
                "user_id": format!("{tag}-learner-{user}"),
                "at": format!("2026-06-{:02}T{:02}:15:00Z", 1 + day, 8 + user % 10),
            })
        })
        .collect()
}

async fn store(store: &Store, events: &[Value]) {
    let now = chrono::DateTime::parse_from_rfc3339("2026-07-01T00:00:00Z")
        .unwrap()
        .to_utc();
    let batch = validate_batch(events, now).unwrap();
    store.ingest(&batch, Millis::now()).await.unwrap();
}

/// June 2026 in Paris, read on 1 July.
async fn june(store: &Store) -> Dashboard {
    let agent = store.find_agent("tutor").await.unwrap().unwrap();
    let query = PeriodQuery {
        period: "custom".into(),
        from: Some("2026-06-01".into()),
        to: Some("2026-06-30".into()),
        tz: "Europe/Paris".into(),
        section: None,
    };
    let now = chrono::DateTime::parse_from_rfc3339("2026-07-01T12:00:00Z")
        .unwrap()
        .to_utc();
    Selection::new(store, &agent, &query, now)
        .unwrap()
        .dashboard(Settings::default())
        .await
        .unwrap()
}

async fn server_clock(store_url: &str) -> String {
    use sqlx::Connection;
    let mut connection = sqlx::PgConnection::connect(store_url).await.unwrap();
    let (now,): (String,) = sqlx::query_as("SELECT clock_timestamp()::text")
        .fetch_one(&mut connection)
        .await
        .unwrap();
    now
}

/// Closes the WAL segment being written and waits until the archive has it.
async fn archive_current_segment(store_url: &str) {
    use sqlx::Connection;
    let mut connection = sqlx::PgConnection::connect(store_url).await.unwrap();
    let (segment,): (String,) = sqlx::query_as("SELECT pg_walfile_name(pg_switch_wal())")
        .fetch_one(&mut connection)
        .await
        .unwrap();
    for _ in 0..150 {
        let (archived,): (Option<String>,) =
            sqlx::query_as("SELECT last_archived_wal FROM pg_stat_archiver")
                .fetch_one(&mut connection)
                .await
                .unwrap();
        if archived.is_some_and(|archived| archived >= segment) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("WAL segment {segment} was not archived within 30 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_recovers_to_a_moment_between_two_writes() {
    let _serial = support::one_at_a_time().await;
    let source = Cluster::archiving(free_port());
    let url = source.url();
    let original = Store::connect(&url).await.unwrap();
    original.migrate().await.unwrap();
    store(&original, &messages("before-backup", 12, 10)).await;
    let backup = source.base_backup();

    // Written after the backup, before the moment: recovery replays it.
    store(&original, &messages("after-backup", 7, 20)).await;
    let at_the_moment = june(&original).await;
    let moment = server_clock(&url).await;
    // Commits a second later are past the moment, whatever the clocks'
    // resolution: the mistake to undo.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    store(&original, &messages("mistake", 30, 30)).await;
    let after_the_mistake = june(&original).await;
    assert_ne!(after_the_mistake, at_the_moment, "the mistake changed June");
    archive_current_segment(&url).await;
    original.close().await;

    let recovered = Cluster::recovered(backup, &source.archive(), &moment, free_port());
    let restored = Store::connect(&recovered.url()).await.unwrap();
    restored.migrate().await.unwrap();
    assert_eq!(
        june(&restored).await,
        at_the_moment,
        "recovered to {moment}: the figures of that moment"
    );
    // The recovered server is a primary again: it takes the next events.
    store(&restored, &messages("after-recovery", 3, 1)).await;
    let agent = restored.find_agent("tutor").await.unwrap().unwrap();
    assert_eq!(
        restored.event_count(&agent).await.unwrap(),
        12 * 10 + 7 * 20 + 3
    );
    restored.close().await;
}
