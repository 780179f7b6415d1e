use leptos::prelude::*;
use pulse_model::ApiError;

/// Users of the agent online right now (the live topline card).
#[server]
pub async fn online_now(agent_id: String) -> Result<u64, ApiError> {
    use crate::server::{server_context, viewable_agent};
    let context = server_context()?;
    let agent = viewable_agent(&context, &agent_id).await?;
    let since = chrono::Utc::now() - context.settings.online_window;
    Ok(context.store.online_users(&agent, since.into()).await?)
}
