//! What `/api/...` answers before any handler runs: unknown paths and
//! methods in the API's JSON error shape, and the server functions' checks
//! on where a call comes from (`PULSE_PUBLIC_URL`) and what its body is.

use crate::support;

use pulse_db::testing::{TestBackend, TestDb};
use reqwest::header::{CONTENT_TYPE, HOST, ORIGIN};
use reqwest::{Method, Response};
use serde_json::Value;
use support::process::{ServerProcess, free_port};
use support::{TestApp, server_fn_path, test_dist};

const FORM: &str = "application/x-www-form-urlencoded";

/// The status, and the message of a JSON error body (`None` if it is not one).
async fn status_and_error(response: Response) -> (u16, Option<String>) {
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    (status, body["error"].as_str().map(str::to_owned))
}

#[tokio::test]
async fn unknown_api_paths_get_a_json_404_whatever_the_method() {
    let app = TestApp::spawn(TestBackend::Sqlite).await;
    let paths = [
        "/api",
        "/api/",
        "/api/nope",
        "/api/nope/deeper/still",
        "/api/v1",
        "/api/v1/",
        "/api/v1/nope",
        "/api/v2/events",
    ];
    for path in paths {
        for method in [Method::GET, Method::POST, Method::PUT, Method::DELETE] {
            let response = app
                .request(method.clone(), path, None)
                .send()
                .await
                .unwrap();
            let (status, error) = status_and_error(response).await;
            assert_eq!(status, 404, "{method} {path}");
            assert!(
                error.is_some_and(|error| error.contains("no such endpoint")),
                "{method} {path}"
            );
        }
    }
    app.cleanup().await;
}

#[tokio::test]
async fn a_method_an_api_path_does_not_take_gets_a_json_405_naming_the_allowed_ones() {
    let app = TestApp::spawn(TestBackend::Sqlite).await;
    let server_fn = server_fn_path("current_account");
    for (method, path, allowed) in [
        (Method::GET, server_fn.as_str(), "POST"),
        (Method::DELETE, "/api/v1/events", "POST"),
    ] {
        let response = app
            .request(method.clone(), path, None)
            .send()
            .await
            .unwrap();
        let allow = response.headers()["allow"].to_str().unwrap().to_owned();
        let (status, error) = status_and_error(response).await;
        assert_eq!(status, 405, "{method} {path}");
        assert!(allow.contains(allowed), "{method} {path}: Allow {allow}");
        assert!(
            error.is_some_and(|error| error.contains(method.as_str())),
            "{method} {path}"
        );
    }
    app.cleanup().await;
}

/// Calls the `current_account` server function (which answers anyone: 200
/// with `null` when not signed in) with these headers and content type.
async fn current_account(
    url: &str,
    headers: &[(reqwest::header::HeaderName, &str)],
    content_type: Option<&str>,
) -> (u16, Option<String>) {
    let mut request =
        reqwest::Client::new().post(format!("{url}{}", server_fn_path("current_account")));
    for (name, value) in headers {
        request = request.header(name, *value);
    }
    if let Some(content_type) = content_type {
        request = request.header(CONTENT_TYPE, content_type);
    }
    status_and_error(request.body("").send().await.unwrap()).await
}

