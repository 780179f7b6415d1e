use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::components::AgentHeader;

/// Analytics → Users for one agent.
#[component]
pub fn UsersTabPage() -> impl IntoView {
    let params = use_params_map();
    let agent_id = Memo::new(move |_| params.read().get("agent_id").unwrap_or_default());
    view! {
        <AgentHeader agent_id />
        <nav class="tabs" aria-label="Analytics">
            <span class="tab active" aria-current="page">"Users"</span>
        </nav>
        <section class="users-tab" data-testid="users-tab">
            <p>"The Users tab is being built."</p>
        </section>
    }
}
