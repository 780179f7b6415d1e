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
    use crate::server::{selection, server_context, viewing};
    use pulse_db::contact_marks::{MARKS_SHOWN, learner_marks};
    let context = server_context()?;
    let viewing = viewing(&context, &agent_id).await?;
    let selection = selection(&context, &viewing, &query, inactive_days)?;
    // Not a learner of the selection's sections: "not found" before any mark is read.
    let view = selection.learner(&user_id, context.settings).await?;
    let marks = learner_marks(&context.store, &viewing.agent, &user_id, MARKS_SHOWN).await?;
    Ok(LearnerPage { view, marks })
}
