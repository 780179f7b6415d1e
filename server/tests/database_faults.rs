//! Database faults under a running `pulse serve`: PostgreSQL stopped and
//! started under load, and a SQLite file that fills its disk or turns
//! read-only. Calls fail fast with a clear 503 (507 for a full disk),
//! nothing is half-written, and service comes back without a restart.

use crate::support;

use pulse_db::time::Millis;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use pulse_db::Store;
use pulse_db::keys::{KeyScope, generate};
use serde_json::Value;
use support::postgres_cluster::Cluster;
use support::process::{ServerProcess, free_port};
use support::{event, test_dist};

/// One call of the load: when it started and ended (since the test began),
/// and its status (None: no HTTP answer at all).
#[derive(Debug, Clone)]
struct Call {
    started: Duration,
    ended: Duration,
    status: Option<u16>,
    body: String,
}

async fn keys_for(url: &str) -> (String, String) {
    let store = Store::connect(url).await.unwrap();
    store.migrate().await.unwrap();
    let now = pulse_db::time::Millis::now();
    let (ingest, key) = generate(KeyScope::Ingest, None, None, now);
    store.insert_key(&key).await.unwrap();
    let (read, key) = generate(KeyScope::Read, None, None, now);
    store.insert_key(&key).await.unwrap();
    store.close().await;
    (ingest, read)
}

