//! The HTTP surface: the SPA, the server functions, the REST API and the
//! operational endpoints.

mod api;
mod client_address;
mod embed;
mod first_paint;
mod health;
pub(crate) mod metrics;
mod page_shell;
mod security;
mod server_fns;
mod share_page;
mod single_sign_on;
mod spa;

use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::http::{Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use pulse_app::server::ServerContext;
use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::trace::{DefaultOnFailure, TraceLayer};

use crate::config::{Origin, ServeConfig};
pub use api::KeptAnswers;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub context: ServerContext,
    /// The site's public origin when configured (`PULSE_PUBLIC_URL`): the only
    /// origin whose pages may call the server functions.
    pub public_origin: Option<Origin>,
    /// Reverse proxies whose forwarding headers are believed.
    pub trusted_proxies: std::sync::Arc<[ipnet::IpNet]>,
    /// Who may read `/metrics`.
    pub metrics_allow: std::sync::Arc<[ipnet::IpNet]>,
    /// Answers kept as sent: REST reads until a write changes their
    /// figures, the server functions' large answers by their content.
    pub kept_answers: KeptAnswers,
    /// The host platforms that may embed the Users tab (docs/EMBED.md).
    pub embedding: std::sync::Arc<crate::embedding::Embedding>,
    /// The school's OpenID provider, when single sign-on is on (docs/SSO.md).
    pub single_sign_on: Option<std::sync::Arc<crate::single_sign_on::SingleSignOn>>,
}

pub fn router(state: AppState, config: &ServeConfig) -> Router {
    let state_embedding = std::sync::Arc::clone(&state.embedding);
    let index_html = spa::index_html(config.dist_dir.as_deref());
    let mut router = Router::new()
        .route("/healthz", get(health::healthz))
        // Rendered here, without the web app (docs/API.md, "The share page").
        .route(
            "/share/{token}",
            get(share_page::show).post(share_page::submit),
        )
        // The app's page, with the tab's first figures in it.
        .route(
            "/agents/{agent_id}/analytics/users",
            get(first_paint::users_tab),
        )
        .route("/embed/{*page}", get(embed::page))
        .route(
            crate::single_sign_on::LOGIN_PATH,
            get(single_sign_on::login),
        )
        .route(
            crate::single_sign_on::CALLBACK_PATH,
            get(single_sign_on::callback),
        )
        .route("/metrics", get(metrics::metrics))
        .nest(
            "/api/v1",
            api::router().method_not_allowed_fallback(|method: Method| async move {
                method_not_allowed(&method)
            }),
        )
        // Server functions are named /api/NAME; every other path under /api/
        // (and /api/v1 itself) is answered there too, with a JSON 404, so that
        // no API caller gets the web app's page or a framework's own text.
        .route("/api/{*path}", any(server_fns::handle))
        .route("/api", any(|| async { no_such_endpoint() }))
        .route("/api/", any(|| async { no_such_endpoint() }))
        .with_state(state)
        .layer(axum::Extension(page_shell::PageShell::new(&index_html)))
        .fallback_service(spa::router(config.dist_dir.as_deref()))
        .layer(middleware::from_fn(metrics::record));
    router = router.layer(middleware::from_fn_with_state(
        security::SecurityHeaders::new(&index_html, state_embedding),
        security::add_headers,
    ));
    // Answers are compressed when the client accepts it and they are worth
    // it; the web app's files come precompressed (the layer leaves alone
    // what already has a Content-Encoding).
    router = router.layer(
        // Level 6: brotli's default here is a fast setting that lost to
        // gzip on the user table (docs/BENCHMARKS.md, "Bytes on the wire").
        // zstd, preferred when accepted (Chromium does), compresses a large
        // user table several times faster at this level for a few percent
        // more bytes: what a live agent's every read pays.
        CompressionLayer::new()
            .quality(CompressionLevel::Precise(COMPRESSION_LEVEL))
            .compress_when(
                SizeAbove::new(COMPRESS_ABOVE_BYTES)
                    .and(NotForContentType::IMAGES)
                    .and(NotForContentType::SSE),
            ),
    );
    let limit = Duration::from_secs(config.request_timeout);
    router
        .layer(middleware::from_fn(move |request, next| {
            within(limit, request, next)
        }))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_request(())
                .on_response(record_answer)
                .on_failure(DefaultOnFailure::new().level(tracing::Level::ERROR)),
        )
}

/// A request's span: method and route template (never the path itself:
/// paths carry agent and user ids), and the status once answered.
fn request_span(request: &Request) -> tracing::Span {
    let route = request
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or("web app", |matched| matched.as_str())
        .to_owned();
    tracing::info_span!("request", method = %request.method(), route, status = tracing::field::Empty)
}

/// Every answer at debug level with its latency; 5xx also at error level.
fn record_answer(response: &Response, latency: Duration, span: &tracing::Span) {
    span.record("status", response.status().as_u16());
    tracing::debug!(latency_ms = latency.as_secs_f64() * 1000.0, "answered");
}

/// Installs the process's metrics recorder (`/metrics`).
pub fn install_metrics() {
    metrics::install();
}

/// Smaller answers gain too little from compression to pay for it (an
/// Ethernet frame holds about 1,400 bytes).
pub(crate) const COMPRESS_ABOVE_BYTES: u16 = 1024;

/// The level of answers the compression layer compresses, and of brotli and
/// gzip for kept answers (zstd's for those: `kept_answers::Effort`).
pub(crate) const COMPRESSION_LEVEL: i32 = 6;

/// The answer to a path under /api that names nothing.
fn no_such_endpoint() -> api::HttpError {
    api::HttpError::not_found("no such endpoint; the REST API is described at /api/v1/openapi.json")
}

/// The answer to a method an API path does not take (the caller adds `Allow`).
fn method_not_allowed(method: &Method) -> api::HttpError {
    api::HttpError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("this endpoint does not take {method}"),
    )
}

/// Answers 408 when a request (a slow client's body, say) takes longer
/// than `limit`, so that it cannot hold a connection and a stopping server.
async fn within(limit: Duration, request: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => api::HttpError::new(
            StatusCode::REQUEST_TIMEOUT,
            format!(
                "the request took longer than {} s and was abandoned; sending it again is safe",
                limit.as_secs()
            ),
        )
        .into_response(),
    }
}
