use leptos::prelude::*;
use pulse_model::{ApiError, Section};

/// The sections of an agent the caller may see, with their member counts.
#[server]
pub async fn list_sections(agent_id: String) -> Result<Vec<Section>, ApiError> {
    use crate::server::{server_context, viewing};
    let context = server_context()?;
    let viewing = viewing(&context, &agent_id).await?;
    let mut sections = context.store.list_sections(&viewing.agent).await?;
    if let Some(allowed) = &viewing.sections {
        sections.retain(|section| allowed.contains(&section.section_id));
    }
    Ok(sections)
}
