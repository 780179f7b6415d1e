//! `GET /share/{token}` and, for a link with a password, `POST` of the
//! password form: the share page as plain HTML rendered here
//! (`pulse_app::share_page`), with no script of its own and no
//! WebAssembly. The status says what happened: 200 with the figures or
//! the password form, 403 for a wrong password, 404 for a link that shows
//! nothing, 429 when the address tried too many passwords.

use axum::Extension;
use axum::Form;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use pulse_db::share_links::{Opening, open};
use pulse_model::ApiError;
use serde::Deserialize;
use std::net::SocketAddr;

use super::AppState;
use super::page_shell::PageShell;

/// The password form's field.
#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    password: String,
}

pub async fn show(
    State(state): State<AppState>,
    Extension(shell): Extension<PageShell>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Response {
    answer(&state, &shell, peer, &headers, token, None).await
}

pub async fn submit(
    State(state): State<AppState>,
    Extension(shell): Extension<PageShell>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Path(token): Path<String>,
    Form(form): Form<PasswordForm>,
) -> Response {
    answer(&state, &shell, peer, &headers, token, Some(form.password)).await
}

async fn answer(
    state: &AppState,
    shell: &PageShell,
    peer: SocketAddr,
    headers: &HeaderMap,
    token: String,
    password: Option<String>,
) -> Response {
    let address = super::client_address::client_address(peer.ip(), headers, &state.trusted_proxies);
    let context = &state.context;
    let opening = Opening {
        token,
        password,
        address: address.to_string(),
    };
    let opened = open(
        &context.store,
        &context.hash_gate,
        opening,
        context.settings,
        chrono::Utc::now(),
    )
    .await
    .map_err(ApiError::from);
    let status = match &opened {
        Ok(_) => StatusCode::OK,
        Err(error) => {
            StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
        }
    };
    if status.is_server_error() {
        tracing::error!(error = %opened.as_ref().err().map(ToString::to_string).unwrap_or_default(), "share page");
    }
    let (title, body) = pulse_app::share_page::render(&opened);
    let mut response = (status, Html(document(shell, &title, &body))).into_response();
    let headers = response.headers_mut();
    // The figures are the link's, now: never kept by a browser or a proxy,
    // nor the link's address sent on from here.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert("x-robots-tag", HeaderValue::from_static("noindex"));
    if let Err(ApiError::TooManyRequests { retry_after, .. }) = &opened {
        headers.insert(header::RETRY_AFTER, HeaderValue::from(*retry_after));
    }
    response
}

/// The whole HTML document around the rendered `body`.
fn document(shell: &PageShell, title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />\n\
         <meta name=\"color-scheme\" content=\"light dark\" />\n\
         <meta name=\"robots\" content=\"noindex\" />\n\
         <title>{} · Pulse</title>\n\
         <link rel=\"icon\" href=\"/public/favicon.svg\" type=\"image/svg+xml\" />\n{}\n\
         <script src=\"/public/print.js\" defer></script>\n</head>\n\
         <body><main class=\"page\">{body}</main></body>\n</html>\n",
        escape(title),
        shell.stylesheet
    )
}

/// `text` safe inside HTML text.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_text_not_markup() {
        assert_eq!(
            escape("<b>A & \"B\"</b>"),
            "&lt;b&gt;A &amp; &quot;B&quot;&lt;/b&gt;"
        );
    }
}
