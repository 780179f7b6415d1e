use leptos::prelude::*;
use pulse_model::ApiError;

/// Creates a dashboard account (superadministrators only). `agents` is a
/// comma-separated list of agent ids.
#[server]
pub async fn create_account(
    username: String,
    password: String,
    superadmin: bool,
    agents: String,
) -> Result<(), ApiError> {
    use crate::server::{agent_list, server_context};
    use pulse_db::accounts::{Role, check_new_password, checked_username, hash_password};
    let context = server_context()?;
    crate::server::superadmin(&context).await?;
    let username = checked_username(&username)?;
    check_new_password(&password)?;
    let agents = agent_list(&agents)?;
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
    let role = if superadmin {
        Role::Superadmin
    } else {
        Role::Admin
    };
    let now = chrono::Utc::now().timestamp_millis();
    let password_hash = context
        .hash_gate
        .run(move || hash_password(&password))
        .await?;
    context
        .store
        .create_account(&username, &password_hash, role, &agents, now)
        .await?;
    Ok(())
}
