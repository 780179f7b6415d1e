use leptos::prelude::*;
use pulse_model::{Annotation, ApiError};

/// The agent's annotations (dated notes), oldest date first.
#[server]
pub async fn list_annotations(agent_id: String) -> Result<Vec<Annotation>, ApiError> {
    use crate::server::{server_context, viewable_agent};
    let context = server_context()?;
    let agent = viewable_agent(&context, &agent_id).await?;
    Ok(context.store.list_annotations(&agent).await?)
}
