//! The read API, operations endpoints and the serving of the SPA.

use crate::support;

use pulse_db::testing::TestBackend;
use reqwest::Method;
use rstest::rstest;
use serde_json::json;
use support::{TestApp, event};

/// The dashboard read is the four reads in one answer, field for field.
#[rstest]
#[case::sqlite(TestBackend::Sqlite)]
#[case::postgres(TestBackend::Postgres)]
#[tokio::test]
async fn the_dashboard_read_is_the_four_reads_in_one(#[case] backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    let batch = json!([
        event("1", "tutor", "ann", "message", 3),
        event("2", "tutor", "ann", "message", 2),
        event("3", "tutor", "bob", "session_start", 1),
        event("4", "essays", "cy", "message", 1),
    ]);
    assert_eq!(app.post_events(&batch).await.status(), 200);
    let query = "period=7d&tz=Asia/Kolkata";
    let (status, dashboard) = app
        .get_json(&format!("/api/v1/agents/tutor/users/dashboard?{query}"))
        .await;
    assert_eq!(status, 200, "{backend:?}: {dashboard}");
    for (part, path) in [
        ("trend", "users/trend"),
        ("heatmap", "users/heatmap"),
        ("users", "users"),
        ("overview", "users/overview"),
    ] {
        let (status, mut alone) = app
            .get_json(&format!("/api/v1/agents/tutor/{path}?{query}"))
            .await;
        assert_eq!(status, 200, "{backend:?} {path}");
        let mut together = dashboard[part].clone();
        if part == "overview" {
            // The period ends at `now`, which moved between the two reads.
            assert_eq!(together["period"]["start"], alone["period"]["start"]);
            for overview in [&mut together, &mut alone] {
                overview["period"]["end"] = json!(null);
            }
        }
        assert_eq!(together, alone, "{backend:?}: {part}");
    }
    assert_eq!(dashboard["users"]["users"].as_array().unwrap().len(), 2);
    let (status, _) = app
        .get_json("/api/v1/agents/tutor/users/dashboard?period=7d&bogus=1")
        .await;
    assert_eq!(status, 400);
    app.cleanup().await;
}

#[rstest]
#[case::sqlite(TestBackend::Sqlite)]
#[case::postgres(TestBackend::Postgres)]
#[tokio::test]
async fn figures_answer_in_the_shapes_of_the_api(#[case] backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    let batch = json!([
        event("1", "tutor", "ann", "message", 3),
        event("2", "tutor", "ann", "message", 2),
        event("3", "tutor", "=bob", "session_start", 1),
    ]);
    assert_eq!(app.post_events(&batch).await.status(), 200);

    let (status, overview) = app
        .get_json("/api/v1/agents/tutor/users/overview?period=today&tz=Asia/Kolkata")
        .await;
    assert_eq!(status, 200, "{backend:?}");
    assert_eq!(overview["tz"], "Asia/Kolkata");
    // Events minutes ago are "today" unless it is just past midnight in
    // Kolkata: counted against the period's own start.
    let start = chrono::DateTime::parse_from_rfc3339(overview["period"]["start"].as_str().unwrap())
        .unwrap();
    let today_messages = batch
        .as_array()
        .unwrap()
        .iter()
        .filter(|event| event["type"] == "message")
        .filter(|event| {
            chrono::DateTime::parse_from_rfc3339(event["at"].as_str().unwrap()).unwrap() >= start
        })
        .count() as u64;
    assert_eq!(
        (
            overview["registered"].as_u64(),
            overview["messages"].as_u64()
        ),
        (Some(2), Some(today_messages))
    );
    assert!(
        overview["period"]["start"]
            .as_str()
            .unwrap()
            .ends_with("+05:30"),
        "{overview}"
    );
    for key in [
        "online",
        "active_30d",
        "active_users",
        "previous_active_users",
        "previous_messages",
    ] {
        assert!(overview[key].is_u64(), "{key} in {overview}");
    }
    assert_eq!(overview["active_30d"], 2);
    // Both have an open session: ann's messages without a session_id
    // form one keyed by the user, and it never ended.
    assert_eq!(overview["online"], 2);

    let (_, trend) = app
        .get_json("/api/v1/agents/tutor/users/trend?period=7d")
        .await;
    assert_eq!(trend["granularity"], "day");
    assert_eq!(trend["buckets"].as_array().unwrap().len(), 7);
    let total: u64 = trend["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["messages"].as_u64().unwrap())
        .sum();
    assert_eq!(total, 2);

    let (_, heatmap) = app
        .get_json("/api/v1/agents/tutor/users/heatmap?period=30d&tz=UTC")
        .await;
    for grid in ["users", "messages", "occurrences"] {
        let rows = heatmap[grid].as_array().unwrap();
        assert_eq!(rows.len(), 7);
        assert!(rows.iter().all(|row| row.as_array().unwrap().len() == 24));
    }

    let csv = app
        .request(
            Method::GET,
            "/api/v1/agents/tutor/users?format=csv",
            Some(&app.read_key),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let text = csv.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "user_id,username,name,registered_at,messages,active_days,last_active,\
         first_active,previous_messages,previous_active_days,status"
    );
    assert_eq!(lines.len(), 3);
    assert!(
        lines.iter().any(|line| line.starts_with("'=bob,,,")),
        "a formula is defused: {text}"
    );
    let by_accept = app
        .request(
            Method::GET,
            "/api/v1/agents/tutor/users",
            Some(&app.read_key),
        )
        .header("Accept", "text/csv")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(by_accept.lines().next(), Some(lines[0]));
    app.cleanup().await;
}

