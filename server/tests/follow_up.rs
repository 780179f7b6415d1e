//! Following learners up over real HTTP: the learner view's REST form and
//! its refusals, statuses in the user table, contact marks (all or
//! nothing), and reminders through a real local webhook receiver that
//! answers 2xx, 500, or too late.

use crate::support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use pulse_db::accounts::Role;
use pulse_db::testing::TestBackend;
use rstest::rstest;
use serde_json::{Value, json};
use support::{TestApp, event, server_fn_path, sign_in};

/// What the receiver does with a reminder.
#[derive(Clone, Copy)]
enum Mode {
    Accept,
    Fail,
    Hang,
}

#[derive(Clone)]
struct Receiver {
    mode: Arc<Mutex<Mode>>,
    received: Arc<Mutex<Vec<Value>>>,
}

async fn receive(State(receiver): State<Receiver>, Json(body): Json<Value>) -> StatusCode {
    let mode = *receiver.mode.lock().unwrap();
    match mode {
        Mode::Accept => {
            receiver.received.lock().unwrap().push(body);
            StatusCode::ACCEPTED
        }
        Mode::Fail => StatusCode::INTERNAL_SERVER_ERROR,
        Mode::Hang => {
            tokio::time::sleep(Duration::from_secs(4)).await;
            StatusCode::OK
        }
    }
}

