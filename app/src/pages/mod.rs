//! The routes of the app and the page each one shows.

mod agent;
mod agents;
mod learner;
mod login;
mod not_found;
mod routed_view;
mod sections_settings;
mod settings;
mod share_links_settings;
mod users_tab;

#[cfg(feature = "ssr")]
pub use users_tab::PeriodSpan;

use leptos::prelude::*;
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::path;

use crate::components::{AccountMenu, SignedIn, held_to_one_agent, provide_me};

/// The root component: the header and the routed page below it.
#[component]
pub fn App() -> impl IntoView {
    provide_me();
    view! {
        <Router>
            <header class="app-header">
                // Inside a host platform, for one agent, the brand leads
                // nowhere: the agents page is the only agent switcher.
                <Show when=move || !held_to_one_agent()
                    fallback=|| view! { <span class="brand">"Pulse"</span> }>
                    <A href="/" attr:class="brand">"Pulse"</A>
                </Show>
                <span class="tagline">"Who uses your agents, and when"</span>
                <AccountMenu />
            </header>
            <main class="page">
                <Routes fallback=not_found::NotFound>
                    <Route path=path!("/login") view=login::LoginPage />
                    <Route path=path!("/settings") view=|| view! { <SignedIn><settings::SettingsPage /></SignedIn> } />
                    <Route path=path!("/") view=|| view! { <SignedIn><agents::AgentsPage /></SignedIn> } />
                    <Route path=path!("/agents/:agent_id") view=|| view! { <SignedIn><agent::AgentPage /></SignedIn> } />
                    <Route path=path!("/agents/:agent_id/analytics/users")
                        view=|| view! { <SignedIn><users_tab::UsersTabPage /></SignedIn> } />
                    <Route path=path!("/agents/:agent_id/analytics/users/:user_id")
                        view=|| view! { <SignedIn><learner::LearnerPage /></SignedIn> } />
                </Routes>
            </main>
        </Router>
    }
}
