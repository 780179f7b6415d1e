use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::components::AgentHeader;

/// An agent's home: its header, with the way into its analytics.
#[component]
pub fn AgentPage() -> impl IntoView {
    let params = use_params_map();
    let agent_id = Memo::new(move |_| params.read().get("agent_id").unwrap_or_default());
    view! {
        <AgentHeader agent_id />
        <section class="agent-home">
            <p>"Open " <A href=move || format!("/agents/{}/analytics/users", agent_id.get())>"Analytics"</A>
            " to see who uses this agent, how often and when."</p>
        </section>
    }
}
