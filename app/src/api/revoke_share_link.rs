use leptos::prelude::*;
use pulse_model::ApiError;

/// Revokes a share link the caller sees, at once: it shows nothing after.
#[server]
pub async fn revoke_share_link(id: i64) -> Result<(), ApiError> {
    use crate::server::{sees_share_link, server_context, signed_in};
    let context = server_context()?;
    let account = signed_in(&context).await?;
    let not_found = || ApiError::NotFound(format!("share link {id}"));
    let link = context
        .store
        .share_link_by_id(id)
        .await?
        .filter(|link| sees_share_link(&account, link))
        .ok_or_else(not_found)?;
    let now = pulse_db::time::Millis::now();
    if !context.store.revoke_share_link(link.id, now).await? {
        return Err(ApiError::NotFound(format!("share link {id} that works")));
    }
    tracing::info!(link = id, by = account.username, "share link revoked");
    Ok(())
}
