//! What server functions need from the server they run in. Only compiled
//! with the `ssr` feature; the `pulse` binary provides it as Leptos context.

use leptos::prelude::use_context;
use pulse_db::analytics::{AnalyticsError, Settings};
use pulse_db::{AgentRef, Store, StoreError};
use pulse_model::ApiError;

/// The server's state, as server functions see it.
#[derive(Clone)]
pub struct ServerContext {
    pub store: Store,
    pub settings: Settings,
}

/// The context of the current call.
pub fn server_context() -> Result<ServerContext, ApiError> {
    use_context::<ServerContext>()
        .ok_or_else(|| ApiError::Internal("server context missing".into()))
}

/// An agent by its public id, or NotFound.
pub async fn agent(context: &ServerContext, agent_id: &str) -> Result<AgentRef, ApiError> {
    context
        .store
        .find_agent(agent_id)
        .await
        .map_err(store_error)?
        .ok_or_else(|| ApiError::NotFound(format!("agent {agent_id:?}")))
}

/// A store failure as callers see it: details go to the log, not the wire.
pub fn store_error(error: StoreError) -> ApiError {
    tracing_error(&error);
    if error.is_unavailable() {
        ApiError::Internal("the database is unavailable; try again shortly".into())
    } else {
        ApiError::Internal("the query failed".into())
    }
}

pub fn analytics_error(error: AnalyticsError) -> ApiError {
    match error {
        AnalyticsError::BadPeriod(message) => ApiError::BadRequest(message),
        AnalyticsError::Store(error) => store_error(error),
    }
}

fn tracing_error(error: &StoreError) {
    leptos::logging::error!("store error: {error}");
}

/// Registers every server function with the HTTP handler. The `pulse`
/// binary calls this at start-up: without an explicit reference the linker
/// may drop the registrations and every call would answer "Could not find a
/// server function".
pub fn register_server_fns() {
    use crate::api::*;
    use server_fn::axum::register_explicit;
    register_explicit::<ListAgents>();
    register_explicit::<GetAgent>();
    register_explicit::<UsersDashboard>();
    register_explicit::<OnlineNow>();
}
