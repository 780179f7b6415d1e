use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use leptos::prelude::provide_context;
use pulse_app::server::ClientAddress;

use super::AppState;

/// Answers the browser app's server-function calls, giving them the server
/// context and the caller's address (for sign-in throttling).
pub async fn handle(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request<Body>,
) -> Response {
    if is_cross_site(&request) {
        return (StatusCode::FORBIDDEN, "cross-site requests are refused").into_response();
    }
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
    .into_response()
}

/// Whether a browser sent this from another site (cross-site request
/// forgery). The session cookie is SameSite=Strict already; this refuses
/// what a browser marks as cross-site or whose Origin is not this host.
fn is_cross_site(request: &Request<Body>) -> bool {
    let headers = request.headers();
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    if header("sec-fetch-site").is_some_and(|site| site == "cross-site" || site == "same-site") {
        return true;
    }
    match (header("origin"), header("host")) {
        (Some(origin), Some(host)) => origin.split_once("://").map(|(_, rest)| rest) != Some(host),
        (Some(_), None) => true,
        _ => false,
    }
}
