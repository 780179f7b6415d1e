use leptos::prelude::*;
use pulse_model::ApiError;

/// Deletes a section of an agent; its learners stay registered.
#[server]
pub async fn delete_section(agent_id: String, section_id: String) -> Result<(), ApiError> {
    use crate::server::{section_manager, server_context};
    let context = server_context()?;
    let agent = section_manager(&context, &agent_id).await?;
    if context.store.delete_section(&agent, &section_id).await? {
        Ok(())
    } else {
        Err(ApiError::NotFound(format!("section {section_id:?}")))
    }
}
