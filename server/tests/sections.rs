//! Sections over real HTTP (docs/API.md, "Sections"): the routes that make
//! them, the `section` of every read, callers limited to sections (a key,
//! an administrator), and `pulse roster import`.

use crate::support;

use std::process::Command;

use pulse_db::accounts::Role;
use pulse_db::keys::KeyScope;
use pulse_db::sections::SectionLimits;
use pulse_db::testing::TestBackend;
use reqwest::Method;
use rstest::rstest;
use serde_json::{Value, json};
use support::{TestApp, event, server_fn_path, sign_in};

/// Agent "tutor" with learners u1, u2, u3; section s1 = {u1}, s2 = {u2}.
async fn app_with_sections(backend: TestBackend) -> TestApp {
    let app = TestApp::spawn(backend).await;
    let batch = json!([
        event("1", "tutor", "u1", "message", 30),
        event("2", "tutor", "u2", "message", 20),
        event("3", "tutor", "u2", "message", 10),
        event("4", "tutor", "u3", "heartbeat", 5),
    ]);
    assert_eq!(app.post_events(&batch).await.status(), 200);
    for (section, user) in [("s1", "u1"), ("s2", "u2")] {
        let put = |path: String, body: Option<Value>| {
            let request = app.request(Method::PUT, &path, Some(&app.ingest_key));
            match body {
                Some(body) => request.json(&body),
                None => request,
            }
        };
        let made = put(
            format!("/api/v1/agents/tutor/sections/{section}"),
            Some(json!({"name": format!("Section {section}")})),
        );
        assert_eq!(made.send().await.unwrap().status(), 204);
        let member = put(
            format!("/api/v1/agents/tutor/sections/{section}/members/{user}"),
            None,
        );
        assert_eq!(member.send().await.unwrap().status(), 204);
    }
    app
}

