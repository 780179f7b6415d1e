//! Answers are compressed when the client asks and they are worth it:
//! JSON and CSV over HTTP, zstd, gzip or brotli as accepted, plain
//! otherwise; kept answers compressed harder once reused.

use crate::support;

use std::io::Read;

use pulse_db::testing::TestBackend;
use reqwest::header::{ACCEPT_ENCODING, CONTENT_ENCODING};
use serde_json::{Value, json};
use support::{TestApp, event};

fn decode(encoding: Option<&str>, bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    match encoding {
        None => out.extend_from_slice(bytes),
        Some("gzip") => {
            flate2::read::GzDecoder::new(bytes)
                .read_to_end(&mut out)
                .unwrap();
        }
        Some("br") => {
            brotli::Decompressor::new(bytes, 4096)
                .read_to_end(&mut out)
                .unwrap();
        }
        Some("zstd") => out = zstd::decode_all(bytes).unwrap(),
        Some(other) => panic!("unexpected encoding {other}"),
    }
    out
}

/// A message from each of 200 learners, `minutes_ago`.
async fn post_messages(app: &TestApp, minutes_ago: i64) {
    let events: Vec<Value> = (0..200)
        .map(|n| {
            let (id, user) = (format!("e{n}"), format!("learner-{n}"));
            event(&id, "tutor", &user, "message", minutes_ago)
        })
        .collect();
    assert_eq!(app.post_events(&json!(events)).await.status(), 200);
}

#[tokio::test]
async fn json_and_csv_answers_are_compressed_when_asked() {
    let app = TestApp::spawn(TestBackend::Sqlite).await;
    post_messages(&app, 5).await;
    for path in [
        "/api/v1/agents/tutor/users?period=7d",
        "/api/v1/agents/tutor/users?period=7d&format=csv",
    ] {
        let mut plain_body = None;
        for (asked, sent) in [
            (None, None),
            (Some("gzip"), Some("gzip")),
            (Some("br"), Some("br")),
            (Some("gzip, br"), Some("br")),
            // What Chromium asks.
            (Some("gzip, deflate, br, zstd"), Some("zstd")),
        ] {
            let mut request = app.request(reqwest::Method::GET, path, Some(&app.read_key));
            if let Some(asked) = asked {
                request = request.header(ACCEPT_ENCODING, asked);
            }
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 200);
            let encoding = response
                .headers()
                .get(CONTENT_ENCODING)
                .map(|value| value.to_str().unwrap().to_owned());
            assert_eq!(encoding.as_deref(), sent, "{path} with {asked:?}");
            let wire = response.bytes().await.unwrap();
            let body = decode(encoding.as_deref(), &wire);
            match &plain_body {
                None => plain_body = Some(body),
                Some(plain) => {
                    assert_eq!(&body, plain, "{path}: the same answer, decoded");
                    assert!(
                        wire.len() * 3 < plain.len(),
                        "{path}: {} of {} bytes",
                        wire.len(),
                        plain.len()
                    );
                }
            }
        }
    }
    // A small answer is not worth compressing.
    let response = app
        .request(reqwest::Method::GET, "/api/v1/agents", Some(&app.read_key))
        .header(ACCEPT_ENCODING, "gzip")
        .send()
        .await
        .unwrap();
    assert!(response.headers().get(CONTENT_ENCODING).is_none());
    app.cleanup().await;
}

/// Reads of a closed period are kept as sent: the same bytes again, each
/// encoding decoding to the plain answer, until a write changes them.
#[tokio::test]
async fn kept_answers_are_the_plain_answer_and_follow_writes() {
    let app = TestApp::spawn(TestBackend::Sqlite).await;
    let three_days = 3 * 24 * 60;
    post_messages(&app, three_days).await;
    let day = (chrono::Utc::now() - chrono::Duration::minutes(three_days)).date_naive();
    let query = format!("period=custom&from={day}&to={day}&tz=UTC");
    let get = async |path: &str, asked: &str| {
        let response = app
            .request(
                reqwest::Method::GET,
                &format!("{path}?{query}"),
                Some(&app.read_key),
            )
            .header(ACCEPT_ENCODING, asked)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
        let encoding = response
            .headers()
            .get(CONTENT_ENCODING)
            .map(|value| value.to_str().unwrap().to_owned());
        let wire = response.bytes().await.unwrap();
        (encoding.clone(), decode(encoding.as_deref(), &wire), wire)
    };
    for path in [
        "/api/v1/agents/tutor/users",
        "/api/v1/agents/tutor/users/dashboard",
        "/api/v1/agents/tutor/users/heatmap",
        "/api/v1/agents/tutor/users/trend",
    ] {
        let (_, plain, _) = get(path, "identity").await;
        let plain: Value = serde_json::from_slice(&plain).unwrap();
        for (asked, sent) in [
            ("br", "br"),
            ("gzip, br;q=0", "gzip"),
            ("gzip, deflate, br, zstd", "zstd"),
        ] {
            let (first_encoding, first, first_wire) = get(path, asked).await;
            let (second_encoding, _, second_wire) = get(path, asked).await;
            assert_eq!(first_wire, second_wire, "{path} {asked}: kept");
            assert_eq!(first_encoding, second_encoding);
            if first_wire.len() > 1024 {
                assert_eq!(first_encoding.as_deref(), Some(sent), "{path} {asked}");
            }
            let decoded: Value = serde_json::from_slice(&first).unwrap();
            assert_eq!(decoded, plain, "{path} {asked}: the plain answer");
        }
    }
    // One more message that day: every kept answer moves on.
    let late = json!([event("late", "tutor", "learner-0", "message", three_days)]);
    assert_eq!(app.post_events(&late).await.status(), 200);
    let (encoding, body, _) = get("/api/v1/agents/tutor/users/dashboard", "br").await;
    assert_eq!(encoding.as_deref(), Some("br"));
    let dashboard: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(dashboard["overview"]["messages"], 201);
    app.cleanup().await;
}

