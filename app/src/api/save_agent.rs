use leptos::prelude::*;
use pulse_model::ApiError;

/// Creates an agent or renames it (superadministrators only).
#[server]
pub async fn save_agent(agent_id: String, name: String) -> Result<(), ApiError> {
    use crate::server::{server_context, superadmin};
    let context = server_context()?;
    superadmin(&context).await?;
    if !pulse_db::ingest::is_valid_agent_id(&agent_id) {
        return Err(ApiError::BadRequest(
            "An agent id is 1 to 64 of A-Z, a-z, 0-9, '.', '_' and '-'.".into(),
        ));
    }
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(ApiError::BadRequest(
            "The name must be 1 to 200 characters.".into(),
        ));
    }
    Ok(context.store.put_agent(&agent_id, name).await?)
}
