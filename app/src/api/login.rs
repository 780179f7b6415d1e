use leptos::prelude::*;
use pulse_model::{ApiError, SignInOptions};

/// How this site signs people in: the sign-in page shows what is on.
#[server]
pub async fn sign_in_methods() -> Result<SignInOptions, ApiError> {
    use crate::server::server_context;
    let context = server_context()?;
    Ok(SignInOptions {
        password: context.sign_in.password,
        single_sign_on: context
            .sign_in
            .single_sign_on
            .as_ref()
            .map(|provider| provider.name().to_owned()),
    })
}

/// Signs in: on success the browser holds a session cookie. An unknown
/// user and a wrong password get the same answer, after the same work
/// (`pulse_db::accounts::sign_in`).
#[server]
pub async fn login(username: String, password: String) -> Result<(), ApiError> {
    use crate::server::{ClientAddress, server_context, session_cookie};
    use pulse_db::accounts::{Attempt, sign_in};
    let context = server_context()?;
    if !context.sign_in.password {
        return Err(ApiError::Forbidden(
            "password sign-in is turned off here; sign in with single sign-on".into(),
        ));
    }
    let address = use_context::<ClientAddress>()
        .map(|address| address.0)
        .unwrap_or_default();
    let attempt = Attempt {
        username,
        password,
        address,
    };
    let now = pulse_db::time::Millis::now();
    let token = sign_in(&context.store, &context.hash_gate, attempt, now).await?;
    set_cookie(&session_cookie(&token, context.secure_cookies));
    Ok(())
}

/// Signs out: the session is deleted on the server and the cookie cleared.
/// For an account of the single-sign-on provider, the answer is where the
/// browser goes next to end its session there too (RP-initiated sign-out).
#[server]
pub async fn logout() -> Result<Option<String>, ApiError> {
    use crate::server::{SESSION_COOKIE, server_context, session_token, signed_in};
    let context = server_context()?;
    let signed_on = signed_in(&context)
        .await
        .is_ok_and(|account| account.single_sign_on.is_some());
    if let Some(token) = session_token() {
        pulse_db::accounts::sign_out(&context.store, &token).await?;
    }
    set_cookie(&format!(
        "{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"
    ));
    Ok(match (&context.sign_in.single_sign_on, signed_on) {
        (Some(provider), true) => provider.end_session_url().await,
        _ => None,
    })
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
