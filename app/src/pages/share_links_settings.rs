//! Settings → Share links: make a read-only link of an agent (or one
//! section) for people without an account, see who made which and how
//! often it was opened, and revoke one at once.

use leptos::prelude::*;
use pulse_model::{Agent, PeriodKind, PeriodQuery, ShareLinkRequest, ShareLinkView};

use super::settings::{loaded, refetch_after};
use crate::api::{create_share_link, list_agents, list_share_links, revoke_share_link};
use crate::browser::time_zone;
use crate::components::share_link_form::{LinkOptionFields, LinkOptions, NewLinkNotice};
use crate::dates::{DateStyle, in_zone};

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
    let options = LinkOptions::new();
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let optional = |text: String| Some(text.trim().to_owned()).filter(|t| !t.is_empty());
        let query = PeriodQuery {
            period: period.get_untracked(),
            from: None,
            to: None,
            tz: tz.get_untracked(),
            section: optional(section.get_untracked()),
        };
        create.dispatch(options.request(agent.get_untracked(), query));
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
                <LinkOptionFields options prefix="share" />
                <button type="submit" class="button primary" data-testid="create-share">"Create link"</button>
            </form>
            <NewLinkNotice made=create.value().into() prefix="share" />
            {move || super::settings::outcome(revoke.value().get(), "Revoked: the link shows nothing now.")}
        </section>
    }
}

#[component]
fn LinksTable(
    list: Vec<ShareLinkView>,
    revoke: Action<i64, Result<(), pulse_model::ApiError>>,
) -> impl IntoView {
    let day = |at: chrono::DateTime<chrono::Utc>| in_zone(at, "", DateStyle::DayWithYear, false);
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
                        <td>{link.last_opened_at.map_or_else(|| "never".into(), |at| in_zone(at, "", DateStyle::DayTimeWithYear, false))}</td>
                        <td data-testid="share-views">{link.views}</td>
                        <td>{state}</td>
                    </tr>
                }
            }).collect_view()}</tbody>
        </table>
    }
}
