use leptos::prelude::*;
use pulse_model::ApiError;

/// Removes an annotation of the agent. For administrators of the whole agent.
#[server]
pub async fn delete_annotation(agent_id: String, id: String) -> Result<(), ApiError> {
    use crate::server::{section_manager, server_context};
    let context = server_context()?;
    let agent = section_manager(&context, &agent_id).await?;
    if context.store.delete_annotation(&agent, &id).await? {
        Ok(())
    } else {
        Err(ApiError::NotFound(format!("annotation {id:?}")))
    }
}
