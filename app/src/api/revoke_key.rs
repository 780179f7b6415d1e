use leptos::prelude::*;
use pulse_model::ApiError;

/// Revokes the API key named by its prefix (superadministrators only).
#[server]
pub async fn revoke_key(prefix: String) -> Result<(), ApiError> {
    use crate::server::{server_context, store_error, superadmin};
    let context = server_context()?;
    superadmin(&context).await?;
    let now = chrono::Utc::now().timestamp_millis();
    if context
        .store
        .revoke_key(&prefix, now)
        .await
        .map_err(store_error)?
    {
        Ok(())
    } else {
        Err(ApiError::NotFound(format!("active key {prefix:?}")))
    }
}
