use leptos::prelude::*;
use pulse_model::{ApiError, ContactMarks};

/// Each learner's latest contact mark on the agent, and whether reminders
/// can be sent through the host platform.
#[server]
pub async fn list_contact_marks(agent_id: String) -> Result<ContactMarks, ApiError> {
    use crate::server::{hidden_learners, server_context, viewing};
    let context = server_context()?;
    let viewing = viewing(&context, &agent_id).await?;
    let mut marks = pulse_db::contact_marks::latest_marks(&context.store, &viewing.agent).await?;
    let ids: Vec<String> = marks.iter().map(|mark| mark.user_id.clone()).collect();
    let hidden = hidden_learners(&context, &viewing, &ids).await?;
    marks.retain(|mark| !hidden.contains(&mark.user_id));
    Ok(ContactMarks {
        marks,
        reminders: context.outreach.is_some(),
    })
}