#[tokio::test]
async fn with_a_public_url_only_calls_from_that_exact_origin_are_taken() {
    let db = TestDb::new(TestBackend::Sqlite).await;
    let dist = test_dist();
    let server = ServerProcess::start(
        &db.url,
        free_port(),
        dist.path(),
        &[("PULSE_PUBLIC_URL", "https://pulse.school.example/")],
    )
    .await;
    let url = server.url.as_str();
    let public_host = (HOST, "pulse.school.example");

    // Behind a TLS proxy that forwards Host: the scheme decides.
    let (status, error) = current_account(
        url,
        &[public_host.clone(), (ORIGIN, "http://pulse.school.example")],
        Some(FORM),
    )
    .await;
    assert_eq!(
        (status, error.as_deref()),
        (403, Some("cross-site requests are refused"))
    );
    for origin in [
        "https://evil.example",
        "https://pulse.school.example:8443",
        "null",
    ] {
        let (status, _) =
            current_account(url, &[public_host.clone(), (ORIGIN, origin)], Some(FORM)).await;
        assert_eq!(status, 403, "{origin}");
    }

    // The public origin, however spelt, whatever the Host header says.
    for origin in [
        "https://pulse.school.example",
        "HTTPS://Pulse.School.Example:443",
    ] {
        let (status, _) =
            current_account(url, &[public_host.clone(), (ORIGIN, origin)], Some(FORM)).await;
        assert_eq!(status, 200, "{origin}");
        let (status, _) = current_account(url, &[(ORIGIN, origin)], Some(FORM)).await;
        assert_eq!(status, 200, "{origin} with the server's own Host");
    }

    // No Origin: not a browser's call; handled as before.
    assert_eq!(current_account(url, &[], Some(FORM)).await.0, 200);
    // Still refused when the browser says it is cross-site.
    let cross_site = (
        reqwest::header::HeaderName::from_static("sec-fetch-site"),
        "cross-site",
    );
    assert_eq!(current_account(url, &[cross_site], Some(FORM)).await.0, 403);
    drop(server);
    db.cleanup().await;
}

#[tokio::test]
async fn without_a_public_url_the_origin_must_name_the_host_header() {
    let app = TestApp::spawn(TestBackend::Sqlite).await;
    let address = app.url.trim_start_matches("http://").to_owned();
    let port = address.rsplit_once(':').unwrap().1;
    let other_port: u16 = port.parse::<u16>().unwrap().wrapping_add(1);
    for (origin, host, expected) in [
        (format!("http://{address}"), address.clone(), 200),
        (format!("https://{address}"), address.clone(), 200),
        (
            format!("http://LOCALHOST:{port}"),
            format!("localhost:{port}"),
            200,
        ),
        (
            "http://pulse.test:80".to_owned(),
            "pulse.test".to_owned(),
            200,
        ),
        (
            "https://pulse.test".to_owned(),
            "pulse.test:443".to_owned(),
            200,
        ),
        (
            format!("http://127.0.0.1:{other_port}"),
            address.clone(),
            403,
        ),
        (
            "https://pulse.test".to_owned(),
            "pulse.test".to_owned() + ":80",
            403,
        ),
        ("null".to_owned(), address.clone(), 403),
    ] {
        let (status, _) =
            current_account(&app.url, &[(HOST, &host), (ORIGIN, &origin)], Some(FORM)).await;
        assert_eq!(status, expected, "Origin {origin}, Host {host}");
    }
    assert_eq!(current_account(&app.url, &[], Some(FORM)).await.0, 200);
    app.cleanup().await;
}

#[tokio::test]
async fn server_functions_take_only_the_bodies_the_app_sends() {
    let app = TestApp::spawn(TestBackend::Sqlite).await;
    // Forms, and JSON (for the functions whose arguments are structured; a
    // page of another site cannot send JSON without asking first).
    for content_type in [
        FORM,
        "application/x-www-form-urlencoded; charset=UTF-8",
        "Application/X-WWW-Form-Urlencoded",
        "application/json",
    ] {
        let (status, _) = current_account(&app.url, &[], Some(content_type)).await;
        assert_eq!(status, 200, "{content_type}");
    }
    for content_type in [
        Some("text/plain"),
        Some("text/plain; charset=UTF-8"),
        Some("multipart/form-data; boundary=x"),
        None,
    ] {
        let (status, error) = current_account(&app.url, &[], content_type).await;
        assert_eq!(status, 415, "{content_type:?}");
        assert!(
            error.is_some_and(|error| error.contains(FORM) && error.contains("application/json")),
            "{content_type:?}"
        );
    }
    app.cleanup().await;
}
