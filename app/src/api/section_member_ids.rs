use leptos::prelude::*;
use pulse_model::ApiError;

/// The user ids of a section's learners, sorted.
#[server]
pub async fn section_member_ids(
    agent_id: String,
    section_id: String,
) -> Result<Vec<String>, ApiError> {
    use crate::server::{section_manager, server_context};
    let context = server_context()?;
    let agent = section_manager(&context, &agent_id).await?;
    context
        .store
        .section_member_ids(&agent, &section_id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("section {section_id:?}")))
}
