//! Connection limits of `pulse serve` (as a process): a client that sends
//! its request head a line at a time, a kept-alive connection left idle,
//! and more clients at once than the server takes.

use crate::support;

use std::path::Path;
use std::time::{Duration, Instant};

use pulse_db::testing::{TestBackend, TestDb};
use support::process::{ServerProcess, free_port};
use support::test_dist;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A `pulse serve` on a fresh SQLite database with `env`, its log in `log`.
struct Server {
    process: ServerProcess,
    db: TestDb,
    _dist: tempfile::TempDir,
}

impl Server {
    async fn start(env: &[(&str, &str)], log: &Path) -> Server {
        let db = TestDb::new(TestBackend::Sqlite).await;
        let dist = test_dist();
        let process =
            ServerProcess::start_logging_to(&db.url, free_port(), dist.path(), env, log).await;
        // Let the readiness check's connection close before counting any.
        tokio::time::sleep(Duration::from_millis(300)).await;
        Server {
            process,
            db,
            _dist: dist,
        }
    }

    fn address(&self) -> &str {
        self.process.url.trim_start_matches("http://")
    }

    async fn connect(&self) -> TcpStream {
        TcpStream::connect(self.address()).await.unwrap()
    }

    /// /healthz on a fresh connection, answered within `limit`.
    async fn healthy_within(&self, limit: Duration) {
        let asked = Instant::now();
        let response =
            tokio::time::timeout(limit, reqwest::get(format!("{}/healthz", self.process.url)))
                .await
                .unwrap_or_else(|_| panic!("/healthz not answered within {limit:?}"))
                .unwrap();
        assert_eq!(response.status(), 200);
        assert!(asked.elapsed() < limit, "{:?}", asked.elapsed());
    }

    async fn stop(self) {
        drop(self.process);
        self.db.cleanup().await;
    }
}

/// Waits up to `limit` for the server to close the connection (EOF or a
/// reset); returns what it sent before, or `None` if it is still open.
async fn closed_within(stream: &mut (impl AsyncRead + Unpin), limit: Duration) -> Option<String> {
    let mut received = Vec::new();
    let deadline = Instant::now() + limit;
    let mut buffer = [0; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buffer)).await {
            Err(_) => return None,
            Ok(Ok(0) | Err(_)) => return Some(String::from_utf8_lossy(&received).into_owned()),
            Ok(Ok(read)) => received.extend_from_slice(&buffer[..read]),
        }
    }
}

/// Reads one response to a GET /healthz (its body is `ok\n`): the status.
async fn read_health_response(stream: &mut TcpStream) -> u16 {
    let mut received = Vec::new();
    let mut buffer = [0; 1024];
    while !received.ends_with(b"\r\n\r\nok\n") {
        let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buffer))
            .await
            .expect("a response in time")
            .unwrap();
        assert!(read > 0, "closed before a whole response: {received:?}");
        received.extend_from_slice(&buffer[..read]);
    }
    let text = String::from_utf8_lossy(&received);
    text.split(' ').nth(1).unwrap().parse().unwrap()
}