#[tokio::test]
async fn bad_periods_zones_and_parameters_get_a_400_that_says_why() {
    let app = TestApp::spawn(TestBackend::Sqlite).await;
    assert_eq!(
        app.post_events(&json!([event("1", "tutor", "ann", "message", 3)]))
            .await
            .status(),
        200
    );
    let cases = [
        ("period=week", "unknown period"),
        ("tz=Mars/Base", "unknown time zone"),
        (
            "period=custom&from=2026-01-10&to=2026-01-01",
            "must not be after to",
        ),
        (
            "period=custom&from=2020-01-01&to=2021-12-31",
            "at most 366 days",
        ),
        ("period=custom&from=2999-01-01&to=2999-01-02", "after today"),
        ("period=custom&from=01/02/2026&to=2026-01-05", "YYYY-MM-DD"),
        ("period=custom&to=2026-01-05", "from is required"),
        ("perod=7d", "unknown query parameter"),
    ];
    for (query, expected) in cases {
        let (status, body) = app
            .get_json(&format!("/api/v1/agents/tutor/users/overview?{query}"))
            .await;
        assert_eq!(status, 400, "{query}");
        assert!(
            body["error"].as_str().unwrap().contains(expected),
            "{query}: {body}"
        );
    }
    let (status, body) = app.get_json("/api/v1/agents/tutor/users?format=xml").await;
    assert_eq!(
        (
            status,
            body["error"].as_str().unwrap().contains("json or csv")
        ),
        (400, true)
    );
    let (status, _) = app.get_json("/api/v1/agents/nobody/users/trend").await;
    assert_eq!(status, 404);
    let (status, body) = app.get_json("/api/v1/nothing/here").await;
    assert_eq!(status, 404);
    assert!(body["error"].is_string());
    app.cleanup().await;
}

#[tokio::test]
async fn health_spa_routes_and_cache_headers() {
    let app = TestApp::spawn(TestBackend::Sqlite).await;
    let get = |path: &str| app.client.get(format!("{}{path}", app.url)).send();
    assert_eq!(get("/healthz").await.unwrap().status(), 200);
    for client_route in ["/", "/agents/tutor/analytics/users"] {
        let response = get(client_route).await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["cache-control"],
            "no-cache",
            "{client_route}"
        );
        assert!(response.text().await.unwrap().contains("Pulse test"));
    }
    let page = get("/").await.unwrap();
    let policy = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        policy.contains("script-src 'self' 'wasm-unsafe-eval'")
            && policy.contains("frame-ancestors 'none'"),
        "{policy}"
    );
    assert_eq!(page.headers()["x-content-type-options"], "nosniff");
    assert_eq!(page.headers()["referrer-policy"], "no-referrer");
    let unhashed = get("/robots.txt").await.unwrap();
    assert_eq!(
        unhashed.headers()["cache-control"],
        "no-cache",
        "a file without a content hash is revalidated"
    );
    let asset = get("/app-0123456789abcdef.js").await.unwrap();
    assert_eq!(
        asset.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    app.cleanup().await;
}

#[tokio::test]
async fn every_server_function_is_registered() {
    let app = TestApp::spawn(TestBackend::Sqlite).await;
    let paths: Vec<String> = server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.to_owned())
        .collect();
    for name in ["list_agents", "get_agent", "users_dashboard"] {
        assert!(
            paths
                .iter()
                .any(|path| path.starts_with(&format!("/api/{name}"))),
            "{name} in {paths:?}"
        );
    }
    // That each one answers, and to whom, is the authorization matrix's job.
    app.cleanup().await;
}

#[tokio::test]
async fn the_openapi_document_describes_every_route() {
    let app = TestApp::spawn(TestBackend::Sqlite).await;
    let (_, document) = app.get_json("/api/v1/openapi.json").await;
    assert_eq!(document["openapi"], "3.1.0");
    let paths = document["paths"].as_object().unwrap();
    for (path, method) in [
        ("/api/v1/events", "post"),
        ("/api/v1/agents", "get"),
        ("/api/v1/agents/{agent_id}", "put"),
        ("/api/v1/users/{user_id}", "put"),
        ("/api/v1/agents/{agent_id}/members/{user_id}", "put"),
        ("/api/v1/agents/{agent_id}/members/{user_id}", "delete"),
        ("/api/v1/agents/{agent_id}/users/overview", "get"),
        ("/api/v1/agents/{agent_id}/users/trend", "get"),
        ("/api/v1/agents/{agent_id}/users/heatmap", "get"),
        ("/api/v1/agents/{agent_id}/users/dashboard", "get"),
        ("/api/v1/agents/{agent_id}/users", "get"),
        ("/healthz", "get"),
    ] {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} is not documented"
        );
    }
    app.cleanup().await;
}
