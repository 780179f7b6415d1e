use leptos::prelude::*;
use pulse_model::{ApiError, LearnerPage, PeriodQuery};

/// One learner of an agent for one selection, with the contact marks left
/// on them. A learner the caller may not see is "not found", like an
/// unknown one.
#[server]
pub async fn learner_details(
    agent_id: String,
    user_id: String,
    query: PeriodQuery,
    inactive_days: Option<u32>,
) -> Result<LearnerPage, ApiError> {
    use crate::server::{selection, server_context, viewable_agent};
    use pulse_db::follow_up::{MARKS_SHOWN, learner_marks};
    let context = server_context()?;
    let agent = viewable_agent(&context, &agent_id).await?;
    let selection = selection(&context, &agent, &query, inactive_days)?;
    let view = selection.learner(&user_id, context.settings).await?;
    let marks = learner_marks(&context.store, &agent, &user_id, MARKS_SHOWN).await?;
    Ok(LearnerPage { view, marks })
}
