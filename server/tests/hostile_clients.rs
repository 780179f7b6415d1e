//! Hostile and careless clients against real `pulse serve` processes and
//! the in-process app: random bodies and query strings, enormous values,
//! clients that stall mid-request, and SIGTERM with requests in flight.

use crate::support;

use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use pulse_db::keys::KeyScope;
use pulse_db::testing::{TestBackend, TestDb};
use serde_json::{Value, json};
use support::process::{ServerProcess, free_port};
use support::{TestApp, create_key, event, stored_events, test_dist};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Opens a connection and sends a POST of `body` with only its first `sent` bytes.
async fn partial_post(url: &str, key: &str, body: &[u8], sent: usize) -> TcpStream {
    let address = url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST /api/v1/events HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {key}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body[..sent]).await.unwrap();
    stream
}

/// Reads the whole response: its status and body.
async fn response_of(mut stream: TcpStream) -> (u16, String) {
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), stream.read_to_end(&mut raw))
        .await
        .expect("a response in time")
        .unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("an HTTP response: {text:?}"));
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default();
    (status, body)
}

fn batch_body(ids: std::ops::Range<usize>) -> Vec<u8> {
    let events: Vec<Value> = ids
        .map(|n| event(&format!("e{n}"), "tutor", "ann", "message", 1))
        .collect();
    serde_json::to_vec(&events).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_requests_in_flight_then_exits() {
    let _serial = support::one_at_a_time().await;
    let db = TestDb::new(TestBackend::Sqlite).await;
    let key = create_key(&db, KeyScope::Ingest, None).await;
    let dist = test_dist();
    let mut server = ServerProcess::start(&db.url, free_port(), dist.path(), &[]).await;
    let body = batch_body(0..500);
    let in_flight = partial_post(&server.url, &key, &body, body.len() / 2).await;
    tokio::time::sleep(Duration::from_millis(300)).await;

    server.signal("TERM");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        server.exit_within(Duration::ZERO).await.is_none(),
        "still finishing the request in flight"
    );
    let refused = reqwest::get(format!("{}/healthz", server.url)).await;
    assert!(refused.is_err(), "a stopping server takes no new requests");

    let mut in_flight = in_flight;
    in_flight.write_all(&body[body.len() / 2..]).await.unwrap();
    let (status, answer) = response_of(in_flight).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        serde_json::from_str::<Value>(&answer).unwrap()["accepted"],
        json!(500)
    );
    let status = server
        .exit_within(Duration::from_secs(10))
        .await
        .expect("exits after the last request");
    assert!(status.success(), "{status}");
    assert_eq!(stored_events(&db, "tutor").await, 500);
    db.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_clients_get_a_408_and_neither_block_others_nor_a_shutdown() {
    let _serial = support::one_at_a_time().await;
    let db = TestDb::new(TestBackend::Sqlite).await;
    let key = create_key(&db, KeyScope::Ingest, None).await;
    let dist = test_dist();
    let mut server = ServerProcess::start(
        &db.url,
        free_port(),
        dist.path(),
        &[("PULSE_REQUEST_TIMEOUT", "2")],
    )
    .await;
    let body = batch_body(0..100);
    let started = Instant::now();
    let mut stalled = Vec::new();
    for _ in 0..200 {
        stalled.push(partial_post(&server.url, &key, &body, body.len() - 1).await);
    }
    // Others are served meanwhile, at once.
    let client = reqwest::Client::new();
    let asked = Instant::now();
    let health = client
        .get(format!("{}/healthz", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    assert!(
        asked.elapsed() < Duration::from_secs(1),
        "{:?}",
        asked.elapsed()
    );

    for stream in stalled {
        let (status, answer) = response_of(stream).await;
        assert_eq!(status, 408, "{answer}");
        assert!(answer.contains("longer than 2 s"), "{answer}");
    }
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        stored_events(&db, "tutor").await,
        0,
        "nothing of an unfinished body is stored"
    );
    let peak = server.peak_rss_kib();

    // A client stalled during shutdown does not hold the server longer than the timeout.
    let _stalled = partial_post(&server.url, &key, &body, 10).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let stopping = Instant::now();
    server.signal("TERM");
    server
        .exit_within(Duration::from_secs(10))
        .await
        .expect("exits despite a stalled client");
    assert!(
        stopping.elapsed() < Duration::from_secs(6),
        "{:?}",
        stopping.elapsed()
    );
    eprintln!("peak RSS with 200 stalled clients: {} MiB", peak / 1024);
    db.cleanup().await;
}

#[tokio::test]
async fn enormous_values_are_refused_by_name_and_store_nothing() {
    let _serial = support::one_at_a_time().await;
    let app = TestApp::spawn(TestBackend::Sqlite).await;
    let huge = "x".repeat(1_000_000);
    for field in [
        "id",
        "agent_id",
        "user_id",
        "session_id",
        "username",
        "name",
    ] {
        let mut value = event("e1", "tutor", "ann", "message", 1);
        value[field] = json!(huge);
        let response = app.post_events(&json!([value])).await;
        assert_eq!(response.status(), 422, "{field}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["details"][0]["field"], json!(field), "{body:.300}");
        assert!(
            body.to_string().len() < 2_000,
            "the answer does not echo the value"
        );
    }
    // (The http crate refuses to build a URI over 64 KiB.)
    let long_path = format!("/api/v1/agents/{}/users/overview", &huge[..60_000]);
    let status = app
        .request(reqwest::Method::GET, &long_path, Some(&app.read_key))
        .send()
        .await
        .unwrap()
        .status();
    assert!(status.is_client_error(), "{status}");
    assert_eq!(stored_events(&app.db, "tutor").await, 0);
    app.cleanup().await;
}

/// Runs `cases` random cases of `strategy` against one app.
fn against_app<S: Strategy>(
    cases: u32,
    strategy: S,
    check: impl Fn(
        &TestApp,
        S::Value,
    ) -> std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<(), TestCaseError>> + '_>,
    >,
) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let app = runtime.block_on(TestApp::spawn(TestBackend::Sqlite));
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&strategy, |value| runtime.block_on(check(&app, value)));
    runtime.block_on(app.cleanup());
    result.unwrap();
}

