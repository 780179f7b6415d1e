//! The HTTP surface: the SPA, the server functions, the REST API and the
//! operational endpoints.

mod api;
mod health;
mod security;
mod server_fns;
mod spa;

use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use pulse_app::server::ServerContext;

use crate::config::ServeConfig;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub context: ServerContext,
}

pub fn router(state: AppState, config: &ServeConfig) -> Router {
    let mut router = Router::new()
        .route("/healthz", get(health::healthz))
        .nest("/api/v1", api::router())
        // Server functions are named /api/NAME: one segment, apart from /api/v1/...
        .route("/api/{fn_name}", post(server_fns::handle))
        .with_state(state)
        .fallback_service(spa::router(&config.dist_dir));
    for layer in security::layers(&config.dist_dir) {
        router = router.layer(layer);
    }
    let limit = Duration::from_secs(config.request_timeout);
    router.layer(middleware::from_fn(move |request, next| {
        within(limit, request, next)
    }))
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
