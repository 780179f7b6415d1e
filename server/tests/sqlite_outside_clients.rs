//! Outside SQLite clients beside a running server: an administrator's
//! `sqlite3` shell, a backup script or a database browser opens the file,
//! reads and closes it while `pulse serve` ingests. None of them may take
//! the write-ahead log from the server (SQLite deletes it when the last
//! connection closes, and it believed it was the last one when the server
//! had lost its locks): every acknowledged event stays visible to outside
//! readers, the server never writes into a deleted file, and the database
//! passes `integrity_check` at the end.

use crate::support;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use pulse_db::keys::KeyScope;
use pulse_db::testing::{TestBackend, TestDb};
use serde_json::{Value, json};
use support::process::{ServerProcess, free_port};
use support::{create_key, test_dist};

const OUTSIDE_READS: usize = 60;

fn batch(first_id: u64, size: u64) -> Vec<Value> {
    let at = chrono::Utc::now() - chrono::Duration::minutes(5);
    (first_id..first_id + size)
        .map(|id| {
            json!({
                "id": format!("ev-{id}"), "type": "message", "agent_id": "tutor",
                "user_id": format!("learner-{}", id % 50), "at": at.to_rfc3339(),
            })
        })
        .collect()
}

/// Sends batches one after another until told to stop, counting the events
/// the server acknowledged.
async fn ingest_until(
    url: String,
    key: String,
    acknowledged: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
) {
    let client = reqwest::Client::new();
    let mut next_id = 0;
    while !stop.load(Ordering::SeqCst) {
        let response = client
            .post(format!("{url}/api/v1/events"))
            .bearer_auth(&key)
            .json(&batch(next_id, 25))
            .send()
            .await
            .expect("the server answers");
        assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
        next_id += 25;
        acknowledged.store(next_id, Ordering::SeqCst);
    }
}

/// The `sqlite3` shell, as an administrator would run it: another process
/// opens the file, runs `sql`, and closes it.
async fn outside_sqlite3(file: &Path, sql: &str) -> String {
    let mut command = std::process::Command::new("sqlite3");
    command.arg(file).arg(sql);
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .expect("run sqlite3 (scripts/setup.sh --test installs it)");
    assert!(
        output.status.success(),
        "sqlite3 {sql:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap().trim().to_owned()
}

async fn outside_count(file: &Path) -> u64 {
    outside_sqlite3(file, "SELECT count(*) FROM events")
        .await
        .parse()
        .unwrap()
}

/// Files of the database the server process still writes although they
/// were deleted (shown by Linux as "... (deleted)").
fn deleted_files_held(pid: u32, file: &Path) -> Vec<String> {
    let name = file.file_name().unwrap().to_string_lossy().into_owned();
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .filter_map(|entry| std::fs::read_link(entry.ok()?.path()).ok())
        .map(|target| target.display().to_string())
        .filter(|target| target.contains(&name) && target.ends_with("(deleted)"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outside_readers_never_take_the_log_from_a_running_server() {
    let db = TestDb::new(TestBackend::Sqlite).await;
    let key = create_key(&db, KeyScope::Ingest, None).await;
    // The test's own pools would keep the file locked and hide the fault.
    db.store.close().await;
    let file = Path::new(db.url.trim_start_matches("sqlite://")).to_owned();
    let dist = test_dist();
    let server = ServerProcess::start(&db.url, free_port(), dist.path(), &[]).await;

    let acknowledged = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = tokio::spawn(ingest_until(
        server.url.clone(),
        key,
        acknowledged.clone(),
        stop.clone(),
    ));
    for round in 0..OUTSIDE_READS {
        let before = acknowledged.load(Ordering::SeqCst);
        let seen = outside_count(&file).await;
        assert!(
            seen >= before,
            "round {round}: an outside reader sees {seen} events, {before} were acknowledged"
        );
        let deleted = deleted_files_held(server.pid(), &file);
        assert!(
            deleted.is_empty(),
            "round {round}: the server writes into deleted files: {deleted:?}"
        );
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    stop.store(true, Ordering::SeqCst);
    writer.await.unwrap();
    let total = acknowledged.load(Ordering::SeqCst);
    assert!(total > 0, "the writer got nothing acknowledged");
    assert!(
        Path::new(&format!("{}-wal", file.display())).exists(),
        "the log is gone"
    );

    drop(server);
    assert_eq!(outside_sqlite3(&file, "PRAGMA integrity_check").await, "ok");
    assert_eq!(
        outside_count(&file).await,
        total,
        "every acknowledged event is stored"
    );
    db.cleanup().await;
}
