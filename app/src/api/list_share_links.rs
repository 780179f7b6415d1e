use leptos::prelude::*;
use pulse_model::{ApiError, ShareLinkView};

/// The share links of what the caller sees: every link for a
/// superadministrator, else those of their agents (and sections).
#[server]
pub async fn list_share_links() -> Result<Vec<ShareLinkView>, ApiError> {
    use crate::server::{sees_share_link, server_context, signed_in};
    let context = server_context()?;
    let account = signed_in(&context).await?;
    let links = context.store.list_share_links().await?;
    Ok(links
        .iter()
        .filter(|link| sees_share_link(&account, link))
        .map(pulse_db::share_links::ShareLinkRecord::view)
        .collect())
}
