use leptos::prelude::*;
use pulse_model::{ApiError, PeriodQuery, Retention, WeekStart};

/// Weekly cohorts and lifecycle of an agent's learners in the viewer's
/// zone (and section), over the last `weeks` local weeks.
#[server]
pub async fn users_retention(
    agent_id: String,
    query: PeriodQuery,
    weeks: u32,
    week_start: WeekStart,
) -> Result<Retention, ApiError> {
    use crate::server::{selection, server_context, viewing};
    let context = server_context()?;
    let viewing = viewing(&context, &agent_id).await?;
    let selection = selection(&context, &viewing, &query, None)?;
    Ok(selection.retention(weeks, week_start).await?)
}
