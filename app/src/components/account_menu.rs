use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_location;

use super::use_me;
use crate::api::logout;

/// Who is signed in, with a way out; sends a signed-out browser to the
/// sign-in page, then back to where it was (except from the pages anyone
/// may open: sign-in itself and share links).
#[component]
pub fn AccountMenu() -> impl IntoView {
    let location = use_location();
    let me = use_me();
    Effect::new(move |_| {
        let path = location.pathname.get();
        if let Some(Ok(None)) = me.get()
            && path != "/login"
            && !path.starts_with("/share/")
            && !crate::browser::is_framed()
        {
            // The router's `search` has no leading '?'.
            let search = location.search.get_untracked();
            let next = if search.is_empty() {
                path
            } else {
                format!("{path}?{}", search.trim_start_matches('?'))
            };
            let target = format!("/login?next={}", js_sys::encode_uri_component(&next));
            let _ = window().location().set_href(&target);
        }
    });
    let sign_out = Action::new_local(|_: &()| logout());
    Effect::new(move |_| {
        if let Some(answer) = sign_out.value().get() {
            // Signed on by the provider: on to end that session too.
            let next = answer.ok().flatten().unwrap_or_else(|| "/login".into());
            let _ = window().location().set_href(&next);
        }
    });
    view! {
        <div class="account-menu">
            {move || match me.get() {
                Some(Ok(Some(me))) => {
                    // Inside a host platform, the platform signs people in
                    // and out (docs/EMBED.md).
                    let embedded = me.embedded_agents.is_some();
                    view! {
                        <span data-testid="signed-in-as">{me.name} {me.superadmin.then_some(" (superadmin)")}</span>
                        {me.manages_settings.then(|| view! {
                            <A href="/settings" attr:data-testid="settings-link">"Settings"</A>
                        })}
                        {(!embedded).then(|| view! {
                            <button type="button" class="button" data-testid="sign-out" on:click=move |_| { sign_out.dispatch(()); }>"Sign out"</button>
                        })}
                    }.into_any()
                }
                // A framed page cannot show the sign-in page (it refuses to
                // be framed): the host platform must open a new session.
                Some(Ok(None)) if crate::browser::is_framed() => view! {
                    <span role="alert" data-testid="embed-signed-out">"This session has ended: reload the page to open a new one."</span>
                }.into_any(),
                _ => ().into_any(),
            }}
        </div>
    }
}
