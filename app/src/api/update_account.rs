use leptos::prelude::*;
use pulse_model::{AccountUpdate, ApiError};

/// Changes an account (superadministrators only): its agents (they apply
/// to its next request), a new password or disabled (both sign it out
/// everywhere).
#[server(input = server_fn::codec::Json)]
pub async fn update_account(update: AccountUpdate) -> Result<(), ApiError> {
    use crate::server::{checked_agents, server_context};
    use pulse_db::accounts::{AccountChange, check_new_password, hash_password};
    let context = server_context()?;
    let me = crate::server::superadmin(&context).await?;
    let AccountUpdate {
        username,
        agents,
        password,
        disabled,
    } = update;
    if disabled == Some(true) && me.username == username {
        return Err(ApiError::BadRequest(
            "You cannot disable your own account.".into(),
        ));
    }
    // Everything is checked before anything is written.
    let agents = agents.map(checked_agents).transpose()?;
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
