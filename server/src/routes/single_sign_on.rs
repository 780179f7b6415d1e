//! Single sign-on's two browser routes (docs/SSO.md): `GET /auth/oidc/login`
//! sends the browser to the provider, `GET /auth/oidc/callback` takes it
//! back and signs it in. Every failure lands on the sign-in page with a
//! code saying why (`/login?sso=CODE`); only a database fault is a 5xx.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use pulse_db::single_sign_on::{PENDING_LOGIN_MS, SsoError};
use pulse_db::time::Millis;
use serde::Deserialize;

use super::AppState;
use super::api::HttpError;
use crate::single_sign_on::{Failure, SingleSignOn, StartError};

/// The cookie that ties a sign-in to the browser that started it: the
/// provider's answer is taken only with the same `state` in it, so that
/// nobody can sign a victim's browser in to the attacker's account.
const STATE_COOKIE: &str = "pulse_sso_state";

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

/// Sends the browser to the provider's sign-in page.
pub async fn login(
    State(state): State<AppState>,
    Query(query): Query<LoginQuery>,
) -> Result<Response, HttpError> {
    let provider = configured(&state)?;
    let next = query
        .next
        .filter(|next| is_local_path(next))
        .unwrap_or_else(|| "/".into());
    match provider.start(&state.context.store, next.clone()).await {
        Ok((url, login_state)) => {
            let cookie = format!(
                "{STATE_COOKIE}={login_state}; Path=/auth/oidc; HttpOnly; SameSite=Lax; Max-Age={}{}",
                PENDING_LOGIN_MS / 1000,
                secure(&state)
            );
            Ok(with_cookie(Redirect::to(&url).into_response(), &cookie))
        }
        Err(StartError::Provider(failure)) => Ok(to_sign_in_page(failure, Some(&next))),
        Err(StartError::Store(error)) => Err(error.into()),
    }
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// Takes the provider's answer: a session and on to the page the sign-in
/// started from, or the sign-in page saying what went wrong.
pub async fn callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<CallbackQuery>,
) -> Result<Response, HttpError> {
    let provider = configured(&state)?;
    let store = &state.context.store;
    let kept = pulse_app::server::cookie_value(&headers, STATE_COOKIE);
    // Taken (and so used up) whatever the answer, when it is this browser's.
    let login = match (&query.state, &kept) {
        (Some(sent), Some(kept)) if sent == kept => {
            pulse_db::single_sign_on::take_login(store, sent, Millis::now()).await?
        }
        _ => None,
    };
    let Some(login) = login else {
        return Ok(to_sign_in_page(Failure::Expired, None));
    };
    if let Some(error) = &query.error {
        // The provider's own words stay out of the page and the logs: a
        // forged answer could set them.
        tracing::info!(
            error = error.chars().take(40).collect::<String>(),
            "the OpenID provider did not sign the person in"
        );
        return Ok(to_sign_in_page(Failure::Denied, Some(&login.next_path)));
    }
    let Some(code) = query.code else {
        return Ok(to_sign_in_page(Failure::Invalid, Some(&login.next_path)));
    };
    let grant = match provider.finish(&login, code).await {
        Ok(grant) => grant,
        Err(failure) => return Ok(to_sign_in_page(failure, Some(&login.next_path))),
    };
    let session = match pulse_db::single_sign_on::open_session(store, &grant, Millis::now()).await {
        Ok(session) => session,
        Err(SsoError::Store(error)) => return Err(error.into()),
        Err(refusal) => {
            tracing::info!(reason = %refusal, "single sign-on refused");
            let failure = match refusal {
                SsoError::NoAccess => Failure::NoAccess,
                SsoError::Disabled => Failure::Disabled,
                _ => Failure::NameTaken,
            };
            return Ok(to_sign_in_page(failure, Some(&login.next_path)));
        }
    };
    let response = Redirect::to(&login.next_path).into_response();
    let response = with_cookie(
        response,
        &pulse_app::server::session_cookie(&session, state.context.secure_cookies),
    );
    Ok(with_cookie(response, &cleared_state_cookie()))
}

/// The provider, or 404 where single sign-on is not configured.
fn configured(state: &AppState) -> Result<&SingleSignOn, HttpError> {
    state
        .single_sign_on
        .as_deref()
        .ok_or_else(|| HttpError::not_found("single sign-on is not configured on this server"))
}

/// The sign-in page, saying why (its code), still on its way to `next`.
fn to_sign_in_page(failure: Failure, next: Option<&str>) -> Response {
    let mut location = format!("/login?sso={}", failure.code());
    if let Some(next) = next.filter(|next| *next != "/") {
        location.push_str("&next=");
        location.extend(percent_encoding::utf8_percent_encode(
            next,
            percent_encoding::NON_ALPHANUMERIC,
        ));
    }
    with_cookie(
        Redirect::to(&location).into_response(),
        &cleared_state_cookie(),
    )
}

fn cleared_state_cookie() -> String {
    format!("{STATE_COOKIE}=; Path=/auth/oidc; HttpOnly; SameSite=Lax; Max-Age=0")
}

fn secure(state: &AppState) -> &'static str {
    if state.context.secure_cookies {
        "; Secure"
    } else {
        ""
    }
}

fn with_cookie(mut response: Response, cookie: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// Whether `next` is a path of this site: never an open redirect (not
/// `//host`, not `/\host`, nothing a browser would read as another host).
fn is_local_path(next: &str) -> bool {
    next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control() || c == '\\')
        && next.len() <= 2048
}

#[cfg(test)]
mod tests {
    use super::is_local_path;

    #[test]
    fn only_paths_of_this_site_are_returned_to() {
        for local in [
            "/",
            "/agents/a/analytics/users?period=7d&tz=UTC",
            "/settings#keys",
        ] {
            assert!(is_local_path(local), "{local}");
        }
        for foreign in [
            "https://evil.example/",
            "//evil.example",
            "/\\evil.example",
            "/%09/x\\y",
            "/\t/evil.example",
            "agents",
            "",
        ] {
            assert!(!is_local_path(foreign), "{foreign}");
        }
    }
}
