use leptos::prelude::*;
use pulse_model::{ApiError, Dashboard, PeriodQuery};

/// Every figure of the Users tab for one agent and selection.
#[server]
pub async fn users_dashboard(agent_id: String, query: PeriodQuery) -> Result<Dashboard, ApiError> {
    use crate::server::{server_context, viewable_agent};
    use pulse_db::analytics::Selection;
    let context = server_context()?;
    let agent = viewable_agent(&context, &agent_id).await?;
    let selection = Selection::new(&context.store, &agent, &query, chrono::Utc::now())?;
    Ok(selection.dashboard(context.settings).await?)
}
