use leptos::prelude::*;
use pulse_model::{ActivityStrips, ApiError, PeriodQuery};

/// Each learner's activity across the period, for the table's sparklines:
/// loaded after the figures, from the same kept computation.
#[server]
pub async fn learner_activity(
    agent_id: String,
    query: PeriodQuery,
) -> Result<ActivityStrips, ApiError> {
    use crate::server::{selection, server_context, viewing};
    let context = server_context()?;
    let viewing = viewing(&context, &agent_id).await?;
    let selection = selection(&context, &viewing, &query, None)?;
    Ok(selection.activity_strips().await?)
}
