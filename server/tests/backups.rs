//! `pulse backup` and `pulse restore`, run as processes beside a server that
//! is taking events: the copy holds a consistent moment (whole batches, all
//! those acknowledged before it began), and restored it reads the same
//! figures as a database given exactly those batches.

use crate::support;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use chrono::{Duration, Utc};
use pulse_db::testing::{TestBackend, TestDb};
use rstest::rstest;
use serde_json::{Value, json};
use support::TestApp;
use support::process::{pulse, text};

const EVENTS_PER_BATCH: usize = 40;

/// Batch `index`: messages of a few learners, yesterday (UTC), so that a
/// custom period of yesterday holds them all and does not move with the
/// clock.
fn batch(index: usize) -> Value {
    let yesterday = (Utc::now() - Duration::days(1)).date_naive();
    let start = yesterday.and_hms_opt(6, 0, 0).unwrap().and_utc();
    let events: Vec<Value> = (0..EVENTS_PER_BATCH)
        .map(|j| {
            let at = start + Duration::minutes(((index * 7 + j * 13) % (16 * 60)) as i64);
            json!({
                "id": format!("b{index:04}-{j:02}"),
                "type": if j % 5 == 0 { "session_start" } else { "message" },
                "agent_id": "tutor",
                "user_id": format!("u{}", (index + j) % 23),
                "session_id": format!("s{index}-{}", j / 10),
                "at": at.to_rfc3339(),
            })
        })
        .collect();
    Value::Array(events)
}

/// The Users tab of yesterday in UTC, as the REST API answers it.
async fn yesterday_dashboard(app: &TestApp) -> Value {
    let yesterday = (Utc::now() - Duration::days(1)).date_naive();
    let (status, body) = app
        .get_json(&format!(
            "/api/v1/agents/tutor/users/dashboard?period=custom&from={yesterday}&to={yesterday}&tz=UTC"
        ))
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

/// Which batches a database holds, each with how many of its events.
async fn batches_in(db: &TestDb) -> BTreeMap<usize, usize> {
    let mut batches = BTreeMap::new();
    for key in db.event_keys().await {
        let index: usize = key[1..5].parse().expect("a batch's event id");
        *batches.entry(index).or_default() += 1;
    }
    batches
}

/// A restore's target: a database with no tables (a new SQLite file, or a
/// new PostgreSQL database), with no connection of the test's left open on
/// it while `pulse restore` replaces it.
async fn empty_database(backend: TestBackend) -> TestDb {
    let db = TestDb::empty(backend).await;
    db.store.close().await;
    db
}

#[rstest]
#[case::sqlite(TestBackend::Sqlite)]
#[case::postgres(TestBackend::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_under_ingest_restores_a_consistent_moment(#[case] backend: TestBackend) {
    let source = Arc::new(TestApp::spawn(backend).await);
    let acknowledged = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let ingest = tokio::spawn({
        let (source, acknowledged, stop) = (source.clone(), acknowledged.clone(), stop.clone());
        async move {
            let mut index = 0;
            while !stop.load(Ordering::SeqCst) {
                let response = source.post_events(&batch(index)).await;
                assert_eq!(response.status(), 200, "batch {index}");
                index += 1;
                acknowledged.store(index, Ordering::SeqCst);
            }
        }
    });
    while acknowledged.load(Ordering::SeqCst) < 5 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pulse.backup");
    let before = acknowledged.load(Ordering::SeqCst);
    let backup = {
        let (url, path) = (source.db.url.clone(), path.clone());
        tokio::task::spawn_blocking(move || pulse(&url, &["backup", path.to_str().unwrap()]))
            .await
            .unwrap()
    };
    let after = acknowledged.load(Ordering::SeqCst);
    stop.store(true, Ordering::SeqCst);
    ingest.await.unwrap();
    assert!(backup.status.success(), "{backend:?}: {}", text(&backup));
    assert!(
        text(&backup).contains("Backed up the database"),
        "{}",
        text(&backup)
    );
    assert!(!Path::new(&format!("{}.partial", path.display())).exists());

    let target = empty_database(backend).await;
    let restore = pulse(&target.url, &["restore", path.to_str().unwrap()]);
    assert!(restore.status.success(), "{backend:?}: {}", text(&restore));
    let target = target.reopened().await;

    // Whole batches, in order, every one acknowledged before the backup
    // began, none acknowledged after it ended beyond the one in flight.
    let held = batches_in(&target).await;
    let count = held.len();
    assert!(
        (before..=after + 1).contains(&count),
        "{backend:?}: {count} batches, {before} acknowledged before, {after} after"
    );
    let expected: BTreeMap<usize, usize> = (0..count).map(|i| (i, EVENTS_PER_BATCH)).collect();
    assert_eq!(held, expected, "{backend:?}: whole batches, a prefix");

    // The same figures as a database given exactly those batches.
    let restored = TestApp::spawn_on(target, |config| config.figure_cache_mb = 0).await;
    let oracle = TestApp::spawn(backend).await;
    for index in 0..count {
        assert_eq!(oracle.post_events(&batch(index)).await.status(), 200);
    }
    assert_eq!(
        yesterday_dashboard(&restored).await,
        yesterday_dashboard(&oracle).await,
        "{backend:?}"
    );

    restored.cleanup().await;
    oracle.cleanup().await;
    if let Ok(source) = Arc::try_unwrap(source) {
        source.cleanup().await;
    }
}

#[tokio::test]
async fn a_backup_never_overwrites_and_never_leaves_a_half_file() {
    let db = TestDb::new(TestBackend::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();

    let existing = dir.path().join("kept.db");
    std::fs::write(&existing, "precious").unwrap();
    let refused = pulse(&db.url, &["backup", existing.to_str().unwrap()]);
    assert!(!refused.status.success());
    assert!(
        text(&refused).contains("already exists"),
        "{}",
        text(&refused)
    );
    assert_eq!(std::fs::read_to_string(&existing).unwrap(), "precious");

    let nowhere = dir.path().join("no such folder").join("pulse.backup");
    let failed = pulse(&db.url, &["backup", nowhere.to_str().unwrap()]);
    assert!(!failed.status.success());
    assert!(
        text(&failed).contains("could not write the copy"),
        "{}",
        text(&failed)
    );
    assert!(!nowhere.exists());
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "only kept.db"
    );
    db.cleanup().await;
}

#[tokio::test]
async fn a_restore_goes_only_into_an_empty_database_and_only_from_a_backup() {
    let full = TestDb::new(TestBackend::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pulse.backup");
    let backup = pulse(&full.url, &["backup", path.to_str().unwrap()]);
    assert!(backup.status.success(), "{}", text(&backup));

    let not_empty = pulse(&full.url, &["restore", path.to_str().unwrap()]);
    assert!(!not_empty.status.success());
    assert!(
        text(&not_empty).contains("is not empty"),
        "{}",
        text(&not_empty)
    );

    let stranger = dir.path().join("notes.txt");
    std::fs::write(&stranger, "not a database at all, just some text").unwrap();
    let target = empty_database(TestBackend::Sqlite).await;
    let refused = pulse(&target.url, &["restore", stranger.to_str().unwrap()]);
    assert!(!refused.status.success());
    assert!(
        text(&refused).contains("is not a SQLite database")
            || text(&refused).contains("is not a Pulse backup"),
        "{}",
        text(&refused)
    );
    let target = target.reopened().await;
    assert!(
        target.store.is_empty().await.unwrap(),
        "nothing was restored"
    );
    full.cleanup().await;
    target.cleanup().await;
}