/// Checks the status is one of `allowed`, and that a refusal says why in
/// the API's error shape.
async fn answered_with(response: reqwest::Response, allowed: &[u16]) -> Result<(), TestCaseError> {
    let status = response.status().as_u16();
    let answer = response.text().await.unwrap();
    prop_assert!(allowed.contains(&status), "{status} {answer}");
    if status != 200 {
        let answer: Value = serde_json::from_str(&answer).unwrap_or(Value::Null);
        prop_assert!(
            answer["error"]
                .as_str()
                .is_some_and(|text| !text.is_empty()),
            "{answer}"
        );
    }
    Ok(())
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        ".{0,20}".prop_map(Value::String),
        Just(json!("2026-11-27T10:00:00Z")),
        Just(json!("message")),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("id".to_owned()),
                    Just("type".to_owned()),
                    Just("at".to_owned()),
                    Just("user_id".to_owned()),
                    Just("agent_id".to_owned()),
                    ".{0,8}"
                ],
                inner,
                0..6
            )
            .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

#[test]
fn random_bodies_get_an_answer_never_a_server_error() {
    let bodies = prop_oneof![
        any_json().prop_map(|value| serde_json::to_vec(&value).unwrap()),
        prop::collection::vec(any::<u8>(), 0..200),
    ];
    against_app(300, (bodies, prop::bool::ANY), |app, (body, ndjson)| {
        Box::pin(async move {
            let content_type = if ndjson {
                "application/x-ndjson"
            } else {
                "application/json"
            };
            let response = app
                .request(
                    reqwest::Method::POST,
                    "/api/v1/events",
                    Some(&app.ingest_key),
                )
                .header("Content-Type", content_type)
                .body(body)
                .send()
                .await
                .unwrap();
            answered_with(response, &[200, 400, 413, 422]).await
        })
    });
}

#[test]
fn random_period_parameters_get_figures_or_a_400_that_says_why() {
    let text = prop_oneof![
        Just(String::new()),
        Just("custom".to_owned()),
        Just("2026-02-29".to_owned()),
        Just("Asia/Kathmandu".to_owned()),
        "\\PC{0,16}"
    ];
    let params = prop::collection::vec(
        (
            prop_oneof![
                Just("period"),
                Just("from"),
                Just("to"),
                Just("tz"),
                Just("zzz")
            ],
            text,
        ),
        0..5,
    );
    let endpoint = prop_oneof![Just("overview"), Just("trend"), Just("heatmap"), Just("")];
    against_app(300, (endpoint, params), |app, (endpoint, params)| {
        Box::pin(async move {
            let path = if endpoint.is_empty() {
                "/api/v1/agents/tutor/users".to_owned()
            } else {
                format!("/api/v1/agents/tutor/users/{endpoint}")
            };
            let posted = app
                .post_events(&json!([event("e1", "tutor", "ann", "message", 1)]))
                .await;
            prop_assert_eq!(posted.status(), 200);
            let response = app
                .request(reqwest::Method::GET, &path, Some(&app.read_key))
                .query(&params)
                .send()
                .await
                .unwrap();
            answered_with(response, &[200, 400]).await
        })
    });
}
