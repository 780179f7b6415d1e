use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use pulse_model::{ApiError, LearnerPage};

use super::routed_view::{RoutedView, use_routed_view};
use crate::api::learner_details;
use crate::charts::learner_days::LearnerDays;
use crate::components::learner::{ContactPanel, DayChart, Sessions, Summary};
use crate::components::users::{HeatmapPanel, TimeFilter};
use crate::components::{AgentHeader, ErrorPanel};
use crate::view_state::encode_segment;

/// One learner of an agent: who they are, their period against the
/// agent's median, their days, hours and sessions, and their follow-up.
/// The period, zone and the table's state travel in the URL, so Back
/// returns to the table as it was.
#[component]
pub fn LearnerPage() -> impl IntoView {
    let RoutedView {
        agent_id,
        state,
        set_state,
        browser_tz,
        zones,
        period_query,
        inactive_days,
    } = use_routed_view();
    let back = move || {
        format!(
            "/agents/{}/analytics/users?{}",
            encode_segment(&agent_id.get()),
            state.get().to_query()
        )
    };
    // Privacy mode holds on every page it can reach: a learner's page is
    // all about one named learner, so it stays closed (nothing is fetched).
    if crate::browser::privacy_mode() {
        return view! {
            <AgentHeader agent_id />
            <section class="learner" data-testid="learner-page">
                <div class="empty-state" data-testid="learner-private" role="alert">
                    <h1>"Privacy mode is on"</h1>
                    <p>"Learner pages are closed while privacy mode is on, so that no name shows on a shared screen. Turn it off on the Users tab to open them."</p>
                    <A href=back>"Back to the learners"</A>
                </div>
            </section>
        }
        .into_any();
    }
    let params = use_params_map();
    let user_id = Memo::new(move |_| params.read().get("user_id").unwrap_or_default());
    let page = LocalResource::new(move || {
        learner_details(
            agent_id.get(),
            user_id.get(),
            period_query.get(),
            Some(inactive_days.get()),
        )
    });
    let heatmap = Signal::derive(move || page.get().and_then(Result::ok).map(|p| p.view.heatmap));
    let on_marked = Callback::new(move |()| page.refetch());
    view! {
        <AgentHeader agent_id />
        <nav class="tabs" aria-label="Analytics">
            <A href=back attr:class="tab" attr:data-testid="back-to-table">"← Learners"</A>
        </nav>
        <section class="learner" data-testid="learner-page" aria-busy=move || page.get().is_none().to_string()>
            <TimeFilter state set_state browser_tz=browser_tz.clone() zones />
            {move || match page.get() {
                None => view! { <p class="muted">"Loading…"</p> }.into_any(),
                Some(Err(ApiError::NotFound(_))) => view! {
                    <div class="empty-state" data-testid="learner-not-found" role="alert">
                        <h1>"No such learner"</h1>
                        <p>"This agent has no learner with that id, or you may not see them."</p>
                        <A href=back>"Back to the learners"</A>
                    </div>
                }.into_any(),
                Some(Err(error)) => view! { <ErrorPanel error retry=move || page.refetch() /> }.into_any(),
                Some(Ok(LearnerPage { view, marks })) => {
                    let days = LearnerDays(view.days.clone());
                    let sessions = view.sessions.clone();
                    // One zone for every time on the page: the one chosen.
                    let tz = state.get_untracked().tz;
                    view! {
                        <Summary view inactive_days=inactive_days.get_untracked() tz=tz.clone() />
                        <DayChart days />
                        <div class="panels">
                            <HeatmapPanel heatmap state set_state />
                            <Sessions sessions tz=tz.clone() />
                        </div>
                        <ContactPanel agent_id=agent_id.get_untracked() user_id=user_id.get_untracked() marks on_marked tz />
                    }.into_any()
                }
            }}
        </section>
    }
    .into_any()
}
