use leptos::prelude::*;
use pulse_model::ApiError;

/// Signs in: on success the browser holds a session cookie. An unknown
/// user and a wrong password get the same answer, after the same work
/// (`pulse_db::accounts::sign_in`).
#[server]
pub async fn login(username: String, password: String) -> Result<(), ApiError> {
    use crate::server::{ClientAddress, SESSION_COOKIE, server_context};
    use pulse_db::accounts::{ABSOLUTE_TIMEOUT_MS, Attempt, sign_in};
    let context = server_context()?;
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
    let secure = if context.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    set_cookie(&format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
        ABSOLUTE_TIMEOUT_MS / 1000
    ));
    Ok(())
}

/// Signs out: the session is deleted on the server and the cookie cleared.
#[server]
pub async fn logout() -> Result<(), ApiError> {
    use crate::server::{SESSION_COOKIE, server_context, session_token};
    let context = server_context()?;
    if let Some(token) = session_token() {
        pulse_db::accounts::sign_out(&context.store, &token).await?;
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