fn health_request(keep_alive: bool) -> String {
    let connection = if keep_alive { "keep-alive" } else { "close" };
    format!("GET /healthz HTTP/1.1\r\nHost: pulse.test\r\nConnection: {connection}\r\n\r\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_sending_its_head_a_line_at_a_time_is_cut_off_after_the_header_timeout() {
    let _serial = support::one_at_a_time().await;
    let log = tempfile::NamedTempFile::new().unwrap();
    let server = Server::start(&[("PULSE_HEADER_TIMEOUT", "2")], log.path()).await;
    let (mut reader, mut writer) = server.connect().await.into_split();
    let opened = Instant::now();
    let trickle = tokio::spawn(async move {
        writer.write_all(b"GET /healthz HTTP/1.1\r\n").await?;
        for line in 0..30 {
            tokio::time::sleep(Duration::from_secs(1)).await;
            writer
                .write_all(format!("X-Line-{line}: slowly\r\n").as_bytes())
                .await?;
        }
        std::io::Result::Ok(())
    });

    // Others are served meanwhile.
    server.healthy_within(Duration::from_secs(1)).await;

    let answer = closed_within(&mut reader, Duration::from_secs(8))
        .await
        .expect("the slow client's connection is closed");
    let held = opened.elapsed();
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "{answer}"
    );
    assert!(
        held >= Duration::from_millis(1_800) && held < Duration::from_secs(4),
        "closed after {held:?}"
    );
    trickle.abort();
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_kept_alive_connection_is_closed_after_the_idle_timeout() {
    let _serial = support::one_at_a_time().await;
    let log = tempfile::NamedTempFile::new().unwrap();
    let server = Server::start(
        &[("PULSE_HEADER_TIMEOUT", "1"), ("PULSE_IDLE_TIMEOUT", "3")],
        log.path(),
    )
    .await;
    let mut stream = server.connect().await;
    stream
        .write_all(health_request(true).as_bytes())
        .await
        .unwrap();
    assert_eq!(read_health_response(&mut stream).await, 200);

    // Idle longer than the header timeout: still open, and still served.
    tokio::time::sleep(Duration::from_millis(1_800)).await;
    stream
        .write_all(health_request(true).as_bytes())
        .await
        .unwrap();
    assert_eq!(read_health_response(&mut stream).await, 200);

    let idle_since = Instant::now();
    let answer = closed_within(&mut stream, Duration::from_secs(8))
        .await
        .expect("the idle connection is closed");
    assert_eq!(answer, "");
    let idle = idle_since.elapsed();
    assert!(
        idle >= Duration::from_millis(2_800) && idle < Duration::from_secs(5),
        "closed after {idle:?} idle"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn beyond_the_connection_limit_clients_wait_and_the_server_says_so_once() {
    let _serial = support::one_at_a_time().await;
    let log = tempfile::NamedTempFile::new().unwrap();
    let server = Server::start(
        &[
            ("PULSE_MAX_CONNECTIONS", "20"),
            ("PULSE_HEADER_TIMEOUT", "60"),
        ],
        log.path(),
    )
    .await;
    let mut stalled = Vec::new();
    for _ in 0..20 {
        let mut stream = server.connect().await;
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: pulse.test\r\n")
            .await
            .unwrap();
        stalled.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;

    // The 21st connects (the kernel queues it) but is not served...
    let mut waiting = server.connect().await;
    waiting
        .write_all(health_request(false).as_bytes())
        .await
        .unwrap();
    let early = closed_within(&mut waiting, Duration::from_millis(1_500)).await;
    assert_eq!(early, None, "served beyond the limit");

    // ...until one of the others closes.
    drop(stalled.pop());
    let served = Instant::now();
    assert_eq!(read_health_response(&mut waiting).await, 200);
    assert!(served.elapsed() < Duration::from_secs(2));

    drop(stalled);
    tokio::time::sleep(Duration::from_millis(200)).await;
    server.healthy_within(Duration::from_secs(2)).await;

    let log = std::fs::read_to_string(log.path()).unwrap();
    let warnings = log
        .lines()
        .filter(|line| line.contains("connection limit of 20 reached"))
        .count();
    assert_eq!(warnings, 1, "{log}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn running_out_of_file_descriptors_does_not_stop_the_server() {
    let _serial = support::one_at_a_time().await;
    let log = tempfile::NamedTempFile::new().unwrap();
    let server = Server::start(&[], log.path()).await;
    let pid = server.process.pid();
    let open = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .count();
    let limit = format!("--nofile={0}:{0}", open + 5);
    let status = std::process::Command::new("prlimit")
        .args(["--pid", &pid.to_string(), &limit])
        .status()
        .expect("run prlimit");
    assert!(status.success());

    // More clients than descriptors: accepting fails ("too many open files").
    let mut stalled = Vec::new();
    for _ in 0..20 {
        let mut stream = server.connect().await;
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\n")
            .await
            .unwrap();
        stalled.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    drop(stalled);

    server.healthy_within(Duration::from_secs(5)).await;
    let log = std::fs::read_to_string(log.path()).unwrap();
    assert!(log.contains("could not accept a connection"), "{log}");
    server.stop().await;
}
