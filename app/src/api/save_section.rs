use leptos::prelude::*;
use pulse_model::ApiError;

/// Creates a section of an agent or renames it.
#[server]
pub async fn save_section(
    agent_id: String,
    section_id: String,
    name: String,
) -> Result<(), ApiError> {
    use crate::server::{checked_section_id, section_manager, server_context};
    let context = server_context()?;
    let agent = section_manager(&context, &agent_id).await?;
    checked_section_id(&section_id)?;
    let name = pulse_model::section_name(&name).map_err(ApiError::BadRequest)?;
    context.store.put_section(&agent, &section_id, name).await?;
    Ok(())
}
