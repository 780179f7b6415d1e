use leptos::prelude::*;
use pulse_model::{ApiError, KeyRequest};

/// Creates an API key and returns its secret, the only time it is shown
/// (superadministrators only).
#[server(input = server_fn::codec::Json)]
pub async fn create_key(request: KeyRequest) -> Result<String, ApiError> {
    use crate::server::{checked_agents, server_context, superadmin};
    use pulse_model::KeyAgents;
    let context = server_context()?;
    superadmin(&context).await?;
    let agents = match request.agents {
        KeyAgents::Every => None,
        KeyAgents::Only(agents) => {
            let agents = checked_agents(agents)?;
            if agents.is_empty() {
                return Err(ApiError::BadRequest(
                    "Name at least one agent, or choose every agent.".into(),
                ));
            }
            Some(agents)
        }
    };
    let label = request.label.trim();
    let label = (!label.is_empty()).then(|| label.chars().take(200).collect());
    let now = pulse_db::time::Millis::now();
    let (secret, _) = context
        .store
        .create_key(request.scope, agents, label, now)
        .await?;
    Ok(secret)
}
