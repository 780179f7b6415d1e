use leptos::prelude::*;
use pulse_model::ApiError;

/// Creates an API key and returns its secret, the only time it is shown
/// (superadministrators only). With `every_agent` the key serves every
/// agent and `agents` must be empty; otherwise `agents` (comma-separated)
/// names at least one: an empty list never means "all".
#[server]
pub async fn create_key(
    scope: String,
    every_agent: bool,
    agents: String,
    label: String,
) -> Result<String, ApiError> {
    use crate::server::{agent_list, server_context, superadmin};
    use pulse_db::keys::KeyScope;
    let context = server_context()?;
    superadmin(&context).await?;
    let scope = KeyScope::parse(&scope)
        .ok_or_else(|| ApiError::BadRequest("The scope must be ingest or read.".into()))?;
    let agents = agent_list(&agents)?;
    let agents = match (every_agent, agents.is_empty()) {
        (true, true) => None,
        (false, false) => Some(agents),
        (true, false) => {
            return Err(ApiError::BadRequest(
                "A key for every agent takes no list of agents.".into(),
            ));
        }
        (false, true) => {
            return Err(ApiError::BadRequest(
                "Name at least one agent, or choose every agent.".into(),
            ));
        }
    };
    let label = (!label.trim().is_empty()).then(|| label.trim().chars().take(200).collect());
    let now = chrono::Utc::now().timestamp_millis();
    let (secret, _) = context.store.create_key(scope, agents, label, now).await?;
    Ok(secret)
}