async fn get(app: &TestApp, path: &str, key: &str) -> (u16, Value) {
    let response = app
        .request(Method::GET, path, Some(key))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn user_ids(table: &Value) -> Vec<&str> {
    table["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["user_id"].as_str().unwrap())
        .collect()
}

#[rstest]
#[case::sqlite(TestBackend::Sqlite)]
#[case::postgres(TestBackend::Postgres)]
#[tokio::test]
async fn every_read_follows_the_section(#[case] backend: TestBackend) {
    let app = app_with_sections(backend).await;
    let key = app.read_key.clone();
    let (status, sections) = get(&app, "/api/v1/agents/tutor/sections", &key).await;
    assert_eq!(status, 200);
    assert_eq!(
        sections,
        json!([
            {"section_id": "s1", "name": "Section s1", "members": 1},
            {"section_id": "s2", "name": "Section s2", "members": 1},
        ])
    );
    let (_, overview) = get(&app, "/api/v1/agents/tutor/users/overview?section=s2", &key).await;
    assert_eq!(
        (
            &overview["registered"],
            &overview["active_users"],
            &overview["messages"]
        ),
        (&json!(1), &json!(1), &json!(2))
    );
    let (_, table) = get(&app, "/api/v1/agents/tutor/users?section=s1", &key).await;
    assert_eq!(user_ids(&table), ["u1"]);
    let csv = app
        .request(
            Method::GET,
            "/api/v1/agents/tutor/users?section=s1&format=csv",
            Some(&key),
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(csv.lines().count(), 2, "{csv}");
    assert!(csv.contains("\r\nu1,") && !csv.contains("u2"), "{csv}");
    let (status, _) = get(&app, "/api/v1/agents/tutor/users/u2?section=s1", &key).await;
    assert_eq!(status, 404, "a learner outside the section");
    let (status, error) = get(&app, "/api/v1/agents/tutor/users/trend?section=nope", &key).await;
    assert_eq!(status, 404);
    assert!(error["error"].as_str().unwrap().contains("nope"), "{error}");
    // The whole agent is still all three.
    let (_, whole) = get(&app, "/api/v1/agents/tutor/users", &key).await;
    assert_eq!(user_ids(&whole), ["u1", "u2", "u3"]);
    app.cleanup().await;
}

#[rstest]
#[case::sqlite(TestBackend::Sqlite)]
#[case::postgres(TestBackend::Postgres)]
#[tokio::test]
async fn a_key_limited_to_a_section_reads_and_writes_only_it(#[case] backend: TestBackend) {
    let app = app_with_sections(backend).await;
    let limits = SectionLimits(vec![("tutor".into(), "s1".into())]);
    let now = pulse_db::time::Millis::now();
    let agents = Some(vec!["tutor".to_owned()]);
    let store = &app.db.store;
    let (reader, _) = store
        .create_limited_key(KeyScope::Read, agents.clone(), limits.clone(), None, now)
        .await
        .unwrap();
    let (writer, _) = store
        .create_limited_key(KeyScope::Ingest, agents, limits, None, now)
        .await
        .unwrap();
    let (_, sections) = get(&app, "/api/v1/agents/tutor/sections", &reader).await;
    assert_eq!(sections.as_array().unwrap().len(), 1);
    assert_eq!(sections[0]["section_id"], "s1");
    for path in [
        "/api/v1/agents/tutor/users",
        "/api/v1/agents/tutor/users?section=s1",
    ] {
        let (status, table) = get(&app, path, &reader).await;
        assert_eq!((status, user_ids(&table)), (200, vec!["u1"]), "{path}");
    }
    let (_, dashboard) = get(&app, "/api/v1/agents/tutor/users/dashboard", &reader).await;
    assert_eq!(dashboard["overview"]["registered"], 1);
    assert_eq!(dashboard["overview"]["messages"], 1);
    let (status, _) = get(
        &app,
        "/api/v1/agents/tutor/users/overview?section=s2",
        &reader,
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = get(&app, "/api/v1/agents/tutor/users/u2", &reader).await;
    assert_eq!(status, 404);
    let put_member = |section: &str| {
        app.request(
            Method::PUT,
            &format!("/api/v1/agents/tutor/sections/{section}/members/u3"),
            Some(&writer),
        )
    };
    assert_eq!(put_member("s2").send().await.unwrap().status(), 403);
    // u3 is in no section: a key of s1 may not pull them in
    // (learner_reach.rs has the whole rule).
    assert_eq!(put_member("s1").send().await.unwrap().status(), 403);
    let (_, table) = get(&app, "/api/v1/agents/tutor/users", &reader).await;
    assert_eq!(user_ids(&table), ["u1"]);
    app.cleanup().await;
}

/// Calls a server function as the holder of `cookie`: status and JSON.
async fn call(app: &TestApp, cookie: &str, name: &str, body: Value) -> (u16, Value) {
    let response = app
        .client
        .post(format!("{}{}", app.url, server_fn_path(name)))
        .header("Cookie", cookie)
        .header("Accept", "application/json")
        .form(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[rstest]
#[case::sqlite(TestBackend::Sqlite)]
#[case::postgres(TestBackend::Postgres)]
#[tokio::test]
async fn an_administrator_of_one_section_sees_nobody_else(#[case] backend: TestBackend) {
    let app = app_with_sections(backend).await;
    app.account("ta", "a long password", Role::Admin, &[]).await;
    let store = &app.db.store;
    assert!(
        store
            .grant_agent("ta", "tutor", &["s1".to_owned()])
            .await
            .unwrap()
    );
    let cookie = sign_in(&app, "ta", "a long password").await;
    let query = |section: Option<&str>| {
        let mut form = json!({"agent_id": "tutor", "query[period]": "7d", "query[tz]": "UTC"});
        if let Some(section) = section {
            form["query[section]"] = json!(section);
        }
        form
    };
    let (status, dashboard) = call(&app, &cookie, "users_dashboard", query(None)).await;
    assert_eq!(status, 200, "{dashboard}");
    assert_eq!(user_ids(&dashboard["users"]), ["u1"]);
    assert_eq!(dashboard["overview"]["registered"], 1);
    let (status, _) = call(&app, &cookie, "users_dashboard", query(Some("s2"))).await;
    assert_eq!(status, 403);
    let (_, sections) = call(&app, &cookie, "list_sections", json!({"agent_id": "tutor"})).await;
    assert_eq!(sections.as_array().unwrap().len(), 1, "{sections}");
    let mut learner = query(None);
    learner["user_id"] = json!("u2");
    let (status, _) = call(&app, &cookie, "learner_details", learner).await;
    assert_eq!(status, 404);
    // Regrouping learners is for administrators of the whole agent.
    let form = json!({"agent_id": "tutor", "section_id": "s1", "name": "Mine"});
    let (status, _) = call(&app, &cookie, "save_section", form).await;
    assert_eq!(status, 403);
    let (status, online) = call(&app, &cookie, "online_now", json!({"agent_id": "tutor"})).await;
    assert_eq!((status, online), (200, json!(0)));
    // Marking a learner of another section refuses the whole mark.
    let marked = app
        .client
        .post(format!("{}{}", app.url, server_fn_path("mark_contacted")))
        .header("Cookie", &cookie)
        .json(&json!({"request": {"agent_id": "tutor", "user_ids": ["u1", "u2"], "note": ""}}))
        .send()
        .await
        .unwrap();
    assert_eq!(marked.status(), 404);
    assert!(
        store
            .latest_marks(&store.find_agent("tutor").await.unwrap().unwrap())
            .await
            .unwrap()
            .is_empty()
    );
    app.cleanup().await;
}

#[rstest]
#[case::sqlite(TestBackend::Sqlite)]
#[case::postgres(TestBackend::Postgres)]
#[tokio::test]
async fn roster_import_is_all_or_nothing(#[case] backend: TestBackend) {
    let db = pulse_db::testing::TestDb::new(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("roster.csv");
    let pulse = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_pulse"))
            .args(args)
            .env("PULSE_DATABASE_URL", &db.url)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    };
    let path = file.to_str().unwrap();
    std::fs::write(
        &file,
        "section_id,user_id,section_name,name\np1,u1,Period 1,Ann\np 2,u2,,\np1,,,\np2,u4,,Dee\n",
    )
    .unwrap();
    let refused = pulse(&["roster", "import", path, "--agent", "tutor"]);
    let said = String::from_utf8_lossy(&refused.stderr).to_string();
    assert!(!refused.status.success());
    assert!(
        said.contains("line 3: section_id") && said.contains("line 4: user_id"),
        "{said}"
    );
    assert!(said.contains("nothing was imported"), "{said}");
    assert!(db.store.find_agent("tutor").await.unwrap().is_none());
    std::fs::write(
        &file,
        "section_id,user_id,section_name,name\np1,u1,Period 1,Ann\np2,u2,,\np2,u4,,Dee\n",
    )
    .unwrap();
    let done = pulse(&["roster", "import", path, "--agent", "tutor"]);
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let agent = db.store.find_agent("tutor").await.unwrap().unwrap();
    let sections = db.store.list_sections(&agent).await.unwrap();
    let counts: Vec<(&str, &str, u64)> = sections
        .iter()
        .map(|s| (s.section_id.as_str(), s.name.as_str(), s.members))
        .collect();
    assert_eq!(counts, [("p1", "Period 1", 1), ("p2", "p2", 2)]);
    db.cleanup().await;
}

#[rstest]
#[case::sqlite(TestBackend::Sqlite)]
#[case::postgres(TestBackend::Postgres)]
#[tokio::test]
async fn retention_over_http_takes_weeks_week_start_and_section(#[case] backend: TestBackend) {
    let app = app_with_sections(backend).await;
    let key = app.read_key.clone();
    let path = "/api/v1/agents/tutor/users/retention";
    let (status, retention) = get(&app, &format!("{path}?weeks=3&week_start=sunday"), &key).await;
    assert_eq!(status, 200, "{retention}");
    let weeks = retention["weeks"].as_array().unwrap();
    assert_eq!(weeks.len(), 3);
    assert_eq!(weeks[2]["complete"], false);
    assert_eq!(weeks[0]["complete"], true);
    let start = chrono::NaiveDate::parse_from_str(weeks[2]["start"].as_str().unwrap(), "%Y-%m-%d");
    assert_eq!(start.unwrap().format("%a").to_string(), "Sun");
    let lengths: Vec<usize> = retention["cohorts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|cohort| cohort["active"].as_array().unwrap().len())
        .collect();
    assert_eq!(lengths, [3, 2, 1]);
    // All three learners began within the last half hour: in this week's
    // cohort, or last week's just after the week turned.
    let sum = |list: &str, field: &str| -> u64 {
        retention[list]
            .as_array()
            .unwrap()
            .iter()
            .map(|entry| entry[field].as_u64().unwrap())
            .sum()
    };
    assert_eq!((sum("cohorts", "size"), sum("lifecycle", "new")), (3, 3));
    let (_, p2) = get(&app, &format!("{path}?section=s2"), &key).await;
    assert_eq!(p2["weeks"].as_array().unwrap().len(), 8);
    let sizes: u64 = p2["cohorts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["size"].as_u64().unwrap())
        .sum();
    assert_eq!(sizes, 1);
    for (query, named) in [
        ("weeks=0", "weeks"),
        ("weeks=27", "weeks"),
        ("week_start=friday", "week_start"),
    ] {
        let (status, error) = get(&app, &format!("{path}?{query}"), &key).await;
        assert_eq!(status, 400, "{query}");
        assert!(
            error["error"].as_str().unwrap().contains(named),
            "{query}: {error}"
        );
    }
    app.cleanup().await;
}
