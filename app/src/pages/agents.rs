use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::list_agents;
use crate::components::ErrorPanel;

/// The landing page: every agent the viewer may see.
#[component]
pub fn AgentsPage() -> impl IntoView {
    let agents = LocalResource::new(list_agents);
    view! {
        <h1>"Agents"</h1>
        <Suspense fallback=|| view! { <p class="loading">"Loading agents…"</p> }>
            {move || Suspend::new(async move {
                match agents.await {
                    Ok(list) if list.is_empty() => view! {
                        <p class="empty-state">"No agents yet. Events sent to the API create them."</p>
                    }.into_any(),
                    Ok(list) => view! {
                        <ul class="agent-list" data-testid="agent-list">
                            {list.into_iter().map(|agent| view! {
                                <li>
                                    <A href=format!("/agents/{}", agent.agent_id)>
                                        <span class="agent-name">{agent.name}</span>
                                        <span class="agent-id">{agent.agent_id}</span>
                                    </A>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(error) => view! { <ErrorPanel error retry=move || agents.refetch() /> }.into_any(),
                }
            })}
        </Suspense>
    }
}
