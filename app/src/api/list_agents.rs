use leptos::prelude::*;
use pulse_model::{Agent, ApiError};

/// The agents the caller may see, by name.
#[server]
pub async fn list_agents() -> Result<Vec<Agent>, ApiError> {
    use crate::server::{server_context, signed_in};
    let context = server_context()?;
    let account = signed_in(&context).await?;
    let agents = context.store.list_agents().await?;
    Ok(agents
        .into_iter()
        .filter(|agent| account.may_view(&agent.agent_id))
        .collect())
}
