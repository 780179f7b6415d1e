//! Annotations over real HTTP and from a term calendar (docs/API.md,
//! "Annotations"): put, list, replace, delete, refusals named; `pulse
//! annotations import` all or nothing.

use crate::support;

use std::process::Command;

use pulse_db::keys::KeyScope;
use pulse_db::sections::SectionLimits;
use pulse_db::testing::TestBackend;
use reqwest::Method;
use rstest::rstest;
use serde_json::{Value, json};
use support::{TestApp, event};

#[rstest]
#[case::sqlite(TestBackend::Sqlite)]
#[case::postgres(TestBackend::Postgres)]
#[tokio::test]
async fn notes_are_put_listed_and_deleted(#[case] backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    assert_eq!(
        app.post_events(&json!([event("1", "tutor", "u1", "message", 5)]))
            .await
            .status(),
        200
    );
    let put = |id: &str, body: Value| {
        app.request(
            Method::PUT,
            &format!("/api/v1/agents/tutor/annotations/{id}"),
            Some(&app.ingest_key),
        )
        .json(&body)
    };
    let midterms = json!({"date": "2026-03-02", "end_date": "2026-03-06", "label": "Midterm week"});
    assert_eq!(
        put("midterms", midterms).send().await.unwrap().status(),
        204
    );
    assert_eq!(
        put("launch", json!({"date": "2026-02-01", "label": "Launch"}))
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    let (status, notes) = app.get_json("/api/v1/agents/tutor/annotations").await;
    assert_eq!(status, 200);
    assert_eq!(
        notes,
        json!([
            {"id": "launch", "date": "2026-02-01", "end_date": null, "label": "Launch"},
            {"id": "midterms", "date": "2026-03-02", "end_date": "2026-03-06", "label": "Midterm week"},
        ])
    );
    for (body, named) in [
        (
            json!({"date": "2026-03-02", "end_date": "2026-03-01", "label": "x"}),
            "end_date",
        ),
        (json!({"date": "2026-03-02", "label": ""}), "label"),
    ] {
        let response = put("bad", body).send().await.unwrap();
        assert_eq!(response.status(), 422);
        let error: Value = response.json().await.unwrap();
        assert!(error["error"].as_str().unwrap().contains(named), "{error}");
    }
    let response = put("bad", json!({"date": "March 2nd", "label": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let response = put("a b", json!({"date": "2026-03-02", "label": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    // A key limited to a section of the agent may not note the whole agent.
    let limits = SectionLimits(vec![("tutor".into(), "s1".into())]);
    let now = pulse_db::time::Millis::now();
    let (limited, _) = app
        .db
        .store
        .create_limited_key(
            KeyScope::Ingest,
            Some(vec!["tutor".into()]),
            limits,
            None,
            now,
        )
        .await
        .unwrap();
    let refused = app
        .request(
            Method::PUT,
            "/api/v1/agents/tutor/annotations/x",
            Some(&limited),
        )
        .json(&json!({"date": "2026-03-02", "label": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    let delete = |id: &str| {
        app.request(
            Method::DELETE,
            &format!("/api/v1/agents/tutor/annotations/{id}"),
            Some(&app.ingest_key),
        )
    };
    assert_eq!(delete("launch").send().await.unwrap().status(), 204);
    assert_eq!(delete("launch").send().await.unwrap().status(), 404);
    let (_, notes) = app.get_json("/api/v1/agents/tutor/annotations").await;
    assert_eq!(notes.as_array().unwrap().len(), 1);
    app.cleanup().await;
}

#[rstest]
#[case::sqlite(TestBackend::Sqlite)]
#[case::postgres(TestBackend::Postgres)]
#[tokio::test]
async fn a_term_calendar_imports_all_or_nothing(#[case] backend: TestBackend) {
    let db = pulse_db::testing::TestDb::new(backend).await;
    db.store.put_agent("tutor", "Tutor").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("term.ics");
    let pulse = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_pulse"))
            .args(args)
            .env("PULSE_DATABASE_URL", &db.url)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    };
    let path = file.to_str().unwrap();
    let event = |uid: &str, start: &str, end: &str, summary: &str| {
        format!(
            "BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTART;VALUE=DATE:{start}\r\nDTEND;VALUE=DATE:{end}\r\nSUMMARY:{summary}\r\nEND:VEVENT\r\n"
        )
    };
    let calendar = |events: &[String]| {
        format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n{}END:VCALENDAR\r\n",
            events.concat()
        )
    };
    std::fs::write(
        &file,
        calendar(&[
            event("m", "20260302", "20260307", "Midterms"),
            event("bad", "20260310", "20260309", "Backwards"),
        ]),
    )
    .unwrap();
    let refused = pulse(&["annotations", "import", path, "--agent", "tutor"]);
    let said = String::from_utf8_lossy(&refused.stderr).to_string();
    assert!(!refused.status.success());
    assert!(said.contains("line 9: event: end_date"), "{said}");
    let agent = db.store.find_agent("tutor").await.unwrap().unwrap();
    assert!(db.store.list_annotations(&agent).await.unwrap().is_empty());
    std::fs::write(
        &file,
        calendar(&[
            event("m", "20260302", "20260307", "Midterms"),
            event("b", "20260310", "20260311", "Break"),
        ]),
    )
    .unwrap();
    for _ in 0..2 {
        let done = pulse(&["annotations", "import", path, "--agent", "tutor"]);
        assert!(
            done.status.success(),
            "{}",
            String::from_utf8_lossy(&done.stderr)
        );
    }
    let notes = db.store.list_annotations(&agent).await.unwrap();
    let seen: Vec<(String, String, Option<String>)> = notes
        .iter()
        .map(|n| {
            (
                n.id.clone(),
                n.date.to_string(),
                n.end_date.map(|d| d.to_string()),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (
                "m".to_owned(),
                "2026-03-02".to_owned(),
                Some("2026-03-06".to_owned())
            ),
            ("b".to_owned(), "2026-03-10".to_owned(), None),
        ]
    );
    db.cleanup().await;
}
