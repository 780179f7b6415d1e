//! The web app as built by Trunk, inside the `pulse` binary: one program to
//! copy to a server. Its files are kept in memory, text files precompressed
//! (brotli, gzip) and sent in the encoding the client accepts, with ETags.

use axum::Router;
use axum::http::StatusCode;

/// The embedded `index.html`, empty when the binary was built without the
/// web app.
pub const INDEX_HTML: &str = include_str!(env!("PULSE_INDEX_HTML"));

/// Whether the web app is in this binary.
pub fn is_embedded() -> bool {
    !INDEX_HTML.is_empty()
}

/// The web app's files; any other path gets `index.html` (with 200), so
/// that a reload on a client-side route such as `/agents/x` works.
pub fn router() -> Router {
    memory_serve::load!()
        .index_file(Some("/index.html"))
        .fallback(Some("/index.html"))
        .fallback_status(StatusCode::OK)
        .into_router()
}
