use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_params_map;

use crate::view_state::encode_segment;

/// An agent opened by its address alone: its Users tab, the one thing an
/// administrator opens an agent for (with the agent's header above it).
#[component]
pub fn AgentPage() -> impl IntoView {
    let params = use_params_map();
    let agent_id = params.read_untracked().get("agent_id").unwrap_or_default();
    view! { <Redirect path=format!("/agents/{}/analytics/users", encode_segment(&agent_id)) /> }
}
