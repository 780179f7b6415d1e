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
    use crate::server::{agent_list, server_context};
    use pulse_db::accounts::{AccountChange, check_new_password, hash_password};
    let context = server_context()?;
    let me = crate::server::superadmin(&context).await?;
    if disabled == Some(true) && me.username == username {
        return Err(ApiError::BadRequest(
            "You cannot disable your own account.".into(),
        ));
    }
    // Everything is checked before anything is written.
    let agents = agents.as_deref().map(agent_list).transpose()?;
    if let Some(password) = &password {
        check_new_password(password)?;
    }
    let password_hash = match password {
        Some(password) => Some(
            context
                .hash_gate
                .run(move || hash_password(&password))
                .await?,
        ),
        None => None,
    };
    let change = AccountChange {
        agents,
        password_hash,
        disabled,
    };
    if !context.store.update_account(&username, &change).await? {
        return Err(ApiError::NotFound(format!("account {username:?}")));
    }
    Ok(())
}
