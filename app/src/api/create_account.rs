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
    use crate::server::{agent_list, server_context, store_error};
    use pulse_db::accounts::{Role, hash_password};
    let context = server_context()?;
    crate::server::superadmin(&context).await?;
    let username = username.trim().to_owned();
    if username.is_empty()
        || username.chars().count() > 100
        || username.chars().any(char::is_control)
    {
        return Err(ApiError::BadRequest(
            "The username must be 1 to 100 characters.".into(),
        ));
    }
    if password.chars().count() < 10 {
        return Err(ApiError::BadRequest(
            "The password must be at least 10 characters long.".into(),
        ));
    }
    let agents = agent_list(&agents)?;
    if context
        .store
        .account_by_username(&username)
        .await
        .map_err(store_error)?
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
    context
        .store
        .create_account(&username, &hash_password(&password), role, &agents, now)
        .await
        .map_err(store_error)?;
    Ok(())
}
