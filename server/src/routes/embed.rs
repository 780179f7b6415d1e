//! `GET /embed/agents/{agent_id}/analytics/users?<the tab's query>`: the
//! page a host platform puts in its `<iframe>` (docs/EMBED.md). It carries
//! no data: its script (public/embed.js) takes the token from the URL's
//! fragment, exchanges it at `POST /api/v1/embed/session` and goes on to
//! the same path without `/embed`, or shows why the token was refused.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

const PAGE: &str = include_str!("embed.html");

pub async fn page() -> Response {
    let mut response = PAGE.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}
