use leptos::prelude::*;
use pulse_model::ApiError;

/// The signed-in account's name and whether it is a superadministrator,
/// or nothing when the browser is not signed in.
#[server]
pub async fn current_account() -> Result<Option<(String, bool)>, ApiError> {
    use crate::server::{server_context, signed_in};
    use pulse_db::accounts::Role;
    let context = server_context()?;
    match signed_in(&context).await {
        Ok(account) => Ok(Some((account.username, account.role == Role::Superadmin))),
        Err(ApiError::Unauthorized) => Ok(None),
        Err(error) => Err(error),
    }
}
