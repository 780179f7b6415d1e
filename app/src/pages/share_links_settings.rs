//! Settings → Share links: make a read-only link of an agent (or one
//! section) for people without an account, see who made which and how
//! often it was opened, and revoke one at once.

use leptos::prelude::*;
use pulse_model::{
    Agent, DEFAULT_MIN_COUNT, NewShareLink, PeriodKind, ShareLinkRequest, ShareLinkView,
};

use super::settings::{loaded, refetch_after};
use crate::api::{create_share_link, list_agents, list_share_links, revoke_share_link};
use crate::browser::time_zone;

#[component]
pub fn ShareLinksSettings() -> impl IntoView {
    let links = LocalResource::new(list_share_links);
    let agents = LocalResource::new(list_agents);
    let create = Action::new_local(|request: &ShareLinkRequest| create_share_link(request.clone()));
    let revoke = Action::new_local(|id: &i64| revoke_share_link(*id));
    refetch_after(links, move || {
        let (created, revoked) = (create.value().get(), revoke.value().get());
        created.is_some() || revoked.is_some()
    });
    let agent = RwSignal::new(String::new());
    let section = RwSignal::new(String::new());
    let period = RwSignal::new(PeriodKind::PastMonth.as_str().to_owned());
    let tz = RwSignal::new(time_zone());
    let expires_days = RwSignal::new(30_u32);
    let min_count = RwSignal::new(DEFAULT_MIN_COUNT);
    let password = RwSignal::new(String::new());
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let optional = |text: String| Some(text.trim().to_owned()).filter(|t| !t.is_empty());
        create.dispatch(ShareLinkRequest {
            agent_id: agent.get_untracked(),
            section: optional(section.get_untracked()),
            period: period.get_untracked(),
            from: None,
            to: None,
            tz: tz.get_untracked(),
            expires_days: expires_days.get_untracked(),
            min_count: min_count.get_untracked(),
            password: Some(password.get_untracked()).filter(|p| !p.is_empty()),
        });
    };
    view! {
        <section class="panel" aria-labelledby="share-title">
            <h2 id="share-title">"Share links"</h2>
            <p class="muted">"A share link shows an agent's counts, trend and heatmap to anyone holding it, \
                without naming any learner; counts of fewer learners than its threshold are hidden."</p>
            {loaded(links, move |list: Vec<ShareLinkView>| view! { <LinksTable list revoke /> })}
            <h3>"New share link"</h3>
            <form class="inline-form" data-testid="share-form" on:submit=submit>
                <label>"Agent" <select required data-testid="share-agent"
                    on:change=move |e| agent.set(event_target_value(&e))>
                    <option value="">"Choose…"</option>
                    {move || agents.get().and_then(Result::ok).map(|list: Vec<Agent>| list.into_iter().map(|a| view! {
                        <option value=a.agent_id.clone()>{a.name.clone()}</option>
                    }).collect_view())}
                </select></label>
                <label>"Section id (optional)" <input data-testid="share-section"
                    on:input=move |e| section.set(event_target_value(&e)) /></label>
                <label>"Period" <select data-testid="share-period" on:change=move |e| period.set(event_target_value(&e))>
                    {[PeriodKind::PastMonth, PeriodKind::Past7Days, PeriodKind::Today].map(|kind| view! {
                        <option value=kind.as_str()>{kind.label()}</option>
                    }).collect_view()}
                </select></label>
                <label>"Time zone" <input prop:value=move || tz.get() on:input=move |e| tz.set(event_target_value(&e)) /></label>
                <label>"Expires in (days)" <input type="number" min="1" max="366" data-testid="share-expires"
                    prop:value=move || expires_days.get().to_string()
                    on:input=move |e| expires_days.set(event_target_value(&e).parse().unwrap_or(0)) /></label>
                <label>"Hide counts under" <input type="number" min="2" max="100" data-testid="share-min-count"
                    prop:value=move || min_count.get().to_string()
                    on:input=move |e| min_count.set(event_target_value(&e).parse().unwrap_or(0)) /></label>
                <label>"Password (optional)" <input type="password" autocomplete="new-password" data-testid="share-password-new"
                    on:input=move |e| password.set(event_target_value(&e)) /></label>
                <button type="submit" class="button primary" data-testid="create-share">"Create link"</button>
            </form>
            {move || match create.value().get() {
                Some(Ok(NewShareLink { path, .. })) => {
                    let href = format!("{}{path}", window().location().origin().unwrap_or_default());
                    Some(view! {
                        <p class="notice" role="status">"Copy this link now; it is not shown again: "
                            <a data-testid="new-share-link" href=href.clone() target="_blank" rel="noopener noreferrer">{href.clone()}</a></p>
                    }.into_any())
                }
                Some(Err(error)) => Some(view! { <p class="form-error" role="alert">{error.to_string()}</p> }.into_any()),
                None => None,
            }}
            {move || super::settings::outcome(revoke.value().get(), "Revoked: the link shows nothing now.")}
        </section>
    }
}

#[component]
fn LinksTable(
    list: Vec<ShareLinkView>,
    revoke: Action<i64, Result<(), pulse_model::ApiError>>,
) -> impl IntoView {
    let day = |at: chrono::DateTime<chrono::Utc>| at.format("%Y-%m-%d").to_string();
    let now = chrono::DateTime::from_timestamp_millis(crate::browser::now_ms()).unwrap_or_default();
    view! {
        <table class="plain" data-testid="share-links">
            <thead><tr>
                <th>"Agent"</th><th>"Shows"</th><th>"Made by"</th><th>"Created"</th><th>"Expires"</th>
                <th>"Last opened"</th><th>"Views"</th><th>"State"</th>
            </tr></thead>
            <tbody>{list.into_iter().map(|link| {
                let id = link.id;
                let shows = format!(
                    "{} · {} · {} · k={}{}",
                    link.section.clone().unwrap_or_else(|| "whole agent".into()),
                    PeriodKind::parse(&link.period).map_or("Custom", PeriodKind::label),
                    link.tz,
                    link.min_count,
                    if link.has_password { " · password" } else { "" }
                );
                let state = if link.revoked_at.is_some() {
                    view! { <span class="muted">"revoked"</span> }.into_any()
                } else if link.expires_at <= now {
                    view! { <span class="muted">"expired"</span> }.into_any()
                } else {
                    view! { <button type="button" class="button" data-testid="revoke-share"
                        on:click=move |_| { revoke.dispatch(id); }>"Revoke"</button> }.into_any()
                };
                view! {
                    <tr data-testid="share-link-row">
                        <td><code>{link.agent_id.clone()}</code></td>
                        <td>{shows}</td>
                        <td>{link.created_by.clone()}</td>
                        <td>{day(link.created_at)}</td>
                        <td>{day(link.expires_at)}</td>
                        <td>{link.last_opened_at.map_or_else(|| "never".into(), |at| at.format("%Y-%m-%d %H:%M").to_string())}</td>
                        <td data-testid="share-views">{link.views}</td>
                        <td>{state}</td>
                    </tr>
                }
            }).collect_view()}</tbody>
        </table>
    }
}
