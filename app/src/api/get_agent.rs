use leptos::prelude::*;
use pulse_model::{Agent, ApiError};

/// One agent's id and name, for its page header.
#[server]
pub async fn get_agent(agent_id: String) -> Result<Agent, ApiError> {
    use crate::server::{server_context, viewable_agent};
    let context = server_context()?;
    let agent = viewable_agent(&context, &agent_id).await?;
    Ok(Agent {
        agent_id: agent.agent_id,
        name: agent.name,
    })
}
