use leptos::prelude::*;
use pulse_model::{ApiError, Dashboard, PeriodQuery};

/// Every figure of the Users tab for one agent and selection; statuses
/// with `inactive_days` (14 when absent).
#[server]
pub async fn users_dashboard(
    agent_id: String,
    query: PeriodQuery,
    inactive_days: Option<u32>,
) -> Result<Dashboard, ApiError> {
    use crate::server::{selection, server_context, viewing};
    let context = server_context()?;
    let viewing = viewing(&context, &agent_id).await?;
    let selection = selection(&context, &viewing, &query, inactive_days)?;
    Ok(selection.dashboard(context.settings).await?)
}
