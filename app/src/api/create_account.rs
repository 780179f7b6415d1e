use leptos::prelude::*;
use pulse_model::{ApiError, NewAccount};

/// Creates a dashboard account (superadministrators only).
#[server(input = server_fn::codec::Json)]
pub async fn create_account(account: NewAccount) -> Result<(), ApiError> {
    use crate::server::{checked_agents, server_context};
    use pulse_db::accounts::{check_new_password, checked_username, hash_password};
    let context = server_context()?;
    crate::server::superadmin(&context).await?;
    let username = checked_username(&account.username)?;
    check_new_password(&account.password)?;
    let agents = checked_agents(account.agents)?;
    if context
        .store
        .account_by_username(&username)
        .await?
        .is_some()
    {
        return Err(ApiError::BadRequest(format!(
            "An account named {username:?} exists already."
        )));
    }
    let now = pulse_db::time::Millis::now();
    let password = account.password;
    let password_hash = context
        .hash_gate
        .run(move || hash_password(&password))
        .await?;
    context
        .store
        .create_account(&username, &password_hash, account.role, &agents, now)
        .await?;
    Ok(())
}
