use leptos::prelude::*;
use pulse_model::ApiError;

/// Creates an agent or renames it (superadministrators only).
#[server]
pub async fn save_agent(agent_id: String, name: String) -> Result<(), ApiError> {
    use crate::server::{server_context, superadmin};
    let context = server_context()?;
    superadmin(&context).await?;
    pulse_model::check_public_id("The agent id", &agent_id).map_err(ApiError::BadRequest)?;
    let name = name.trim();
    pulse_model::check_text("The name", name, 1, pulse_model::MAX_DISPLAY_TEXT_CHARS)
        .map_err(ApiError::BadRequest)?;
    Ok(context.store.put_agent(&agent_id, name).await?)
}