/// An answer is sent fast-compressed when made, and once asked for again it
/// is compressed harder in the background: later reads get fewer bytes of
/// the same answer, and a write still moves it on.
#[tokio::test]
async fn reused_answers_are_kept_compressed_smaller() {
    let app = TestApp::spawn(TestBackend::Sqlite).await;
    let three_days = 3 * 24 * 60;
    post_messages(&app, three_days).await;
    let day = (chrono::Utc::now() - chrono::Duration::minutes(three_days)).date_naive();
    let path =
        format!("/api/v1/agents/tutor/users/dashboard?period=custom&from={day}&to={day}&tz=UTC");
    let get = async || {
        let response = app
            .request(reqwest::Method::GET, &path, Some(&app.read_key))
            .header(ACCEPT_ENCODING, "gzip, deflate, br, zstd")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let encoding = response.headers().get(CONTENT_ENCODING).cloned();
        assert_eq!(
            encoding.as_ref().map(|value| value.to_str().unwrap()),
            Some("zstd")
        );
        let wire = response.bytes().await.unwrap();
        let plain: Value = serde_json::from_slice(&decode(Some("zstd"), &wire)).unwrap();
        (wire.len(), plain)
    };
    let (fresh, plain) = get().await;
    // Within 30 s: in a full test run the one recompressing thread of the
    // process has the other tests' answers queued before this one.
    let mut smaller = None;
    for _ in 0..600 {
        let (size, answer) = get().await;
        assert_eq!(answer, plain, "the same answer, however compressed");
        if size < fresh {
            smaller = Some(size);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let smaller = smaller.expect("a reused answer is compressed smaller within 30 s");
    assert_eq!(get().await.0, smaller, "the smaller bytes are kept");
    let late = json!([event("late", "tutor", "learner-0", "message", three_days)]);
    assert_eq!(app.post_events(&late).await.status(), 200);
    assert_eq!(get().await.1["overview"]["messages"], 201);
    app.cleanup().await;
}

/// The app's dashboard (a server function) goes compressed as asked, its
/// compressed bytes reused for the same plain answer and never for another.
#[tokio::test]
async fn server_function_answers_are_compressed_once_per_content() {
    let app = TestApp::spawn(TestBackend::Sqlite).await;
    let three_days = 3 * 24 * 60;
    post_messages(&app, three_days).await;
    app.account(
        "ada",
        "a long password",
        pulse_db::accounts::Role::Admin,
        &["tutor"],
    )
    .await;
    let cookie = support::sign_in(&app, "ada", "a long password").await;
    let day = (chrono::Utc::now() - chrono::Duration::minutes(three_days)).date_naive();
    let form = json!({"agent_id": "tutor", "query[period]": "custom",
        "query[from]": day.to_string(), "query[to]": day.to_string(), "query[tz]": "UTC"});
    let call = async |asked: &str| {
        let response = app
            .client
            .post(format!(
                "{}{}",
                app.url,
                support::server_fn_path("users_dashboard")
            ))
            .header("Cookie", &cookie)
            .header(ACCEPT_ENCODING, asked)
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let encoding = response
            .headers()
            .get(CONTENT_ENCODING)
            .map(|value| value.to_str().unwrap().to_owned());
        let wire = response.bytes().await.unwrap();
        let plain: Value = serde_json::from_slice(&decode(encoding.as_deref(), &wire)).unwrap();
        (encoding, plain, wire)
    };
    let (none, plain, _) = call("identity").await;
    assert_eq!(none, None);
    for (asked, sent) in [
        ("br", "br"),
        ("gzip", "gzip"),
        ("gzip, deflate, br, zstd", "zstd"),
    ] {
        let (encoding, first, first_wire) = call(asked).await;
        let (_, _, second_wire) = call(asked).await;
        assert_eq!(encoding.as_deref(), Some(sent), "{asked}");
        assert_eq!(first_wire, second_wire, "{asked}: the same bytes again");
        assert_eq!(first["users"], plain["users"], "{asked}: the plain answer");
        assert_eq!(first["heatmap"], plain["heatmap"], "{asked}");
    }
    // Another answer after a write: its own bytes, not the kept ones.
    let late = json!([event("late", "tutor", "learner-0", "message", three_days)]);
    assert_eq!(app.post_events(&late).await.status(), 200);
    let (_, after, _) = call("br").await;
    assert_eq!(after["overview"]["messages"], 201);
    app.cleanup().await;
}