/// Writes small batches and reads the overview, each in a loop, until
/// `stop`; returns every call and the ids of the events acknowledged.
async fn run_load(
    url: String,
    ingest: String,
    read: String,
    stop: Arc<AtomicBool>,
    epoch: Instant,
) -> (Vec<Call>, Vec<String>) {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let writer = {
        let (client, url, stop) = (client.clone(), url.clone(), stop.clone());
        tokio::spawn(async move {
            let (mut calls, mut acknowledged, mut next) = (Vec::new(), Vec::new(), 0);
            while !stop.load(Ordering::Relaxed) {
                let ids: Vec<String> = (0..20).map(|n| format!("e{}", next + n)).collect();
                next += 20;
                let batch: Vec<Value> = ids
                    .iter()
                    .map(|id| event(id, "tutor", &format!("u{}", next % 7), "message", 1))
                    .collect();
                let started = epoch.elapsed();
                let response = client
                    .post(format!("{url}/api/v1/events"))
                    .bearer_auth(&ingest)
                    .json(&batch)
                    .send()
                    .await;
                let call = record(started, epoch, response).await;
                if call.status == Some(200) {
                    acknowledged.extend(ids);
                }
                calls.push(call);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            (calls, acknowledged)
        })
    };
    let mut calls = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        let started = epoch.elapsed();
        let response = client
            .get(format!(
                "{url}/api/v1/agents/tutor/users/overview?period=7d&tz=UTC"
            ))
            .bearer_auth(&read)
            .send()
            .await;
        let call = record(started, epoch, response).await;
        // Before the first batch lands the agent does not exist yet.
        if call.status != Some(404) {
            calls.push(call);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (written, acknowledged) = writer.await.unwrap();
    calls.extend(written);
    calls.sort_by_key(|call| call.started);
    (calls, acknowledged)
}

async fn record(
    started: Duration,
    epoch: Instant,
    response: reqwest::Result<reqwest::Response>,
) -> Call {
    let (status, body) = match response {
        Ok(response) => (
            Some(response.status().as_u16()),
            response.text().await.unwrap_or_default(),
        ),
        Err(error) => (None, error.to_string()),
    };
    Call {
        started,
        ended: epoch.elapsed(),
        status,
        body,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_stopped_under_load_gives_503s_then_recovers_by_itself() {
    let _serial = support::one_at_a_time().await;
    let cluster = Cluster::start(free_port());
    let (ingest, read) = keys_for(&cluster.url()).await;
    let dist = test_dist();
    let server = ServerProcess::start(&cluster.url(), free_port(), dist.path(), &[]).await;
    let epoch = Instant::now();
    let stop = Arc::new(AtomicBool::new(false));
    let load = tokio::spawn(run_load(
        server.url.clone(),
        ingest,
        read,
        stop.clone(),
        epoch,
    ));

    tokio::time::sleep(Duration::from_secs(2)).await;
    cluster.stop();
    let down = epoch.elapsed();
    tokio::time::sleep(Duration::from_secs(5)).await;
    let restarting = epoch.elapsed();
    cluster.resume();
    let up = epoch.elapsed();
    tokio::time::sleep(Duration::from_secs(6)).await;
    stop.store(true, Ordering::Relaxed);
    let (calls, acknowledged) = load.await.unwrap();

    // Every call got an HTTP answer, and the only failures are clear 503s.
    for call in &calls {
        match call.status {
            Some(200) => {}
            Some(503) => assert!(
                call.body.contains("the database is unavailable"),
                "{call:?}"
            ),
            _ => panic!("{call:?}"),
        }
    }
    // While the database was down, calls failed, and fast.
    let outage: Vec<&Call> = calls
        .iter()
        .filter(|call| call.started > down && call.ended < restarting)
        .collect();
    assert!(
        outage.len() >= 5,
        "calls during the outage: {}",
        outage.len()
    );
    assert!(
        outage.iter().all(|call| call.status == Some(503)),
        "{outage:?}"
    );
    let slowest = outage
        .iter()
        .map(|call| call.ended - call.started)
        .max()
        .unwrap();
    assert!(slowest < Duration::from_secs(2), "a 503 took {slowest:?}");
    // Service came back by itself, and stayed.
    let first_ok = calls
        .iter()
        .find(|call| call.started > up && call.status == Some(200))
        .expect("a success after the restart");
    assert!(
        first_ok.ended - up < Duration::from_secs(5),
        "recovered {:?} after the restart",
        first_ok.ended - up
    );
    let after: Vec<&Call> = calls
        .iter()
        .filter(|call| call.started > first_ok.ended + Duration::from_secs(1))
        .collect();
    assert!(
        after.len() >= 5 && after.iter().all(|call| call.status == Some(200)),
        "{after:?}"
    );

    // Every acknowledged event is stored, once.
    let store = Store::connect(&cluster.url()).await.unwrap();
    let agent = store.find_agent("tutor").await.unwrap().unwrap();
    let stored = store
        .raw_activity(&agent, Millis(0), Millis(i64::MAX))
        .await
        .unwrap()
        .len();
    assert_eq!(stored, acknowledged.len());
    store.close().await;
    eprintln!(
        "PostgreSQL outage: {} calls, {} failed with 503 while down (slowest {slowest:?}); first success {:?} after the restart; peak RSS {} MiB",
        calls.len(),
        outage.len(),
        first_ok.ended - up,
        server.peak_rss_kib() / 1024
    );
}

/// A small tmpfs of the test's own, to fill up and to turn read-only.
/// Mounting needs root (CAP_SYS_ADMIN), as the test command has on these
/// machines.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(size: &str) -> SmallDisk {
        let dir = tempfile::tempdir().unwrap();
        let disk = SmallDisk { dir };
        disk.mount_command(&["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"]);
        disk
    }

    fn remount(&self, options: &str) {
        self.mount_command(&["-o", &format!("remount,{options}")]);
    }

    fn mount_command(&self, args: &[&str]) {
        let output = std::process::Command::new("mount")
            .args(args)
            .arg(self.dir.path())
            .output()
            .expect("run mount");
        assert!(
            output.status.success(),
            "mount {args:?}: {} (this test mounts a tmpfs: it needs root)",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

async fn post(client: &reqwest::Client, url: &str, key: &str, first_id: usize) -> (u16, Value) {
    let batch: Vec<Value> = (first_id..first_id + 200)
        .map(|n| {
            event(
                &format!("e{n}"),
                "tutor",
                &format!("u{}", n % 50),
                "message",
                1,
            )
        })
        .collect();
    let response = client
        .post(format!("{url}/api/v1/events"))
        .bearer_auth(key)
        .json(&batch)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

/// The messages stored for the agent, read through the server.
async fn messages(client: &reqwest::Client, url: &str, key: &str) -> u64 {
    let response = client
        .get(format!(
            "{url}/api/v1/agents/tutor/users/overview?period=today&tz=UTC"
        ))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "reads keep working");
    let overview: Value = response.json().await.unwrap();
    overview["messages"].as_u64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_sqlite_disk_refuses_whole_batches_with_a_507_and_recovers() {
    let _serial = support::one_at_a_time().await;
    let disk = SmallDisk::mount("2m");
    let url = format!("sqlite://{}/pulse.db", disk.dir.path().display());
    let (ingest, read) = keys_for(&url).await;
    let dist = test_dist();
    let server = ServerProcess::start(&url, free_port(), dist.path(), &[]).await;
    let client = reqwest::Client::new();

    // Fill the disk.
    let mut next = 0;
    let refused = loop {
        let (status, answer) = post(&client, &server.url, &ingest, next).await;
        if status != 200 {
            break (status, answer);
        }
        next += 200;
        assert!(next < 200_000, "the disk never filled up");
    };
    assert_eq!(refused.0, 507, "{}", refused.1);
    assert_eq!(
        refused.1["error"],
        "the database's disk is full; nothing was stored"
    );
    assert_eq!(
        messages(&client, &server.url, &read).await,
        next as u64,
        "only whole batches are stored"
    );

    // Room again: the same batch goes in, without a restart.
    disk.remount("size=64m");
    let (status, answer) = post(&client, &server.url, &ingest, next).await;
    assert_eq!(
        (status, answer["accepted"].as_u64()),
        (200, Some(200)),
        "{answer}"
    );
    next += 200;

    eprintln!(
        "SQLite on a 2 MiB disk: full after {} events; peak RSS {} MiB",
        next - 200,
        server.peak_rss_kib() / 1024
    );
    drop(server);
}

/// Sets or clears the immutable attribute (chattr, ext4; root): no process
/// may write the file any more, whatever it has open.
fn immutable(files: &[std::path::PathBuf], on: bool) {
    let status = std::process::Command::new("chattr")
        .arg(if on { "+i" } else { "-i" })
        .args(files)
        .status()
        .expect("run chattr");
    assert!(
        status.success(),
        "chattr {files:?} (this test needs root on ext4)"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_file_turned_read_only_refuses_writes_with_a_503_and_recovers() {
    let _serial = support::one_at_a_time().await;
    // Under /var/tmp: a disk filesystem (ext4 here), where chattr works.
    let dir = tempfile::tempdir_in("/var/tmp").unwrap();
    let file = dir.path().join("pulse.db");
    let url = format!("sqlite://{}", file.display());
    let (ingest, read) = keys_for(&url).await;
    let dist = test_dist();
    let server = ServerProcess::start(&url, free_port(), dist.path(), &[]).await;
    let client = reqwest::Client::new();
    let (status, _) = post(&client, &server.url, &ingest, 0).await;
    assert_eq!(status, 200);

    // The file and its write-ahead log; not the shared-memory index, which
    // SQLite maps into memory (a refused write there is a SIGBUS, not an error).
    let files: Vec<_> = ["pulse.db", "pulse.db-wal"]
        .iter()
        .map(|name| dir.path().join(name))
        .filter(|path| path.exists())
        .collect();
    immutable(&files, true);
    let (status, answer) = post(&client, &server.url, &ingest, 200).await;
    let read_back = messages(&client, &server.url, &read).await;
    immutable(&files, false);
    assert_eq!(status, 503, "{answer}");
    let message = answer["error"].as_str().unwrap();
    assert!(
        message == "the database is read-only; nothing was stored"
            || message == "the database could not read or write its file; nothing was stored",
        "{message}"
    );
    assert_eq!(
        read_back, 200,
        "reads answer, and nothing of the refused batch is there"
    );

    let (status, answer) = post(&client, &server.url, &ingest, 200).await;
    assert_eq!(
        (status, answer["accepted"].as_u64()),
        (200, Some(200)),
        "{answer}"
    );
    assert_eq!(messages(&client, &server.url, &read).await, 400);
    drop(server);
}
