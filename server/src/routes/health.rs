use axum::extract::State;
use axum::http::StatusCode;

use super::AppState;

/// 200 when the database answers, 503 when it does not: for load balancers
/// and monitoring tools.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    security(()),
    responses(
        (status = 200, description = "The database answers", content_type = "text/plain", body = String, example = "ok\n"),
        (status = 408, description = "The check took longer than the request timeout", body = super::api::ErrorBody),
        (status = 503, description = "The database does not answer", content_type = "text/plain", body = String, example = "database unavailable\n"),
    ),
)]
pub async fn healthz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match state.context.store.ping().await {
        Ok(()) => (StatusCode::OK, "ok\n"),
        Err(error) => {
            tracing::warn!(%error, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n")
        }
    }
}
