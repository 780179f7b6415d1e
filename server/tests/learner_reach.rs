//! Who may register, name and see which learners (docs/METRICS.md,
//! "Learners and their names"), reproduced from outside as a probe found
//! the holes: an administrator or key of one agent pulling in another
//! agent's learner to read their name, a key limited to a section touching
//! learners outside it, a share link outliving its maker's grant, and no
//! limit on sections and annotations. Every case on both backends.

use crate::support;

use pulse_db::accounts::{AccountChange, Role};
use pulse_db::keys::KeyScope;
use pulse_db::sections::SectionLimits;
use pulse_db::testing::TestBackend;
use pulse_model::{MAX_ANNOTATIONS_PER_AGENT, MAX_SECTIONS_PER_AGENT};
use reqwest::Method;
use rstest::rstest;
use serde_json::{Value, json};
use support::{TestApp, event, server_fn_path, sign_in};

/// Agents tutor and essay; ann on tutor, mateo and lena on essay only,
/// each named by the platform (a key for every agent).
async fn two_agents(backend: TestBackend) -> TestApp {
    let app = TestApp::spawn(backend).await;
    assert_eq!(two_agents_on(&app).await, 200);
    app
}

/// The events of [`two_agents`], sent to `app`; the answer's status.
async fn two_agents_on(app: &TestApp) -> u16 {
    let mut batch = json!([
        event("1", "tutor", "ann", "message", 30),
        event("2", "essay", "mateo", "message", 20),
        event("3", "essay", "lena", "message", 10),
    ]);
    for (index, (username, name)) in [
        ("ann.k", "Ann Kim"),
        ("mateo.smith2", "Mateo Smith"),
        ("lena.o", "Lena Olsen"),
    ]
    .into_iter()
    .enumerate()
    {
        batch[index]["username"] = json!(username);
        batch[index]["name"] = json!(name);
    }
    app.post_events(&batch).await.status().as_u16()
}

async fn call(app: &TestApp, cookie: &str, name: &str, body: Value) -> (u16, String) {
    support::call_as(app, cookie, name, &body).await
}

async fn call_form(
    app: &TestApp,
    cookie: &str,
    name: &str,
    form: &[(&str, &str)],
) -> (u16, String) {
    support::call_form_as(app, cookie, name, form).await
}

async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    key: &str,
    body: Option<Value>,
) -> (u16, String) {
    let mut request = app.request(method, path, Some(key));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// The row of `user_id` in a user table (JSON).
fn row<'a>(table: &'a Value, user_id: &str) -> &'a Value {
    table["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["user_id"] == user_id)
        .unwrap_or_else(|| panic!("no row {user_id} in {table}"))
}

/// The probe's first step: "teacher", an administrator of tutor only,
/// makes a section and puts in it mateo (a learner of essay only) and an
/// id nobody has; both are taken, with the same answer. The teacher's
/// session cookie.
async fn teacher_pulls_in_mateo(app: &TestApp) -> String {
    app.account("teacher", "a long password", Role::Admin, &["tutor"])
        .await;
    let cookie = sign_in(app, "teacher", "a long password").await;
    let form = [
        ("agent_id", "tutor"),
        ("section_id", "probe"),
        ("name", "Probe"),
    ];
    assert_eq!(call_form(app, &cookie, "save_section", &form).await.0, 200);
    let members =
        json!({"agent_id": "tutor", "section_id": "probe", "user_ids": ["mateo", "nobody-xyz"]});
    let (status, text) = call(app, &cookie, "set_section_members", members).await;
    assert_eq!(status, 200, "{text}");
    cookie
}

