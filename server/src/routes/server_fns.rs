//! The browser app's server functions, `/api/NAME`, behind three checks
//! that leptos does not make: the name is registered, the call comes from
//! this site, and its body is in one of the two encodings the app sends.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::{ALLOW, CONTENT_TYPE, RETRY_AFTER};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use leptos::prelude::provide_context;
use pulse_app::server::ClientAddress;
use pulse_model::ApiError;

use super::AppState;
use super::api::HttpError;
use crate::config::Origin;

/// The body encodings of the app's server functions: Leptos' default
/// (`PostUrl`), and JSON for those whose arguments are structured
/// (`#[server(input = Json)]`). Leptos answers a function sent the other
/// one 400.
const ENCODINGS: [&str; 2] = ["application/x-www-form-urlencoded", "application/json"];

/// Answers the browser app's server-function calls, giving them the server
/// context and the caller's address (for sign-in throttling).
pub async fn handle(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request<Body>,
) -> Response {
    if let Some(refusal) = refusal(&request, state.public_origin.as_ref()) {
        return refusal;
    }
    let is_sign_in = request.uri().path().starts_with("/api/login");
    let request_headers = request.headers().clone();
    let context = state.context.clone();
    let address = ClientAddress(
        super::client_address::client_address(peer.ip(), request.headers(), &state.trusted_proxies)
            .to_string(),
    );
    let response = leptos_axum::handle_server_fns_with_context(
        move || {
            provide_context(context.clone());
            provide_context(address.clone());
        },
        request,
    )
    .await
    .into_response();
    let response = with_true_status(response).await;
    let response = state
        .kept_answers
        .compress(&request_headers, response)
        .await;
    if is_sign_in {
        match response.status() {
            StatusCode::BAD_REQUEST => super::metrics::count_sign_in_failure("wrong"),
            StatusCode::TOO_MANY_REQUESTS => super::metrics::count_sign_in_failure("throttled"),
            _ => {}
        }
    }
    response
}

/// Leptos answers every error 500, whoever is at fault. An error of ours
/// (an `ApiError` in JSON) gets the status that tells the truth instead,
/// by the one mapping the REST API uses too: 4xx for the caller's
/// mistakes, 5xx only for the server's faults.
async fn with_true_status(response: Response) -> Response {
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, ERROR_BODY_LIMIT).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    if let Ok(error) = serde_json::from_slice::<ApiError>(&bytes) {
        parts.status =
            StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if let ApiError::TooManyRequests { retry_after, .. } = error {
            parts
                .headers
                .insert(RETRY_AFTER, HeaderValue::from(retry_after));
        }
        if parts.status.is_server_error() {
            tracing::error!(%error, "server function failed");
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// Error answers are a short JSON message.
const ERROR_BODY_LIMIT: usize = 64 * 1024;

/// The answer, in the API's error shape, to a call not to be passed on.
fn refusal(request: &Request<Body>, public_origin: Option<&Origin>) -> Option<Response> {
    if let Some(unknown) = unregistered(request.method(), request.uri().path()) {
        return Some(unknown);
    }
    if is_cross_site(request.headers(), public_origin) {
        return Some(HttpError::forbidden("cross-site requests are refused").into_response());
    }
    if !is_app_encoding(request.headers()) {
        let message = format!("server functions take a {} body", ENCODINGS.join(" or "));
        return Some(HttpError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, message).into_response());
    }
    None
}

/// A 404 or a 405 unless a server function answers `method` at `path`
/// (leptos would answer 400 with text meant for its developers).
fn unregistered(method: &Method, path: &str) -> Option<Response> {
    let methods: Vec<Method> = server_fn::axum::server_fn_paths()
        .filter(|(registered, _)| *registered == path)
        .map(|(_, method)| method)
        .collect();
    if methods.contains(method) {
        return None;
    }
    if methods.is_empty() {
        return Some(super::no_such_endpoint().into_response());
    }
    let allow = methods
        .iter()
        .map(Method::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    let mut response = super::method_not_allowed(method).into_response();
    if let Ok(allow) = HeaderValue::from_str(&allow) {
        response.headers_mut().insert(ALLOW, allow);
    }
    Some(response)
}

/// Whether a browser sent this from another site (cross-site request
/// forgery). The session cookie is SameSite=Strict already; this refuses
/// what a browser marks as cross-site, and an Origin other than the public
/// origin when one is configured. Without one, the Origin's host and port
/// must be the Host header's: the scheme cannot be checked, since the
/// server does not know which one its clients use (a TLS proxy may be in
/// front). Browsers send Origin with every POST, so a call without one is
/// not a browser's (a script's, with its own credentials) and goes on.
fn is_cross_site(headers: &HeaderMap, public_origin: Option<&Origin>) -> bool {
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    if header("sec-fetch-site").is_some_and(|site| site == "cross-site" || site == "same-site") {
        return true;
    }
    let Some(origin) = header("origin") else {
        return false;
    };
    // `null` (sandboxed frames, some redirects) names no site: refused.
    let Ok(origin) = Origin::parse(origin) else {
        return true;
    };
    match public_origin {
        Some(public) => origin != *public,
        None => !header("host").is_some_and(|host| origin.has_authority(host)),
    }
}

/// Whether the body is in an encoding the app sends. A page of another
/// site may send a form, `text/plain` or `multipart/form-data` without the
/// browser asking this server first; leptos would decode any of them (or
/// none) as a form, so all but the two the app sends are refused. (JSON
/// from another site needs the browser to ask first, which nothing here
/// allows.)
fn is_app_encoding(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|media_type| {
            ENCODINGS
                .iter()
                .any(|encoding| media_type.trim().eq_ignore_ascii_case(encoding))
        })
}
