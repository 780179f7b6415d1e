use leptos::prelude::*;
use pulse_model::ApiError;

/// Changes an account (superadministrators only): its agents (a
/// comma-separated list; they apply to its next request), a new password or
/// disabled (both sign it out everywhere).
#[server]
pub async fn update_account(
    username: String,
    agents: Option<String>,
    password: Option<String>,
    disabled: Option<bool>,
) -> Result<(), ApiError> {
    use crate::server::{agent_list, server_context, store_error};
    use pulse_db::accounts::hash_password;
    let context = server_context()?;
    let me = crate::server::superadmin(&context).await?;
    if disabled == Some(true) && me.username == username {
        return Err(ApiError::BadRequest(
            "You cannot disable your own account.".into(),
        ));
    }
    let missing = || ApiError::NotFound(format!("account {username:?}"));
    if let Some(agents) = agents {
        let agents = agent_list(&agents)?;
        if !context
            .store
            .set_account_agents(&username, &agents)
            .await
            .map_err(store_error)?
        {
            return Err(missing());
        }
    }
    let password_hash = match password {
        Some(password) if password.chars().count() < 10 => {
            return Err(ApiError::BadRequest(
                "The password must be at least 10 characters long.".into(),
            ));
        }
        Some(password) => Some(hash_password(&password)),
        None => None,
    };
    if (password_hash.is_some() || disabled.is_some())
        && !context
            .store
            .update_account_access(&username, password_hash.as_deref(), disabled)
            .await
            .map_err(store_error)?
    {
        return Err(missing());
    }
    Ok(())
}
