//! Serving the built single-page app.
//!
//! Trunk names every asset after a hash of its content, so assets may be
//! cached for a year; `index.html` names the current assets and must always
//! be revalidated. Any path that is not a file is a client-side route: it
//! gets `index.html`, so a reload on `/agents/x/analytics/users` works.

use std::path::Path;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::middleware::map_response;
use axum::response::Response;
use tower_http::services::{ServeDir, ServeFile};

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";

pub fn router(dist: &Path) -> Router {
    let index = ServeFile::new(dist.join("index.html"));
    Router::new()
        .fallback_service(ServeDir::new(dist).fallback(index))
        .layer(map_response(set_cache_control))
}

async fn set_cache_control(mut response: Response) -> Response {
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"));
    let policy = if is_html { REVALIDATE } else { IMMUTABLE };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    response
}
