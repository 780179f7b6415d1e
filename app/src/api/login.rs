use leptos::prelude::*;
use pulse_model::ApiError;

/// Signs in: on success the browser holds a session cookie. An unknown
/// user and a wrong password get the same answer, after the same work.
#[server]
pub async fn login(username: String, password: String) -> Result<(), ApiError> {
    use crate::server::{ClientAddress, SESSION_COOKIE, server_context};
    use pulse_db::accounts::{
        ABSOLUTE_TIMEOUT_MS, LOGIN_WINDOW_MS, decoy_hash, new_session_token, plausible_credentials,
        sign_in_delay, sign_in_subjects, verify_password,
    };
    plausible_credentials(&username, &password)?;
    let context = server_context()?;
    let now = chrono::Utc::now().timestamp_millis();
    let address = use_context::<ClientAddress>()
        .map(|address| address.0)
        .unwrap_or_default();
    let [pair, address_subject, account_subject] = sign_in_subjects(&username, &address);
    let subjects = [
        pair.clone(),
        address_subject.clone(),
        account_subject.clone(),
    ];
    // The attempt counts before the password is checked: parallel guesses
    // see each other. The same refusal whether or not the account exists.
    let counts = context
        .store
        .claim_login_attempt(&subjects, now, now - LOGIN_WINDOW_MS)
        .await?;
    let Some(counts) = counts else {
        return Err(ApiError::TooManyRequests {
            message: "Too many failed sign-ins. Try again in 15 minutes.".into(),
            retry_after: (LOGIN_WINDOW_MS / 1000) as u32,
        });
    };
    // Tried from many addresses, an account slows down rather than locks.
    pulse_db::accounts::pause(sign_in_delay(counts[2])).await;
    let found = context.store.account_by_username(&username).await?;
    let stored_hash = found.as_ref().map(|(_, hash)| hash.clone());
    let verified = context
        .hash_gate
        .run(move || {
            let stored = match &stored_hash {
                Some(hash) => hash.as_str(),
                None => decoy_hash(),
            };
            verify_password(stored, &password)
        })
        .await?;
    let Some((account, _)) = found.filter(|(account, _)| verified && !account.disabled) else {
        return Err(ApiError::BadRequest("Wrong username or password.".into()));
    };
    context
        .store
        .login_succeeded(&[pair.0, account_subject.0], &[address_subject.0], now)
        .await?;
    let (token, token_hash) = new_session_token();
    context
        .store
        .create_session(&token_hash, account.id, now)
        .await?;
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
    use crate::server::{SESSION_COOKIE, server_context, session_token};
    use pulse_db::accounts::hash_session_token;
    let context = server_context()?;
    if let Some(token) = session_token() {
        context
            .store
            .delete_session(&hash_session_token(&token))
            .await?;
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
