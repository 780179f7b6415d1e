use leptos::prelude::*;
use pulse_model::ApiError;

/// Revokes the API key named by its prefix (superadministrators only).
/// Several old keys may share a prefix: then none is revoked.
#[server]
pub async fn revoke_key(prefix: String) -> Result<(), ApiError> {
    use crate::server::{server_context, superadmin};
    use pulse_db::keys::Revocation;
    let context = server_context()?;
    superadmin(&context).await?;
    let now = pulse_db::time::Millis::now();
    match context.store.revoke_key(&prefix, false, now).await? {
        Revocation::Revoked(_) => Ok(()),
        Revocation::NoActiveKey => Err(ApiError::NotFound(format!("active key {prefix:?}"))),
        Revocation::Ambiguous(count) => Err(ApiError::BadRequest(format!(
            "{count} active keys share the prefix {prefix:?}; revoke them with pulse key revoke {prefix} --all-sharing-prefix"
        ))),
    }
}
