use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::login;

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

/// Sign in. On success the whole app reloads at `next` with the new session.
#[component]
pub fn LoginPage() -> impl IntoView {
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
        <section class="login">
            <h1>"Sign in"</h1>
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
        </section>
    }
}
