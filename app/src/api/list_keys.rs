use leptos::prelude::*;
use pulse_model::{ApiError, KeyView};

/// Every API key, without secrets (superadministrators only).
#[server]
pub async fn list_keys() -> Result<Vec<KeyView>, ApiError> {
    use crate::server::{server_context, superadmin};
    let context = server_context()?;
    superadmin(&context).await?;
    let keys = context.store.list_keys().await?;
    Ok(keys
        .into_iter()
        .map(|key| KeyView {
            revoked: !key.is_active(),
            prefix: key.prefix,
            scope: key.scope,
            agents: key.agents,
            label: key.label,
        })
        .collect())
}