#[rstest]
#[case::sqlite(TestBackend::Sqlite)]
#[case::postgres(TestBackend::Postgres)]
#[tokio::test]
async fn an_administrator_of_one_agent_never_reads_another_agents_learner(
    #[case] backend: TestBackend,
) {
    let app = two_agents(backend).await;
    let cookie = teacher_pulls_in_mateo(&app).await;
    let query = [
        ("agent_id", "tutor"),
        ("query[period]", "7d"),
        ("query[tz]", "UTC"),
        ("query[section]", "probe"),
    ];
    let (status, text) = call_form(&app, &cookie, "users_dashboard", &query).await;
    assert_eq!(status, 200, "{text}");
    let dashboard: Value = serde_json::from_str(&text).unwrap();
    for id in ["mateo", "nobody-xyz"] {
        let found = row(&dashboard["users"], id);
        assert_eq!(
            (&found["username"], &found["name"]),
            (&Value::Null, &Value::Null),
            "{id}"
        );
        assert_eq!(found["messages"], 0, "no activity of essay shows on tutor");
        assert_eq!(found["last_active"], Value::Null, "{id}");
    }
    assert_eq!(
        row(&dashboard["users"], "mateo"),
        &{
            let mut same = row(&dashboard["users"], "nobody-xyz").clone();
            same["user_id"] = json!("mateo");
            same
        },
        "the two rows differ only in their id"
    );
    for secret in ["Mateo Smith", "mateo.smith2"] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
    // The learner page tells nothing more.
    let (status, text) = call_form(
        &app,
        &cookie,
        "learner_details",
        &[
            ("agent_id", "tutor"),
            ("user_id", "mateo"),
            ("query[period]", "30d"),
            ("query[tz]", "UTC"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{text}");
    assert!(
        !text.contains("Mateo Smith") && !text.contains("mateo.smith2"),
        "{text}"
    );
    // On essay, the platform's names are still what everyone there sees.
    let (_, essay) = app.get_json("/api/v1/agents/essay/users").await;
    assert_eq!(row(&essay, "mateo")["name"], "Mateo Smith");
    app.cleanup().await;
}

#[rstest]
#[case::sqlite(TestBackend::Sqlite)]
#[case::postgres(TestBackend::Postgres)]
#[tokio::test]
async fn a_key_of_one_agent_registers_and_names_only_there(#[case] backend: TestBackend) {
    let app = two_agents(backend).await;
    let ingest = app.key(KeyScope::Ingest, &["tutor"]).await;
    let read = app.key(KeyScope::Read, &["tutor"]).await;
    let put = |user: &'static str| {
        let ingest = ingest.clone();
        let app = &app;
        async move {
            send(
                app,
                Method::PUT,
                &format!("/api/v1/agents/tutor/members/{user}"),
                &ingest,
                None,
            )
            .await
        }
    };
    // lena belongs to essay, nobody-xyz to no one: the same answer.
    assert_eq!(put("lena").await, put("nobody-xyz").await);
    assert_eq!(put("lena").await.0, 204);
    let (status, text) = send(
        &app,
        Method::GET,
        "/api/v1/agents/tutor/users/lena",
        &read,
        None,
    )
    .await;
    assert_eq!(status, 200, "{text}");
    let view: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        (&view["user"]["username"], &view["user"]["name"]),
        (&Value::Null, &Value::Null)
    );
    assert!(
        !text.contains("Lena Olsen") && !text.contains("lena.o"),
        "{text}"
    );
    // Names the tutor key sends for lena are tutor's: essay keeps its own.
    let mut named = event("4", "tutor", "lena", "message", 5);
    named["name"] = json!("Renamed by tutor");
    let (status, text) = send(
        &app,
        Method::POST,
        "/api/v1/events",
        &ingest,
        Some(json!([named])),
    )
    .await;
    assert_eq!(status, 200, "{text}");
    let (_, tutor) = send(&app, Method::GET, "/api/v1/agents/tutor/users", &read, None).await;
    let tutor: Value = serde_json::from_str(&tutor).unwrap();
    assert_eq!(row(&tutor, "lena")["name"], "Renamed by tutor");
    let (_, essay) = app.get_json("/api/v1/agents/essay/users").await;
    assert_eq!(row(&essay, "lena")["name"], "Lena Olsen");
    assert_eq!(row(&essay, "lena")["username"], "lena.o");
    // The CSV tells no more than the JSON.
    let (_, csv) = send(
        &app,
        Method::GET,
        "/api/v1/agents/tutor/users?format=csv",
        &read,
        None,
    )
    .await;
    assert!(
        !csv.contains("Lena Olsen") && !csv.contains("Mateo"),
        "{csv}"
    );
    app.cleanup().await;
}

/// Agent tutor with u1 in s1, u2 in s2, u3 in no section; a key limited to s1.
async fn sections_and_a_limited_key(backend: TestBackend) -> (TestApp, String) {
    let app = TestApp::spawn(backend).await;
    let mut batch = json!([
        event("1", "tutor", "u1", "message", 30),
        event("2", "tutor", "u2", "message", 20),
        event("3", "tutor", "u3", "message", 10),
    ]);
    batch[1]["name"] = json!("Two");
    assert_eq!(app.post_events(&batch).await.status(), 200);
    for (section, user) in [("s1", "u1"), ("s2", "u2")] {
        let path = format!("/api/v1/agents/tutor/sections/{section}");
        let key = app.ingest_key.clone();
        assert_eq!(
            send(
                &app,
                Method::PUT,
                &path,
                &key,
                Some(json!({"name": section}))
            )
            .await
            .0,
            204
        );
        let path = format!("{path}/members/{user}");
        assert_eq!(send(&app, Method::PUT, &path, &key, None).await.0, 204);
    }
    let (key, _) = app
        .db
        .store
        .create_limited_key(
            KeyScope::Ingest,
            Some(vec!["tutor".to_owned()]),
            SectionLimits(vec![("tutor".into(), "s1".into())]),
            None,
            pulse_db::time::Millis::now(),
        )
        .await
        .unwrap();
    (app, key)
}

#[rstest]
#[case::sqlite(TestBackend::Sqlite)]
#[case::postgres(TestBackend::Postgres)]
#[tokio::test]
async fn a_key_of_one_section_touches_only_its_learners(#[case] backend: TestBackend) {
    let (app, key) = sections_and_a_limited_key(backend).await;
    let before = app.get_json("/api/v1/agents/tutor/users").await.1;
    // Moving in a learner of another section, of no section, or a new one.
    let mut refusals = Vec::new();
    for path in [
        "/api/v1/agents/tutor/sections/s1/members/u2",
        "/api/v1/agents/tutor/sections/s1/members/u3",
        "/api/v1/agents/tutor/sections/s1/members/u-new",
        "/api/v1/agents/tutor/members/u-new",
        "/api/v1/agents/tutor/members/u2",
    ] {
        let (status, text) = send(&app, Method::PUT, path, &key, None).await;
        assert_eq!(status, 403, "{path}: {text}");
        refusals.push(
            text.replace("u2", "ID")
                .replace("u3", "ID")
                .replace("u-new", "ID"),
        );
    }
    assert!(
        refusals[..3].iter().all(|text| *text == refusals[0]),
        "the refusal tells nothing of the learner: {refusals:?}"
    );
    let (status, _) = send(
        &app,
        Method::DELETE,
        "/api/v1/agents/tutor/members/u2",
        &key,
        None,
    )
    .await;
    assert_eq!(status, 403);
    // An event of u2 renaming them: refused whole, nothing stored.
    let mut rename = event("10", "tutor", "u2", "message", 1);
    rename["name"] = json!("Renamed By s1 Key");
    let batch = json!([event("11", "tutor", "u1", "message", 1), rename]);
    let (status, text) = send(&app, Method::POST, "/api/v1/events", &key, Some(batch)).await;
    assert_eq!(status, 403, "{text}");
    assert!(text.contains("u2") && text.contains("nothing"), "{text}");
    assert_eq!(app.get_json("/api/v1/agents/tutor/users").await.1, before);
    // Its own learner: events and names go through; an s1 member again is no change.
    let mut own = event("12", "tutor", "u1", "message", 1);
    own["name"] = json!("One");
    let (status, text) = send(
        &app,
        Method::POST,
        "/api/v1/events",
        &key,
        Some(json!([own])),
    )
    .await;
    assert_eq!(status, 200, "{text}");
    let path = "/api/v1/agents/tutor/sections/s1/members/u1";
    assert_eq!(send(&app, Method::PUT, path, &key, None).await.0, 204);
    let (_, after) = app.get_json("/api/v1/agents/tutor/users").await;
    assert_eq!(row(&after, "u1")["name"], "One");
    assert_eq!(row(&after, "u2")["name"], "Two");
    assert_eq!(after["users"].as_array().unwrap().len(), 3);
    app.cleanup().await;
}

#[rstest]
#[case::sqlite(TestBackend::Sqlite)]
#[case::postgres(TestBackend::Postgres)]
#[tokio::test]
async fn a_share_link_ends_with_its_makers_grant(#[case] backend: TestBackend) {
    let (app, _) = sections_and_a_limited_key(backend).await;
    app.account("teacher", "a long password", Role::Admin, &["tutor"])
        .await;
    let store = &app.db.store;
    let cookie = sign_in(&app, "teacher", "a long password").await;
    let make = |section: Option<&str>| {
        json!({"request": {
            "agent_id": "tutor", "section": section, "period": "7d", "from": null, "to": null,
            "tz": "UTC", "expires_days": 7, "min_count": 2, "password": null,
        }})
    };
    let mut tokens = Vec::new();
    for section in [None, Some("s1")] {
        let (status, text) = call(&app, &cookie, "create_share_link", make(section)).await;
        assert_eq!(status, 200, "{text}");
        let made: Value = serde_json::from_str(&text).unwrap();
        tokens.push(
            made["path"]
                .as_str()
                .unwrap()
                .trim_start_matches("/share/")
                .to_owned(),
        );
    }
    let open = async |token: &str| {
        let response = app
            .client
            .post(format!("{}{}", app.url, server_fn_path("open_share_link")))
            .form(&[("token", token)])
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    };
    for token in &tokens {
        assert_eq!(open(token).await.0, 200);
    }
    let change = |disabled| AccountChange {
        agents: None,
        password_hash: None,
        disabled: Some(disabled),
    };
    store
        .update_account("teacher", &change(true))
        .await
        .unwrap();
    for token in &tokens {
        let (status, text) = open(token).await;
        assert_eq!(status, 404, "{text}");
        assert!(text.contains("no longer works"), "{text}");
    }
    store
        .update_account("teacher", &change(false))
        .await
        .unwrap();
    assert_eq!(open(&tokens[0]).await.0, 200);
    // Limited to s1 now: the whole-agent link ends, the s1 link lives.
    store
        .grant_agent("teacher", "tutor", &["s1".to_owned()])
        .await
        .unwrap();
    assert_eq!(open(&tokens[0]).await.0, 404);
    assert_eq!(open(&tokens[1]).await.0, 200);
    // No grant at all: both end.
    let none = AccountChange {
        agents: Some(Vec::new()),
        password_hash: None,
        disabled: None,
    };
    store.update_account("teacher", &none).await.unwrap();
    assert_eq!(open(&tokens[1]).await.0, 404);
    app.cleanup().await;
}

#[rstest]
#[case::sqlite(TestBackend::Sqlite)]
#[case::postgres(TestBackend::Postgres)]
#[tokio::test]
async fn sections_and_annotations_stop_at_their_limits(#[case] backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    let key = app.ingest_key.clone();
    assert_eq!(
        send(
            &app,
            Method::PUT,
            "/api/v1/agents/tutor",
            &key,
            Some(json!({"name": "Tutor"}))
        )
        .await
        .0,
        204
    );
    for n in 0..MAX_SECTIONS_PER_AGENT {
        let path = format!("/api/v1/agents/tutor/sections/s{n}");
        assert_eq!(
            send(&app, Method::PUT, &path, &key, Some(json!({"name": "S"})))
                .await
                .0,
            204
        );
    }
    let (status, text) = send(
        &app,
        Method::PUT,
        "/api/v1/agents/tutor/sections/one-more",
        &key,
        Some(json!({"name": "S"})),
    )
    .await;
    assert_eq!(status, 409, "{text}");
    assert!(text.contains(&MAX_SECTIONS_PER_AGENT.to_string()), "{text}");
    // Renaming one that exists is no new section.
    let (status, _) = send(
        &app,
        Method::PUT,
        "/api/v1/agents/tutor/sections/s0",
        &key,
        Some(json!({"name": "T"})),
    )
    .await;
    assert_eq!(status, 204);
    let (_, listed) = app.get_json("/api/v1/agents/tutor/sections").await;
    assert_eq!(
        listed.as_array().unwrap().len() as u64,
        MAX_SECTIONS_PER_AGENT
    );

    let agent = app.db.store.find_agent("tutor").await.unwrap().unwrap();
    let notes: Vec<pulse_model::Annotation> = (0..MAX_ANNOTATIONS_PER_AGENT)
        .map(|n| pulse_model::Annotation {
            id: format!("n{n}"),
            date: chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
            end_date: None,
            label: "Week".into(),
        })
        .collect();
    app.db.store.put_annotations(&agent, &notes).await.unwrap();
    let path = "/api/v1/agents/tutor/annotations/one-more";
    let (status, text) = send(
        &app,
        Method::PUT,
        path,
        &key,
        Some(json!({"date": "2026-01-02", "label": "x"})),
    )
    .await;
    assert_eq!(status, 409, "{text}");
    let (_, listed) = app.get_json("/api/v1/agents/tutor/annotations").await;
    assert_eq!(
        listed.as_array().unwrap().len() as u64,
        MAX_ANNOTATIONS_PER_AGENT
    );
    app.cleanup().await;
}

#[rstest]
#[case::sqlite(TestBackend::Sqlite)]
#[case::postgres(TestBackend::Postgres)]
#[tokio::test]
async fn no_reminder_reaches_a_learner_an_administrator_typed_in(#[case] backend: TestBackend) {
    use std::sync::{Arc, Mutex};
    let received: Arc<Mutex<Vec<Value>>> = Arc::default();
    let inbox = axum::Router::new()
        .route(
            "/hook",
            axum::routing::post(
                |axum::extract::State(received): axum::extract::State<Arc<Mutex<Vec<Value>>>>,
                 axum::Json(body): axum::Json<Value>| async move {
                    received.lock().unwrap().push(body);
                    axum::http::StatusCode::NO_CONTENT
                },
            ),
        )
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, inbox).await.unwrap() });
    let db = pulse_db::testing::TestDb::new(backend).await;
    let app = TestApp::spawn_on(db, |config| config.outreach_webhook = Some(url.clone())).await;
    let seeded = two_agents_on(&app).await;
    assert_eq!(seeded, 200);
    // The platform enrols roster-learner on tutor; nobody has used it yet.
    let key = app.ingest_key.clone();
    let path = "/api/v1/agents/tutor/members/roster-learner";
    assert_eq!(send(&app, Method::PUT, path, &key, None).await.0, 204);
    let cookie = teacher_pulls_in_mateo(&app).await;
    let remind = |users: &[&str]| json!({"request": {"agent_id": "tutor", "user_ids": users, "note": "Week 3 is open"}});
    let mut refusals = Vec::new();
    for id in ["mateo", "nobody-xyz"] {
        let (status, text) = call(&app, &cookie, "send_reminder", remind(&[id])).await;
        assert_eq!(status, 403, "{id}: {text}");
        refusals.push(text.replace(id, "ID"));
    }
    assert_eq!(
        refusals[0], refusals[1],
        "the same answer for a known and an unknown id"
    );
    assert!(refusals[0].contains("added by hand"), "{}", refusals[0]);
    assert!(
        received.lock().unwrap().is_empty(),
        "nothing reached the platform"
    );
    // Marking them is still allowed; learners the platform enrolled, or
    // who used the agent, are reminded.
    let mark = json!({"request": {"agent_id": "tutor", "user_ids": ["mateo"], "note": "called"}});
    assert_eq!(call(&app, &cookie, "mark_contacted", mark).await.0, 200);
    let (status, text) = call(
        &app,
        &cookie,
        "send_reminder",
        remind(&["ann", "roster-learner"]),
    )
    .await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(received.lock().unwrap().len(), 1);
    app.cleanup().await;
}