/// A host platform's inbox on a random local port; its URL carries a token.
async fn spawn_receiver() -> (Receiver, String) {
    let receiver = Receiver {
        mode: Arc::new(Mutex::new(Mode::Accept)),
        received: Arc::default(),
    };
    let app = axum::Router::new()
        .route("/hooks/pulse", post(receive))
        .with_state(receiver.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/hooks/pulse?token=s3cret-token",
        listener.local_addr().unwrap()
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (receiver, url)
}

async fn call(app: &TestApp, cookie: &str, name: &str, body: Value) -> (u16, Value) {
    let (status, text) = support::call_as(app, cookie, name, &body).await;
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn marks(app: &TestApp, cookie: &str) -> Vec<Value> {
    let response = app
        .client
        .post(format!(
            "{}{}",
            app.url,
            server_fn_path("list_contact_marks")
        ))
        .header("Cookie", cookie)
        .form(&[("agent_id", "agent-a")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    body["marks"].as_array().unwrap().clone()
}

fn contact(users: &[&str], note: &str) -> Value {
    json!({"request": {"agent_id": "agent-a", "user_ids": users, "note": note}})
}

#[rstest]
#[case::sqlite(TestBackend::Sqlite)]
#[case::postgres(TestBackend::Postgres)]
#[tokio::test]
async fn reminders_mark_learners_only_when_the_platform_took_them(#[case] backend: TestBackend) {
    let (receiver, url) = spawn_receiver().await;
    let app = TestApp::spawn_with(backend, |config| {
        config.outreach_webhook = Some(url.clone());
        config.outreach_timeout = 1;
    })
    .await;
    let batch = json!([
        event("1", "agent-a", "u1", "message", 30),
        event("2", "agent-a", "u2", "message", 20),
        event("3", "agent-b", "u3", "message", 10),
    ]);
    assert_eq!(app.post_events(&batch).await.status(), 200);
    app.account("teacher", "a long password", Role::Admin, &["agent-a"])
        .await;
    let cookie = sign_in(&app, "teacher", "a long password").await;

    let (status, _) = call(
        &app,
        &cookie,
        "send_reminder",
        contact(&["u1", "u2"], "Week 3 is open"),
    )
    .await;
    assert_eq!(status, 200);
    let received = receiver.received.lock().unwrap().clone();
    assert_eq!(
        received,
        [
            json!({"agent_id": "agent-a", "user_ids": ["u1", "u2"], "message": "Week 3 is open", "sent_by": "teacher"})
        ]
    );
    let stored = marks(&app, &cookie).await;
    assert_eq!(stored.len(), 2);
    for mark in &stored {
        assert_eq!(mark["marked_by"], "teacher");
        assert_eq!(mark["note"], "Week 3 is open");
        assert_eq!(mark["reminder"], true);
    }

    // The platform fails: 502 that says so, and nothing is marked.
    *receiver.mode.lock().unwrap() = Mode::Fail;
    let (status, error) = call(&app, &cookie, "send_reminder", contact(&["u1"], "again")).await;
    assert_eq!(status, 502, "{error}");
    let text = error.to_string();
    assert!(text.contains("answered 500"), "{text}");
    assert!(
        !text.contains("s3cret"),
        "the webhook's token leaked: {text}"
    );
    // Too slow: 504, nothing marked.
    *receiver.mode.lock().unwrap() = Mode::Hang;
    let (status, error) = call(&app, &cookie, "send_reminder", contact(&["u1"], "again")).await;
    assert_eq!(status, 504, "{error}");
    assert!(!error.to_string().contains("s3cret"));
    let after = marks(&app, &cookie).await;
    assert_eq!(after, stored, "a failed reminder marked somebody");

    // A learner of another agent: nothing is sent, nothing marked.
    *receiver.mode.lock().unwrap() = Mode::Accept;
    let (status, error) = call(&app, &cookie, "send_reminder", contact(&["u1", "u3"], "x")).await;
    assert_eq!(status, 404, "{error}");
    assert!(error.to_string().contains("u3"), "{error}");
    assert_eq!(receiver.received.lock().unwrap().len(), 1);
    app.cleanup().await;
}

/// Reminders carry a signature the host platform can check: the
/// HMAC-SHA256 of `TIMESTAMP.BODY` under the shared secret, recomputed
/// here by openssl from the bytes the receiver got.
#[tokio::test]
async fn reminders_are_signed_with_the_shared_secret() {
    type Seen = Arc<Mutex<Vec<(axum::http::HeaderMap, axum::body::Bytes)>>>;
    let seen: Seen = Arc::default();
    let record = |State(seen): State<Seen>,
                  headers: axum::http::HeaderMap,
                  body: axum::body::Bytes| async move {
        seen.lock().unwrap().push((headers, body));
        StatusCode::NO_CONTENT
    };
    let receiver = axum::Router::new()
        .route("/hook", post(record))
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, receiver).await.unwrap() });
    let secret = "a shared secret of the platform";
    let app = TestApp::spawn_with(TestBackend::Sqlite, |config| {
        config.outreach_webhook = Some(url.clone());
        config.outreach_webhook_secret = Some(secret.into());
    })
    .await;
    assert_eq!(
        app.post_events(&json!([event("1", "agent-a", "u1", "message", 30)]))
            .await
            .status(),
        200
    );
    app.account("teacher", "a long password", Role::Admin, &["agent-a"])
        .await;
    let cookie = sign_in(&app, "teacher", "a long password").await;
    let (status, _) = call(&app, &cookie, "send_reminder", contact(&["u1"], "Hello")).await;
    assert_eq!(status, 200);
    let (headers, body) = seen.lock().unwrap()[0].clone();
    let timestamp = headers["x-pulse-timestamp"].to_str().unwrap().to_owned();
    let age = chrono::Utc::now().timestamp() - timestamp.parse::<i64>().unwrap();
    assert!((0..60).contains(&age), "timestamp {timestamp}");
    let mut signed = timestamp.into_bytes();
    signed.push(b'.');
    signed.extend_from_slice(&body);
    let input = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(input.path(), &signed).unwrap();
    let openssl = std::process::Command::new("openssl")
        .args(["dgst", "-sha256", "-hmac", secret, "-r"])
        .arg(input.path())
        .output()
        .unwrap();
    let expected = String::from_utf8(openssl.stdout).unwrap();
    let expected = expected.split_whitespace().next().unwrap();
    assert_eq!(
        headers["x-pulse-signature"].to_str().unwrap(),
        format!("sha256={expected}")
    );
    let sent: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(sent["user_ids"], json!(["u1"]));
    app.cleanup().await;
}

#[rstest]
#[case::sqlite(TestBackend::Sqlite)]
#[case::postgres(TestBackend::Postgres)]
#[tokio::test]
async fn contact_marks_are_all_or_nothing_and_plain_text(#[case] backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    let batch = json!([
        event("1", "agent-a", "u1", "message", 30),
        event("2", "agent-a", "u2", "message", 20),
    ]);
    assert_eq!(app.post_events(&batch).await.status(), 200);
    app.account("teacher", "a long password", Role::Admin, &["agent-a"])
        .await;
    let cookie = sign_in(&app, "teacher", "a long password").await;
    // One unknown learner: refused by name, nobody marked.
    let (status, error) = call(
        &app,
        &cookie,
        "mark_contacted",
        contact(&["u1", "ghost"], "hi"),
    )
    .await;
    assert_eq!(status, 404, "{error}");
    assert!(error.to_string().contains("ghost"));
    assert!(marks(&app, &cookie).await.is_empty());
    // Too long a note, none at all: 400, nothing stored.
    let long = "x".repeat(1001);
    let (status, error) = call(&app, &cookie, "mark_contacted", contact(&["u1"], &long)).await;
    assert_eq!(status, 400, "{error}");
    assert!(error.to_string().contains("1000"), "{error}");
    let (status, _) = call(&app, &cookie, "mark_contacted", contact(&[], "hi")).await;
    assert_eq!(status, 400);
    assert!(marks(&app, &cookie).await.is_empty());
    // Without a webhook, reminders are refused and say why.
    let (status, error) = call(&app, &cookie, "send_reminder", contact(&["u1"], "hi")).await;
    assert_eq!(status, 400);
    assert!(
        error.to_string().contains("PULSE_OUTREACH_WEBHOOK"),
        "{error}"
    );
    // Markup and formulas are kept as the text typed; the latest mark wins.
    let note = "<img src=x onerror=alert(1)> =HYPERLINK(\"x\")";
    for text in ["first call", note] {
        let (status, _) = call(&app, &cookie, "mark_contacted", contact(&["u1"], text)).await;
        assert_eq!(status, 200);
    }
    let stored = marks(&app, &cookie).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["user_id"], "u1");
    assert_eq!(stored[0]["note"], note);
    assert_eq!(stored[0]["reminder"], false);
    // The learner page lists both, newest first.
    let response = app
        .client
        .post(format!("{}{}", app.url, server_fn_path("learner_details")))
        .header("Cookie", &cookie)
        .form(&[
            ("agent_id", "agent-a"),
            ("user_id", "u1"),
            ("query[period]", "7d"),
            ("query[tz]", "UTC"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let page: Value = response.json().await.unwrap();
    let notes: Vec<&str> = page["marks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|mark| mark["note"].as_str().unwrap())
        .collect();
    assert_eq!(notes, [note, "first call"]);
    app.cleanup().await;
}

#[rstest]
#[case::sqlite(TestBackend::Sqlite)]
#[case::postgres(TestBackend::Postgres)]
#[tokio::test]
async fn the_learner_view_over_rest_and_its_refusals(#[case] backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    let batch = json!([
        event("1", "agent-a", "u1", "message", 60 * 24 * 20),
        event("2", "agent-a", "u2", "message", 30),
        event("3", "agent-b", "u3", "message", 10),
    ]);
    assert_eq!(app.post_events(&batch).await.status(), 200);
    let base = "/api/v1/agents/agent-a/users";
    let (status, view) = app.get_json(&format!("{base}/u2?period=7d&tz=UTC")).await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["user"]["user_id"], "u2");
    assert_eq!(view["user"]["status"], "new");
    assert_eq!(view["days"].as_array().unwrap().len(), 7);
    // u1's only event was 20 days ago: stopped with 14 days, not with 30.
    let (_, u1) = app.get_json(&format!("{base}/u1?period=7d")).await;
    assert_eq!(u1["user"]["status"], "stopped");
    let (_, u1) = app
        .get_json(&format!("{base}/u1?period=7d&inactive_days=30"))
        .await;
    assert_ne!(u1["user"]["status"], "stopped");
    // The user table says the same, in JSON and in CSV.
    let (_, table) = app
        .get_json(&format!("{base}?period=7d&inactive_days=30"))
        .await;
    let statuses: Vec<&str> = table["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses.len(), 2);
    assert_eq!(statuses[0], u1["user"]["status"]);
    let csv = app
        .request(
            reqwest::Method::GET,
            &format!("{base}?period=7d&format=csv"),
            Some(&app.read_key),
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.starts_with(
        "user_id,username,name,registered_at,messages,active_days,last_active,first_active,previous_messages,previous_active_days,status\r\n"
    ));
    assert!(
        csv.contains(",stopped\r\n") && csv.contains(",new\r\n"),
        "{csv}"
    );
    // Refusals: a learner of another agent and an unknown one are 404, a
    // bad inactive_days 400 naming it, a key limited to agent B 403.
    for path in [
        format!("{base}/u3"),
        format!("{base}/nobody"),
        "/api/v1/agents/nope/users/u1".into(),
    ] {
        let (status, body) = app.get_json(&path).await;
        assert_eq!(status, 404, "{path}: {body}");
    }
    for days in ["0", "3651", "soon"] {
        let (status, body) = app
            .get_json(&format!("{base}/u1?inactive_days={days}"))
            .await;
        assert_eq!(status, 400, "{body}");
        assert!(
            body["error"].as_str().unwrap().contains("inactive_days"),
            "{body}"
        );
    }
    let key_b = app.key(pulse_db::keys::KeyScope::Read, &["agent-b"]).await;
    let response = app
        .client
        .get(format!("{}{base}/u1", app.url))
        .bearer_auth(key_b)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    app.cleanup().await;
}
