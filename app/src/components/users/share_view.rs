use leptos::prelude::*;
use pulse_model::{PeriodQuery, ShareLinkRequest};

use crate::api::create_share_link;
use crate::components::share_link_form::{LinkOptionFields, LinkOptions, NewLinkNotice};

/// "Share this view…": a read-only link of the agent (and section), period
/// and zone on screen, for people without an account; counts under k
/// hidden, no learner named. Listed and revoked in Settings.
#[component]
pub fn ShareView(agent_id: Memo<String>, period_query: Memo<PeriodQuery>) -> impl IntoView {
    let options = LinkOptions::new();
    let create = Action::new_local(|request: &ShareLinkRequest| create_share_link(request.clone()));
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        create.dispatch(options.request(agent_id.get_untracked(), period_query.get_untracked()));
    };
    view! {
        <details class="share-view no-print" data-testid="share-view">
            <summary class="button">"Share this view…"</summary>
            <form class="inline-form" on:submit=submit>
                <LinkOptionFields options prefix="share-view" />
                <button type="submit" class="button primary" data-testid="share-view-create">"Create link"</button>
            </form>
            <NewLinkNotice made=create.value().into() prefix="share-view" />
        </details>
    }
}
