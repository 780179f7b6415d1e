use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::response::IntoResponse;
use leptos::prelude::provide_context;
use pulse_app::server::ClientAddress;

use super::AppState;

/// Answers the browser app's server-function calls, giving them the server
/// context and the caller's address (for sign-in throttling).
pub async fn handle(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request<Body>,
) -> impl IntoResponse {
    let context = state.context.clone();
    let address = ClientAddress(peer.ip().to_string());
    leptos_axum::handle_server_fns_with_context(
        move || {
            provide_context(context.clone());
            provide_context(address.clone());
        },
        request,
    )
    .await
}
