use leptos::prelude::*;
use pulse_model::ApiError;

/// Creates an API key and returns its secret, the only time it is shown
/// (superadministrators only). `agents`: comma-separated, empty for every agent.
#[server]
pub async fn create_key(scope: String, agents: String, label: String) -> Result<String, ApiError> {
    use crate::server::{agent_list, server_context, store_error, superadmin};
    use pulse_db::keys::{KeyScope, generate};
    let context = server_context()?;
    superadmin(&context).await?;
    let scope = KeyScope::parse(&scope)
        .ok_or_else(|| ApiError::BadRequest("The scope must be ingest or read.".into()))?;
    let agents = agent_list(&agents)?;
    let label = (!label.trim().is_empty()).then(|| label.trim().chars().take(200).collect());
    let now = chrono::Utc::now().timestamp_millis();
    let (secret, key) = generate(scope, (!agents.is_empty()).then_some(agents), label, now);
    context.store.insert_key(&key).await.map_err(store_error)?;
    Ok(secret)
}
