use leptos::prelude::*;
use pulse_model::{DEFAULT_MIN_COUNT, NewShareLink, PeriodQuery, ShareLinkRequest};

use crate::api::create_share_link;

/// "Share this view…": a read-only link of the agent (and section), period
/// and zone on screen, for people without an account; counts under k
/// hidden, no learner named. Listed and revoked in Settings.
#[component]
pub fn ShareView(agent_id: Memo<String>, period_query: Memo<PeriodQuery>) -> impl IntoView {
    let expires_days = RwSignal::new(30_u32);
    let min_count = RwSignal::new(DEFAULT_MIN_COUNT);
    let password = RwSignal::new(String::new());
    let create = Action::new_local(|request: &ShareLinkRequest| create_share_link(request.clone()));
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let query = period_query.get_untracked();
        create.dispatch(ShareLinkRequest {
            agent_id: agent_id.get_untracked(),
            section: query.section,
            period: query.period,
            from: query.from,
            to: query.to,
            tz: query.tz,
            expires_days: expires_days.get_untracked(),
            min_count: min_count.get_untracked(),
            password: Some(password.get_untracked()).filter(|p| !p.is_empty()),
        });
    };
    view! {
        <details class="share-view no-print" data-testid="share-view">
            <summary class="button">"Share this view…"</summary>
            <form class="inline-form" on:submit=submit>
                <label>"Expires in (days)" <input type="number" min="1" max="366"
                    prop:value=move || expires_days.get().to_string()
                    on:input=move |e| expires_days.set(event_target_value(&e).parse().unwrap_or(0)) /></label>
                <label>"Hide counts under" <input type="number" min="2" max="100" data-testid="share-view-min-count"
                    prop:value=move || min_count.get().to_string()
                    on:input=move |e| min_count.set(event_target_value(&e).parse().unwrap_or(0)) /></label>
                <label>"Password (optional)" <input type="password" autocomplete="new-password"
                    on:input=move |e| password.set(event_target_value(&e)) /></label>
                <button type="submit" class="button primary" data-testid="share-view-create">"Create link"</button>
            </form>
            {move || match create.value().get() {
                Some(Ok(NewShareLink { path, .. })) => {
                    let href = format!("{}{path}", window().location().origin().unwrap_or_default());
                    Some(view! {
                        <p class="notice" role="status">"Copy this link now; it is not shown again: "
                            <a data-testid="share-view-link" href=href.clone() target="_blank" rel="noopener noreferrer">{href.clone()}</a></p>
                    }.into_any())
                }
                Some(Err(error)) => Some(view! { <p class="form-error" role="alert">{error.to_string()}</p> }.into_any()),
                None => None,
            }}
        </details>
    }
}
