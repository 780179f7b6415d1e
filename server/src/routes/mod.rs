//! The HTTP surface: the SPA, the server functions, the REST API and the
//! operational endpoints.

mod api;
mod health;
mod security;
mod server_fns;
mod spa;

use axum::Router;
use axum::routing::{get, post};
use pulse_app::server::ServerContext;

use crate::config::ServeConfig;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub context: ServerContext,
}

pub fn router(state: AppState, config: &ServeConfig) -> Router {
    let mut router = Router::new()
        .route("/healthz", get(health::healthz))
        .nest("/api/v1", api::router())
        // Server functions are named /api/NAME: one segment, apart from /api/v1/...
        .route("/api/{fn_name}", post(server_fns::handle))
        .with_state(state)
        .fallback_service(spa::router(&config.dist_dir));
    for layer in security::layers(&config.dist_dir) {
        router = router.layer(layer);
    }
    router
}
