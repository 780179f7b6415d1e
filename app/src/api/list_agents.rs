use leptos::prelude::*;
use pulse_model::{Agent, ApiError};

/// The agents the caller may see, by name.
#[server]
pub async fn list_agents() -> Result<Vec<Agent>, ApiError> {
    use crate::server::{server_context, store_error};
    let context = server_context()?;
    context.store.list_agents().await.map_err(store_error)
}
