use leptos::prelude::*;
use pulse_model::ApiError;

/// Users of the agent online right now (the live topline card).
#[server]
pub async fn online_now(agent_id: String, section: Option<String>) -> Result<u64, ApiError> {
    use crate::server::{selection, server_context, viewing};
    use pulse_model::PeriodQuery;
    let context = server_context()?;
    let viewing = viewing(&context, &agent_id).await?;
    let selection = selection(
        &context,
        &viewing,
        &PeriodQuery {
            section,
            ..PeriodQuery::default()
        },
        None,
    )?;
    Ok(selection.online(context.settings).await?)
}
