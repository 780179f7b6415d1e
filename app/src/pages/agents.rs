use leptos::prelude::*;
use leptos_router::components::A;
use pulse_model::AgentListing;

use crate::api::compare_agents;
use crate::browser::time_zone;
use crate::components::ErrorPanel;

/// A column of the agents table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AgentColumn {
    Name,
    Online,
    Active30,
    Registered,
    Messages,
    Change,
}

impl AgentColumn {
    const ALL: [AgentColumn; 6] = [
        AgentColumn::Name,
        AgentColumn::Online,
        AgentColumn::Active30,
        AgentColumn::Registered,
        AgentColumn::Messages,
        AgentColumn::Change,
    ];

    fn label(self) -> &'static str {
        match self {
            AgentColumn::Name => "Agent",
            AgentColumn::Online => "Logged in now",
            AgentColumn::Active30 => "Active, 30 days",
            AgentColumn::Registered => "Registered",
            AgentColumn::Messages => "Messages, past month",
            AgentColumn::Change => "vs previous month",
        }
    }

    fn key(self) -> &'static str {
        match self {
            AgentColumn::Name => "name",
            AgentColumn::Online => "online",
            AgentColumn::Active30 => "active30",
            AgentColumn::Registered => "registered",
            AgentColumn::Messages => "messages",
            AgentColumn::Change => "change",
        }
    }
}

/// The change of messages against the previous month, as a share (None
/// when the previous month had none).
fn change(listing: &AgentListing) -> Option<f64> {
    let figures = listing.figures.as_ref()?;
    (figures.previous_messages > 0).then(|| {
        (figures.messages as f64 - figures.previous_messages as f64)
            / figures.previous_messages as f64
    })
}

fn sort(list: &mut [AgentListing], column: AgentColumn, descending: bool) {
    let number = |listing: &AgentListing, pick: fn(&pulse_model::AgentFigures) -> u64| {
        listing.figures.as_ref().map_or(0, pick)
    };
    list.sort_by(|a, b| {
        let order = match column {
            AgentColumn::Name => a.name.to_lowercase().cmp(&b.name.to_lowercase()),
            AgentColumn::Online => number(a, |f| f.online).cmp(&number(b, |f| f.online)),
            AgentColumn::Active30 => number(a, |f| f.active_30d).cmp(&number(b, |f| f.active_30d)),
            AgentColumn::Registered => {
                number(a, |f| f.registered).cmp(&number(b, |f| f.registered))
            }
            AgentColumn::Messages => number(a, |f| f.messages).cmp(&number(b, |f| f.messages)),
            AgentColumn::Change => change(a)
                .unwrap_or(f64::NEG_INFINITY)
                .total_cmp(&change(b).unwrap_or(f64::NEG_INFINITY)),
        };
        let order = order.then_with(|| a.agent_id.cmp(&b.agent_id));
        if descending { order.reverse() } else { order }
    });
}

/// Daily active users as an inline line.
fn sparkline(values: &[u64]) -> impl IntoView + use<> {
    let top = values.iter().copied().max().unwrap_or(0).max(1) as f64;
    let step = 100.0 / (values.len().max(2) - 1) as f64;
    let points: Vec<String> = values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            format!(
                "{:.1},{:.1}",
                i as f64 * step,
                20.0 - (*v as f64 / top) * 18.0
            )
        })
        .collect();
    view! {
        <svg class="sparkline" viewBox="0 0 100 20" preserveAspectRatio="none" aria-hidden="true">
            <polyline points=points.join(" ") fill="none" stroke="currentColor" stroke-width="1.5" />
        </svg>
    }
}

/// The landing page: every agent the viewer may see, compared.
#[component]
pub fn AgentsPage() -> impl IntoView {
    let tz = time_zone();
    let zone = tz.clone();
    let agents = LocalResource::new(move || compare_agents(zone.clone()));
    let sorting = RwSignal::new((AgentColumn::Name, false));
    let table_tz = tz.clone();
    view! {
        <h1>"Agents"</h1>
        <p class="muted">"Each agent's figures for the Past Month, as its Users tab shows them (" {tz.clone()} ")."</p>
        <Suspense fallback=|| view! { <p class="loading">"Loading agents…"</p> }>
            {move || {
                let tz = table_tz.clone();
                Suspend::new(async move {
                match agents.await {
                    Ok(list) if list.is_empty() => view! {
                        <p class="empty-state">"No agents yet. Events sent to the API create them."</p>
                    }.into_any(),
                    Ok(list) => {
                        let rows = move || {
                            let mut list = list.clone();
                            let (column, descending) = sorting.get();
                            sort(&mut list, column, descending);
                            list.into_iter().map(|agent| {
                                let figures = agent.figures.clone().unwrap_or_default();
                                let shift = change(&agent).map_or_else(|| "–".to_owned(), |c| format!("{:+.0}%", c * 100.0));
                                view! {
                                    <tr data-testid="agent-row" data-agent-id=agent.agent_id.clone()>
                                        <th scope="row">
                                            <A href=format!("/agents/{}/analytics/users", crate::view_state::encode_segment(&agent.agent_id))>
                                                <span class="agent-name">{agent.name.clone()}</span>
                                            </A>
                                            " "<span class="agent-id">{agent.agent_id.clone()}</span>
                                        </th>
                                        <td class="num" data-testid="agent-online">{crate::browser::number(figures.online)}</td>
                                        <td class="num" data-testid="agent-active30">{crate::browser::number(figures.active_30d)}</td>
                                        <td class="num" data-testid="agent-registered">{crate::browser::number(figures.registered)}</td>
                                        <td class="num" data-testid="agent-messages">{crate::browser::number(figures.messages)}</td>
                                        <td class="num" data-testid="agent-change">{shift}</td>
                                        <td>{sparkline(&figures.daily_users)}</td>
                                    </tr>
                                }
                            }).collect_view()
                        };
                        let header = AgentColumn::ALL.map(|column| {
                            let aria = move || match sorting.get() {
                                (c, false) if c == column => "ascending",
                                (c, true) if c == column => "descending",
                                _ => "none",
                            };
                            view! {
                                <th scope="col" aria-sort=aria>
                                    <button type="button" class="sort" data-testid=format!("agents-sort-{}", column.key())
                                        on:click=move |_| sorting.update(|(c, d)| {
                                            *d = *c == column && !*d;
                                            *c = column;
                                        })>{column.label()}</button>
                                </th>
                            }
                        }).collect_view();
                        view! {
                            <div class="table-scroll">
                                <table class="plain agents" data-testid="agent-list" data-tz=tz.clone()>
                                    <thead><tr>{header}<th scope="col">"Daily users"</th></tr></thead>
                                    <tbody>{rows}</tbody>
                                </table>
                            </div>
                        }.into_any()
                    }
                    Err(error) => view! { <ErrorPanel error retry=move || agents.refetch() /> }.into_any(),
                }
            })}}
        </Suspense>
    }
}
