use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::get_agent;

/// The agent's name and id, with the Analytics button.
#[component]
pub fn AgentHeader(agent_id: Memo<String>) -> impl IntoView {
    let agent = LocalResource::new(move || get_agent(agent_id.get()));
    let name = move || match agent.get() {
        Some(Ok(agent)) => agent.name,
        Some(Err(error)) => error.to_string(),
        None => String::new(),
    };
    view! {
        <div class="agent-header">
            <div>
                <Show when=move || !super::held_to_one_agent()>
                    <A href="/" attr:class="back">"← Agents"</A>
                </Show>
                <h1 data-testid="agent-name">{name}</h1>
                <span class="agent-id">{move || agent_id.get()}</span>
            </div>
            <A href=move || format!("/agents/{}/analytics/users", agent_id.get()) attr:class="button primary">
                "Analytics"
            </A>
        </div>
    }
}
