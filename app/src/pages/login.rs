use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::{login, sign_in_methods};

/// `next` as a path of this site, or None. Never an open redirect: the
/// browser resolves `next` against this page, with its own URL parser (the
/// one that reads `/\\evil.example` or `/%09/evil.example` as another
/// host), and only a result of this very origin is kept.
fn same_site_path(next: &str) -> Option<String> {
    let location = window().location();
    let origin = location.origin().ok()?;
    let url = web_sys::Url::new_with_base(next, &origin).ok()?;
    (url.origin() == origin).then(|| format!("{}{}{}", url.pathname(), url.search(), url.hash()))
}

/// What the sign-in page says when the single-sign-on provider sent the
/// browser back without a session (`/login?sso=CODE`, set by the server's
/// `/auth/oidc/callback`). Only codes are read from the URL, so that a
/// forged link cannot put words on this page.
fn single_sign_on_failure(code: &str) -> &'static str {
    match code {
        "unreachable" => {
            "The sign-in provider cannot be reached right now. Try again in a few minutes."
        }
        "denied" => "The sign-in provider did not sign you in (cancelled or refused there).",
        "expired" => {
            "That sign-in took too long, or was started in another browser or tab. Please start again."
        }
        "no-access" => {
            "Your account at the sign-in provider is in no group that has access to Pulse. Ask your administrator."
        }
        "disabled" => "This account has been disabled in Pulse's settings.",
        "name-taken" => {
            "An account of Pulse already has your name. Ask your administrator to rename it."
        }
        _ => "The sign-in provider's answer could not be verified. Please start again.",
    }
}

/// Sign in, with a password or through the single-sign-on provider
/// (whichever the site has on). On success the whole app reloads at `next`.
#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let methods = LocalResource::new(sign_in_methods);
    let provider_link = move || {
        let next = query.read().get("next");
        let next = next
            .as_deref()
            .and_then(same_site_path)
            .unwrap_or_else(|| "/".into());
        format!(
            "/auth/oidc/login?next={}",
            js_sys::encode_uri_component(&next)
        )
    };
    let failure = move || {
        query
            .read()
            .get("sso")
            .map(|code| view! { <p class="form-error" role="alert" data-testid="sso-error">{single_sign_on_failure(&code)}</p> })
    };
    view! {
        <section class="login">
            <h1>"Sign in"</h1>
            {failure}
            {move || match methods.get() {
                None => ().into_any(),
                Some(Err(error)) => view! { <p class="form-error" role="alert">{error.to_string()}</p> }.into_any(),
                Some(Ok(methods)) => view! {
                    {methods.single_sign_on.map(|name| view! {
                        <a class="button primary" rel="external" href=provider_link data-testid="sso-sign-in">
                            {format!("Sign in with {name}")}
                        </a>
                    })}
                    {methods.password.then(PasswordForm)}
                }.into_any(),
            }}
        </section>
    }
}

/// Username and password.
#[component]
fn PasswordForm() -> impl IntoView {
    let query = use_query_map();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let sign_in = Action::new_local(move |(username, password): &(String, String)| {
        login(username.clone(), password.clone())
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = sign_in.value().get() {
            let next = query.read_untracked().get("next");
            let target = next.as_deref().and_then(same_site_path);
            let _ = window()
                .location()
                .set_href(&target.unwrap_or_else(|| "/".into()));
        }
    });
    let error = move || {
        sign_in
            .value()
            .get()
            .and_then(Result::err)
            .map(|error| error.to_string())
    };
    view! {
        <form on:submit=move |event| {
            event.prevent_default();
            sign_in.dispatch((username.get_untracked(), password.get_untracked()));
        }>
            <label>"Username" <input type="text" name="username" autocomplete="username" required
                data-testid="login-username" on:input=move |e| username.set(event_target_value(&e)) /></label>
            <label>"Password" <input type="password" name="password" autocomplete="current-password" required
                data-testid="login-password" on:input=move |e| password.set(event_target_value(&e)) /></label>
            <button type="submit" class="button primary" data-testid="login-submit"
                disabled=move || sign_in.pending().get()>"Sign in"</button>
            {move || error().map(|text| view! { <p class="form-error" role="alert" data-testid="login-error">{text}</p> })}
        </form>
    }
}
