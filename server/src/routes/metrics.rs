//! `GET /metrics` in the Prometheus text format, and the middleware that
//! counts requests. Labels carry route templates (`/api/v1/agents/{agent_id}
//! /users`), never agent or user ids. Served only to addresses in
//! `PULSE_METRICS_ALLOW` (loopback by default): the figures describe the
//! server, not anybody's learners, but there is no reason to publish them.

use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use super::AppState;
use super::api::HttpError;
use super::client_address::client_address;

const REQUESTS: &str = "pulse_http_requests_total";
const LATENCY: &str = "pulse_http_request_duration_seconds";
const POOL: &str = "pulse_db_pool_connections";
const EVENTS: &str = "pulse_events_total";
const SIGN_IN_FAILURES: &str = "pulse_sign_in_failures_total";

/// The process's recorder, installed on first use (tests start several
/// apps in one process; they share it).
fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full(LATENCY.to_owned()),
                &[
                    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
                ],
            )
            .expect("the buckets are not empty")
            .install_recorder()
            .expect("no other metrics recorder is installed")
    })
}

/// Installs the recorder and describes the metrics.
pub fn install() {
    handle();
    metrics::describe_counter!(
        REQUESTS,
        "HTTP requests answered, by route template, method and status"
    );
    metrics::describe_histogram!(
        LATENCY,
        metrics::Unit::Seconds,
        "Time to answer, by route template and method"
    );
    metrics::describe_gauge!(
        POOL,
        "Database connections of each pool: open, and idle among them"
    );
    metrics::describe_counter!(
        EVENTS,
        "Events sent to POST /api/v1/events: stored, duplicate, or refused (in refused batches)"
    );
    metrics::describe_counter!(
        SIGN_IN_FAILURES,
        "Failed sign-ins: wrong credentials, or refused by the throttle"
    );
}

/// Counts the events of an ingest request by what became of them.
pub fn count_events(outcome: &'static str, events: u64) {
    metrics::counter!(EVENTS, "outcome" => outcome).increment(events);
}

/// Counts a failed sign-in (`wrong` or `throttled`).
pub fn count_sign_in_failure(reason: &'static str) {
    metrics::counter!(SIGN_IN_FAILURES, "reason" => reason).increment(1);
}

/// Counts every request and times it.
pub async fn record(request: Request, next: Next) -> Response {
    let route = route_label(&request);
    let method = request.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!(REQUESTS, "route" => route.clone(), "method" => method.clone(), "status" => status)
        .increment(1);
    metrics::histogram!(LATENCY, "route" => route, "method" => method)
        .record(started.elapsed().as_secs_f64());
    response
}

/// The route template a request matched; server functions by their
/// registered path (a function name, no data); the web app's files as one.
fn route_label(request: &Request) -> String {
    let path = request.uri().path();
    match request.extensions().get::<MatchedPath>() {
        Some(matched) if matched.as_str() == "/api/{*path}" => {
            let registered = server_fn::axum::server_fn_paths().any(|(name, _)| name == path);
            if registered {
                path.to_owned()
            } else {
                "/api/{unknown}".to_owned()
            }
        }
        Some(matched) => matched.as_str().to_owned(),
        None => "web app".to_owned(),
    }
}

/// `GET /metrics`: Prometheus's text format, for the addresses in
/// `PULSE_METRICS_ALLOW` only.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    security(()),
    responses(
        (status = 200, description = "The server's metrics, Prometheus text format 0.0.4", content_type = "text/plain", body = String),
        (status = 403, description = "The caller's address is not in PULSE_METRICS_ALLOW", body = super::api::ErrorBody),
        (status = 408, description = "Took longer than the request timeout", body = super::api::ErrorBody),
    ),
)]
pub async fn metrics(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let client = client_address(peer.ip(), request.headers(), &state.trusted_proxies);
    if !state
        .metrics_allow
        .iter()
        .any(|network| network.contains(&client))
    {
        return HttpError::new(
            StatusCode::FORBIDDEN,
            "metrics are served only to the addresses in PULSE_METRICS_ALLOW",
        )
        .into_response();
    }
    for pool in state.context.store.pool_usage() {
        metrics::gauge!(POOL, "pool" => pool.name, "state" => "open").set(f64::from(pool.open));
        metrics::gauge!(POOL, "pool" => pool.name, "state" => "idle").set(f64::from(pool.idle));
        metrics::gauge!(POOL, "pool" => pool.name, "state" => "max").set(f64::from(pool.max));
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        handle().render(),
    )
        .into_response()
}
