use leptos::prelude::*;
use pulse_model::{Annotation, ApiError};

/// Adds an annotation to the agent (a new id when `note.id` is empty) or
/// replaces the one with its id. For administrators of the whole agent.
#[server(input = server_fn::codec::Json)]
pub async fn save_annotation(agent_id: String, note: Annotation) -> Result<(), ApiError> {
    use crate::server::{section_manager, server_context};
    let context = server_context()?;
    let agent = section_manager(&context, &agent_id).await?;
    let id = if note.id.is_empty() {
        format!("note-{}", chrono::Utc::now().timestamp_millis())
    } else {
        note.id
    };
    let note = Annotation::checked(&id, note.date, note.end_date, &note.label)
        .map_err(ApiError::BadRequest)?;
    context.store.put_annotations(&agent, &[note]).await?;
    Ok(())
}
