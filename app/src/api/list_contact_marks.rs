use leptos::prelude::*;
use pulse_model::{ApiError, ContactMarks};

/// Each learner's latest contact mark on the agent, and whether reminders
/// can be sent through the host platform.
#[server]
pub async fn list_contact_marks(agent_id: String) -> Result<ContactMarks, ApiError> {
    use crate::server::{server_context, viewable_agent};
    let context = server_context()?;
    let agent = viewable_agent(&context, &agent_id).await?;
    Ok(ContactMarks {
        marks: pulse_db::follow_up::latest_marks(&context.store, &agent).await?,
        reminders: context.outreach.is_some(),
    })
}
