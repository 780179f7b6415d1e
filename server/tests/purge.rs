//! `PULSE_RETENTION_DAYS`: a server started on a database holding old
//! events deletes those past the period at once, keeps the others, and
//! tells the Users tab how many days it keeps.

use crate::support;

use chrono::{Duration, Utc};
use pulse_db::accounts::Role;
use pulse_db::ingest::validate_batch;
use pulse_db::testing::{TestBackend, TestDb};
use pulse_db::time::Millis;
use serde_json::json;
use support::{TestApp, server_fn_path, sign_in};

#[tokio::test]
async fn events_past_the_period_are_deleted_at_start_and_the_tab_is_told() {
    for backend in [TestBackend::Sqlite, TestBackend::Postgres] {
        let db = TestDb::new(backend).await;
        let now = Utc::now();
        let at = |days: i64| (now - Duration::days(days)).to_rfc3339();
        let events = vec![
            json!({"id": "old", "type": "message", "agent_id": "a", "user_id": "u1", "at": at(40)}),
            json!({"id": "older", "type": "message", "agent_id": "a", "user_id": "u2", "at": at(60)}),
            json!({"id": "new", "type": "message", "agent_id": "a", "user_id": "u1", "at": at(2)}),
        ];
        let batch = validate_batch(&events, now).unwrap();
        db.store.ingest(&batch, Millis::now()).await.unwrap();
        let app = TestApp::spawn_on(db, |config| config.retention_days = Some(10)).await;

        let from = (now - Duration::days(90)).date_naive();
        let to = now.date_naive();
        let path =
            format!("/api/v1/agents/a/users/overview?period=custom&from={from}&to={to}&tz=UTC");
        let mut messages = None;
        for _ in 0..100 {
            let (status, overview) = app.get_json(&path).await;
            assert_eq!(status, 200);
            messages = overview["messages"].as_u64();
            if messages == Some(1) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(messages, Some(1), "{backend:?}: only the kept event counts");
        let (_, overview) = app.get_json(&path).await;
        // Registrations stay: they are not events.
        assert_eq!(overview["registered"], 2, "{backend:?}");
        let (_, users) = app
            .get_json(&format!(
                "/api/v1/agents/a/users?period=custom&from={from}&to={to}&tz=UTC"
            ))
            .await;
        let u1 = users["users"]
            .as_array()
            .unwrap()
            .iter()
            .find(|row| row["user_id"] == "u1")
            .unwrap()
            .clone();
        assert_eq!(
            u1["first_active"], u1["last_active"],
            "{backend:?}: first active moved"
        );

        app.account("teacher", "a long password", Role::Admin, &["a"])
            .await;
        let cookie = sign_in(&app, "teacher", "a long password").await;
        let response = app
            .client
            .post(format!("{}{}", app.url, server_fn_path("kept_event_days")))
            .header("Cookie", cookie)
            .form(&[("", ""); 0])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.text().await.unwrap(), "10");
        app.db.cleanup().await;
    }
}
