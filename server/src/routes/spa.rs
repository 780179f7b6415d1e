//! Serving the single-page app: the one built into the binary
//! (`pulse-webapp`), or a folder given by `--dist-dir` (development).
//!
//! Trunk names its assets after a hash of their content, so those may be
//! cached for a year; everything else (`index.html`, which names the current
//! assets, and the unhashed files of public/) must be revalidated. Any path that is not a file is a client-side route: it
//! gets `index.html`, so a reload on `/agents/x/analytics/users` works.

use std::path::Path;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{Next, from_fn};
use axum::response::Response;
use tower_http::services::{ServeDir, ServeFile};

const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";

pub fn router(dist: Option<&Path>) -> Router {
    let app = match dist {
        Some(dist) => {
            let index = ServeFile::new(dist.join("index.html"));
            Router::new().fallback_service(ServeDir::new(dist).fallback(index))
        }
        None if pulse_webapp::is_embedded() => pulse_webapp::router(),
        None => Router::new().fallback(|| async { (StatusCode::NOT_FOUND, NOT_BUILT_IN) }),
    };
    app.layer(from_fn(set_cache_control))
}

/// What a binary built without the web app answers instead of a page.
pub const NOT_BUILT_IN: &str = "This pulse was built without its web app: run `trunk build --release` \
     before `cargo build`, or start it with --dist-dir pointing at Trunk's dist/ folder. \
     The HTTP API works.";

/// The web app's `index.html`, from the folder or the binary.
pub fn index_html(dist: Option<&Path>) -> String {
    match dist {
        Some(dist) => std::fs::read_to_string(dist.join("index.html")).unwrap_or_default(),
        None => pulse_webapp::INDEX_HTML.to_owned(),
    }
}

async fn set_cache_control(request: Request, next: Next) -> Response {
    let hashed = is_hashed_asset(request.uri().path());
    let mut response = next.run(request).await;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"));
    let policy = if hashed && !is_html {
        IMMUTABLE
    } else {
        REVALIDATE
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    response
}

/// Trunk's names: `stem-<16 hex digits>` then `.js`, `_bg.wasm`, `.css`...
fn is_hashed_asset(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or("");
    let stem = file.split(['.', '_']).next().unwrap_or("");
    stem.rsplit_once('-')
        .is_some_and(|(_, hash)| hash.len() >= 15 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::is_hashed_asset;

    #[test]
    fn only_trunk_hashed_names_are_immutable() {
        assert!(is_hashed_asset("/pulse-frontend-300dfbdd677844dd_bg.wasm"));
        assert!(is_hashed_asset("/pulse-frontend-300dfbdd677844dd.js"));
        assert!(is_hashed_asset("/main-539a105fe87bdcbe.css"));
        assert!(!is_hashed_asset("/public/favicon.svg"));
        assert!(!is_hashed_asset("/agents/algebra-tutor"));
    }
}
