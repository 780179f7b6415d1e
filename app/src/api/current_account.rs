use leptos::prelude::*;
use pulse_model::{ApiError, SignedInAs};

/// Who is signed in (name, role, and inside a host platform the agents the
/// embedding token named), or nothing when the browser is not signed in.
#[server]
pub async fn current_account() -> Result<Option<SignedInAs>, ApiError> {
    use crate::server::{server_context, signed_in};
    use pulse_db::accounts::Role;
    let context = server_context()?;
    let account = match signed_in(&context).await {
        Ok(account) => account,
        Err(ApiError::Unauthorized) => return Ok(None),
        Err(error) => return Err(error),
    };
    let manages_settings = account.manages_pulse();
    let superadmin = account.role == Role::Superadmin;
    Ok(Some(match account.embedded {
        Some(embedded) => SignedInAs {
            name: embedded.display_name,
            manages_settings,
            superadmin,
            embedded_agents: Some(account.agents),
        },
        None => SignedInAs {
            name: account
                .single_sign_on
                .map_or(account.username, |user| user.display_name),
            manages_settings,
            superadmin,
            embedded_agents: None,
        },
    }))
}
