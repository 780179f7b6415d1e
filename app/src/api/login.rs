use leptos::prelude::*;
use pulse_model::ApiError;

/// Signs in: on success the browser holds a session cookie. An unknown
/// user and a wrong password get the same answer, after the same work.
#[server]
pub async fn login(username: String, password: String) -> Result<(), ApiError> {
    use crate::server::{ClientAddress, SESSION_COOKIE, server_context, store_error};
    use pulse_db::accounts::{
        ABSOLUTE_TIMEOUT_MS, LOGIN_WINDOW_MS, MAX_FAILURES_PER_ACCOUNT, MAX_FAILURES_PER_ADDRESS,
        decoy_hash, new_session_token, verify_password,
    };
    let context = server_context()?;
    let now = chrono::Utc::now().timestamp_millis();
    let address = use_context::<ClientAddress>()
        .map(|address| address.0)
        .unwrap_or_default();
    let subjects = [format!("account:{username}"), format!("address:{address}")];
    let failures = context
        .store
        .login_failures(&subjects, now - LOGIN_WINDOW_MS)
        .await
        .map_err(store_error)?;
    // The same refusal whether or not the account exists.
    if failures[0] >= MAX_FAILURES_PER_ACCOUNT || failures[1] >= MAX_FAILURES_PER_ADDRESS {
        return Err(ApiError::BadRequest(
            "Too many failed sign-ins. Try again in 15 minutes.".into(),
        ));
    }
    let found = context
        .store
        .account_by_username(&username)
        .await
        .map_err(store_error)?;
    let (stored_hash, account) = match &found {
        Some((account, hash)) => (hash.as_str(), Some(account)),
        None => (decoy_hash(), None),
    };
    let verified = verify_password(stored_hash, &password);
    let Some(account) = account.filter(|account| verified && !account.disabled) else {
        let forget = now - LOGIN_WINDOW_MS;
        context
            .store
            .record_login_failure(&subjects, now, forget)
            .await
            .map_err(store_error)?;
        return Err(ApiError::BadRequest("Wrong username or password.".into()));
    };
    context
        .store
        .clear_login_failures(&subjects[0])
        .await
        .map_err(store_error)?;
    let (token, token_hash) = new_session_token();
    context
        .store
        .create_session(&token_hash, account.id, now)
        .await
        .map_err(store_error)?;
    let secure = if context.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
        ABSOLUTE_TIMEOUT_MS / 1000
    );
    set_cookie(&cookie);
    Ok(())
}

/// Signs out: the session is deleted on the server and the cookie cleared.
#[server]
pub async fn logout() -> Result<(), ApiError> {
    use crate::server::{SESSION_COOKIE, server_context, session_token, store_error};
    use pulse_db::accounts::hash_session_token;
    let context = server_context()?;
    if let Some(token) = session_token() {
        context
            .store
            .delete_session(&hash_session_token(&token))
            .await
            .map_err(store_error)?;
    }
    set_cookie(&format!(
        "{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"
    ));
    Ok(())
}

#[cfg(feature = "ssr")]
fn set_cookie(cookie: &str) {
    if let (Some(response), Ok(value)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        http::HeaderValue::from_str(cookie),
    ) {
        response.append_header(http::header::SET_COOKIE, value);
    }
}
