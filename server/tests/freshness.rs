//! Never stale across processes: two `pulse serve` processes on one
//! database, each keeping the figures it computed. A write acknowledged by
//! one (an event, late or recent, a rename, a registration, an erasure) is
//! in the very next read from the other, which had the same figures kept
//! from before the write.

use crate::support;

use chrono::{Duration, Utc};
use pulse_db::keys::KeyScope;
use pulse_db::testing::{TestBackend, TestDb};
use reqwest::{Client, Method};
use rstest::rstest;
use serde_json::{Value, json};
use support::process::{ServerProcess, free_port};
use support::{create_key, test_dist};

struct Instance {
    server: ServerProcess,
    client: Client,
}

impl Instance {
    async fn send(&self, method: Method, path: &str, key: &str, body: Option<Value>) -> Value {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.server.url))
            .bearer_auth(key);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        assert!(status.is_success(), "{path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }
}

/// The messages and name of `user` in the dashboard `instance` answers.
async fn figures_of(instance: &Instance, key: &str, query: &str, user: &str) -> (u64, u64, Value) {
    let dashboard = instance
        .send(
            Method::GET,
            &format!("/api/v1/agents/tutor/users/dashboard?{query}"),
            key,
            None,
        )
        .await;
    let row = dashboard["users"]["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["user_id"] == user)
        .cloned()
        .unwrap_or(Value::Null);
    (
        dashboard["overview"]["messages"].as_u64().unwrap(),
        row["messages"].as_u64().unwrap_or(0),
        row["name"].clone(),
    )
}

#[rstest]
#[case::sqlite(TestBackend::Sqlite)]
#[case::postgres(TestBackend::Postgres)]
#[tokio::test]
async fn a_write_through_one_server_is_read_through_the_other(#[case] backend: TestBackend) {
    let _alone = support::one_at_a_time().await;
    let db = TestDb::new(backend).await;
    let dist = test_dist();
    let start = async || Instance {
        server: ServerProcess::start(&db.url, free_port(), dist.path(), &[]).await,
        client: Client::new(),
    };
    let (first, second) = (start().await, start().await);
    let ingest_key = create_key(&db, KeyScope::Ingest, None).await;
    let read_key = create_key(&db, KeyScope::Read, None).await;
    // A closed day in the past: the same instants at every read, so an
    // answer kept from an earlier read would be found under the same key.
    let day = (Utc::now() - Duration::days(3)).date_naive();
    let query = format!("period=custom&from={day}&to={day}&tz=UTC");
    let event = |id: &str, hour: u32| {
        json!({
            "id": id, "type": "message", "agent_id": "tutor", "user_id": "ann",
            "at": format!("{day}T{hour:02}:00:00Z"),
        })
    };
    first
        .send(
            Method::POST,
            "/api/v1/events",
            &ingest_key,
            Some(json!([event("e1", 9)])),
        )
        .await;
    for (writer, reader) in [(&first, &second), (&second, &first)] {
        let before = figures_of(reader, &read_key, &query, "ann").await;
        // Asked twice: the second answer may come from what the reader kept.
        assert_eq!(figures_of(reader, &read_key, &query, "ann").await, before);

        let id = format!("e{}", before.0 + 1);
        writer
            .send(
                Method::POST,
                "/api/v1/events",
                &ingest_key,
                Some(json!([event(&id, 10)])),
            )
            .await;
        let after_event = figures_of(reader, &read_key, &query, "ann").await;
        assert_eq!(
            after_event.0,
            before.0 + 1,
            "{backend:?}: the period's messages"
        );
        assert_eq!(after_event.1, before.1 + 1, "{backend:?}: ann's messages");

        let name = format!("Ann {}", before.0);
        writer
            .send(
                Method::PUT,
                "/api/v1/users/ann",
                &ingest_key,
                Some(json!({ "name": name })),
            )
            .await;
        let renamed = figures_of(reader, &read_key, &query, "ann").await;
        assert_eq!(renamed.2, json!(name), "{backend:?}: the rename");

        let newcomer = format!("newcomer-{}", before.0);
        writer
            .send(
                Method::PUT,
                &format!("/api/v1/agents/tutor/members/{newcomer}"),
                &ingest_key,
                None,
            )
            .await;
        let table = reader
            .send(
                Method::GET,
                &format!("/api/v1/agents/tutor/users?{query}"),
                &read_key,
                None,
            )
            .await;
        assert!(
            table["users"]
                .as_array()
                .unwrap()
                .iter()
                .any(|row| row["user_id"] == newcomer),
            "{backend:?}: the registration"
        );
    }

    // A live agent: the Past 7 Days keep their closed days' facts across
    // recent events; each write still shows through the other server.
    let week = "period=7d&tz=America/New_York";
    let recent = |id: &str, user: &str, minutes_ago: i64| {
        let at = Utc::now() - Duration::minutes(minutes_ago);
        json!([{"id": id, "type": "message", "agent_id": "tutor", "user_id": user,
                "at": at.to_rfc3339()}])
    };
    for (n, (writer, reader)) in [(&first, &second), (&second, &first)]
        .into_iter()
        .enumerate()
    {
        let before = figures_of(reader, &read_key, week, "bo").await;
        let id = format!("recent-{n}");
        writer
            .send(
                Method::POST,
                "/api/v1/events",
                &ingest_key,
                Some(recent(&id, "bo", 5)),
            )
            .await;
        let after = figures_of(reader, &read_key, week, "bo").await;
        assert_eq!(after.1, before.1 + 1, "{backend:?}: a recent event");
        // A late one, four days back: on a day the reader keeps as closed.
        let id = format!("late-{n}");
        writer
            .send(
                Method::POST,
                "/api/v1/events",
                &ingest_key,
                Some(recent(&id, "bo", 4 * 24 * 60)),
            )
            .await;
        let late = figures_of(reader, &read_key, week, "bo").await;
        assert_eq!(late.1, after.1 + 1, "{backend:?}: a late event");
    }
    // An erasure through one, read through the other.
    let kept = figures_of(&second, &read_key, week, "bo").await;
    assert_eq!(kept.1, 4);
    first
        .send(Method::DELETE, "/api/v1/users/bo", &ingest_key, None)
        .await;
    let erased = figures_of(&second, &read_key, week, "bo").await;
    assert_eq!(
        (erased.0, erased.1),
        (kept.0 - 4, 0),
        "{backend:?}: the erasure"
    );
    drop((first, second));
    db.cleanup().await;
}
