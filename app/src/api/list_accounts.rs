use leptos::prelude::*;
use pulse_model::{AccountView, ApiError};

/// Every dashboard account (superadministrators only).
#[server]
pub async fn list_accounts() -> Result<Vec<AccountView>, ApiError> {
    use crate::server::{server_context, superadmin};
    use pulse_db::accounts::Role;
    let context = server_context()?;
    superadmin(&context).await?;
    let accounts = context.store.list_accounts().await?;
    Ok(accounts
        .into_iter()
        .map(|account| AccountView {
            superadmin: account.role == Role::Superadmin,
            username: account.username,
            disabled: account.disabled,
            agents: account.agents,
            embedded: account.embedded,
            single_sign_on: account.single_sign_on,
        })
        .collect())
}
