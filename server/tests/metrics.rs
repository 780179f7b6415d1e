//! `GET /metrics`: the Prometheus text format, with requests by route and
//! status, latencies, events, sign-in failures and database pools; no agent
//! or user id anywhere; only for addresses in PULSE_METRICS_ALLOW.

use crate::support;

use pulse_db::testing::TestBackend;
use serde_json::json;
use support::{TestApp, event};

/// The metrics' text (every check below reads it).
async fn metrics_text(app: &TestApp) -> String {
    app.get_ok("/metrics", "text/plain")
        .await
        .text()
        .await
        .unwrap()
}

/// The value of one series (name and labels exactly as written), 0 when
/// absent.
fn series_value(text: &str, series: &str) -> f64 {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.strip_prefix(series))
        .filter_map(|value| value.trim().parse::<f64>().ok())
        .sum()
}

#[tokio::test]
async fn metrics_count_what_happened_without_naming_anyone() {
    let app = TestApp::spawn(TestBackend::Sqlite).await;
    // The recorder is the process's: other tests in this binary feed it
    // too, so each count is checked to have grown by at least what this
    // test did, between a reading before and one after.
    let counters = [
        r#"pulse_http_requests_total{route="/api/v1/agents/{agent_id}/users/overview",method="GET",status="200"}"#,
        r#"pulse_http_requests_total{route="/api/v1/events",method="POST",status="200"}"#,
        r#"pulse_events_total{outcome="stored"}"#,
        r#"pulse_sign_in_failures_total{reason="wrong"}"#,
    ];
    let before = metrics_text(&app).await;
    let batch = json!([event(
        "m-1",
        "secret-agent-42",
        "learner-xyz-77",
        "message",
        3
    )]);
    assert_eq!(app.post_events(&batch).await.status(), 200);
    let (status, _) = app
        .get_json("/api/v1/agents/secret-agent-42/users/overview?period=7d")
        .await;
    assert_eq!(status, 200);
    let login = support::server_fn_path("login");
    let response = app
        .client
        .post(format!("{}{login}", app.url))
        .form(&[("username", "nobody"), ("password", "wrong password")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);

    let text = metrics_text(&app).await;
    for series in counters {
        let grown = series_value(&text, series) - series_value(&before, series);
        assert!(grown >= 1.0, "{series} grew by {grown}: {text}");
    }
    let has = |needle: &str| {
        text.lines()
            .any(|line| line.contains(needle) && !line.starts_with('#'))
    };
    assert!(has("pulse_http_request_duration_seconds_bucket{"), "{text}");
    assert!(
        has(r#"pulse_db_pool_connections{pool="sqlite read",state="open"}"#),
        "{text}"
    );
    for private in ["secret-agent-42", "learner-xyz-77", "nobody"] {
        assert!(!text.contains(private), "{private} in the metrics");
    }
    app.cleanup().await;
}

#[tokio::test]
async fn metrics_are_served_only_to_allowed_addresses() {
    let app = TestApp::spawn_with(TestBackend::Sqlite, |config| {
        config.metrics_allow = vec!["10.9.8.0/24".parse().unwrap()];
        config.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let get = |forwarded: Option<&'static str>| {
        let mut request = app.client.get(format!("{}/metrics", app.url));
        if let Some(client) = forwarded {
            request = request.header("X-Forwarded-For", client);
        }
        async move { request.send().await.unwrap().status().as_u16() }
    };
    assert_eq!(get(None).await, 403, "loopback is not in the list");
    assert_eq!(
        get(Some("203.0.113.9")).await,
        403,
        "a client behind the proxy"
    );
    assert_eq!(
        get(Some("10.9.8.7")).await,
        200,
        "an allowed scraper behind the proxy"
    );
    app.cleanup().await;
}

#[tokio::test]
async fn request_traces_name_route_status_and_latency_never_ids() {
    use pulse_db::keys::KeyScope;
    use support::process::{ServerProcess, free_port};
    let db = pulse_db::testing::TestDb::new(TestBackend::Sqlite).await;
    let key = support::create_key(&db, KeyScope::Read, None).await;
    let dist = support::test_dist();
    let log = dist.path().join("pulse.log");
    let server = ServerProcess::start_logging_to(
        &db.url,
        free_port(),
        dist.path(),
        &[("RUST_LOG", "info,pulse_server=debug")],
        &log,
    )
    .await;
    let response = reqwest::Client::new()
        .get(format!(
            "{}/api/v1/agents/secret-agent-42/users/overview?period=7d",
            server.url
        ))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    drop(server);
    let text = std::fs::read_to_string(&log).unwrap();
    let line = text
        .lines()
        .find(|line| line.contains("answered") && line.contains("/users/overview"))
        .unwrap_or_else(|| panic!("no trace of the request in {text}"));
    assert!(line.contains("method=GET"), "{line}");
    assert!(
        line.contains(r#"route="/api/v1/agents/{agent_id}/users/overview""#),
        "{line}"
    );
    assert!(line.contains("status=404"), "{line}");
    assert!(line.contains("latency_ms="), "{line}");
    assert!(
        !text.contains("secret-agent-42"),
        "an agent id in the log: {text}"
    );
    db.cleanup().await;
}
