//! The Users tab's first paint: its header and topline cards rendered by
//! the server into the page's HTML, so that a phone shows the figures
//! while the WebAssembly still downloads and starts (docs/API.md, "The
//! Users tab's first paint"). The app removes them when it mounts and
//! draws the whole tab. The figures are those of the `users_dashboard`
//! server function, asked for with the request's own session: nobody sees
//! here what the function would not answer them.

use leptos::prelude::*;
use leptos::reactive::computed::ScopedFuture;
use leptos_router::params::ParamsMap;

use crate::api::{get_agent, users_dashboard};
use crate::components::users::Topline;
use crate::pages::PeriodSpan;
use crate::server::ServerContext;
use crate::view_state::ViewState;

/// The element the first paint is in, removed by the app as it mounts
/// (`crate::mount`).
pub const ELEMENT_ID: &str = "first-paint";

/// The first paint of agent `agent_id`'s Users tab for the URL's `query`
/// pairs, as HTML, for the request whose head is `request`; `None` when
/// there is nothing to show before the app runs: not signed in, an agent
/// the session may not see, a period the server refuses (the app then
/// says why), or no zone in the URL (the app takes the browser's, which
/// the server does not know).
pub async fn users_tab(
    context: ServerContext,
    request: http::request::Parts,
    agent_id: String,
    query: Vec<(String, String)>,
) -> Option<String> {
    let view = ViewState::from_query(&query.into_iter().collect::<ParamsMap>());
    if view.tz.is_empty() {
        return None;
    }
    let owner = Owner::new();
    owner.with(|| {
        provide_context(context);
        provide_context(request);
    });
    let period = view.period_query("");
    let (agent, dashboard) = owner
        .with(|| {
            ScopedFuture::new(async move {
                futures::join!(
                    get_agent(agent_id.clone()),
                    users_dashboard(agent_id, period, Some(view.inactive_days))
                )
            })
        })
        .await;
    let (agent, overview) = (agent.ok()?, dashboard.ok()?.overview);
    let (period, tz) = (overview.period.clone(), overview.tz.clone());
    let online = Some(overview.online);
    Some(owner.with(|| {
        view! {
            <div id=ELEMENT_ID class="page" aria-busy="true">
                <div class="agent-header">
                    <div>
                        <h1>{agent.name}</h1>
                        <span class="agent-id">{agent.agent_id}</span>
                    </div>
                </div>
                <PeriodSpan period tz />
                <Topline overview=Signal::stored(Some(overview)) online=Signal::stored(online) />
            </div>
        }
        .to_html()
    }))
}
