use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::IntoResponse;
use leptos::prelude::provide_context;

use super::AppState;

/// Answers the browser app's server-function calls, giving them the server context.
pub async fn handle(State(state): State<AppState>, request: Request<Body>) -> impl IntoResponse {
    let context = state.context.clone();
    leptos_axum::handle_server_fns_with_context(move || provide_context(context.clone()), request)
        .await
}
