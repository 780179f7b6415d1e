use std::time::Duration;

use leptos::prelude::*;
use pulse_model::{ApiError, Dashboard};

use super::routed_view::{RoutedView, use_routed_view};
use crate::api::{
    learner_activity, list_annotations, list_contact_marks, list_sections, online_now,
    users_dashboard,
};
use crate::components::users::{
    FollowUpData, HeatmapPanel, RetentionPanel, SectionFilter, SectionsPanel, TimeFilter, Topline,
    TrendPanel, UserTable,
};
use crate::components::{AgentHeader, ErrorPanel};

/// How often the live count refreshes.
const LIVE_REFRESH: Duration = Duration::from_secs(15);

/// Analytics → Users for one agent.
#[component]
pub fn UsersTabPage() -> impl IntoView {
    let RoutedView {
        agent_id,
        state,
        set_state,
        browser_tz,
        zones,
        period_query,
        inactive_days,
    } = use_routed_view();
    // Only the period and zone refetch; sorting and filtering stay in the browser.
    let dashboard = LocalResource::new(move || {
        users_dashboard(
            agent_id.get(),
            period_query.get(),
            Some(inactive_days.get()),
        )
    });
    let section = Memo::new(move |_| period_query.get().section);
    let online = LocalResource::new(move || online_now(agent_id.get(), section.get()));
    let sections = LocalResource::new(move || list_sections(agent_id.get()));
    let sections = Signal::derive(move || sections.get().and_then(Result::ok).unwrap_or_default());
    let notes = LocalResource::new(move || list_annotations(agent_id.get()));
    let on_notes_changed = Callback::new(move |()| notes.refetch());
    let notes = Signal::derive(move || notes.get().and_then(Result::ok).unwrap_or_default());
    // Loaded beside the figures: the sparklines and the contact marks.
    let strips = LocalResource::new(move || learner_activity(agent_id.get(), period_query.get()));
    let marks = LocalResource::new(move || list_contact_marks(agent_id.get()));
    let follow_up = FollowUpData {
        marks: Signal::derive(move || {
            marks
                .get()
                .and_then(Result::ok)
                .map(|marks| {
                    marks
                        .marks
                        .into_iter()
                        .map(|mark| (mark.user_id.clone(), mark))
                        .collect()
                })
                .unwrap_or_default()
        }),
        strips: Signal::derive(move || strips.get().and_then(Result::ok)),
        reminders: Signal::derive(move || {
            marks
                .get()
                .and_then(Result::ok)
                .is_some_and(|marks| marks.reminders)
        }),
        on_marked: Callback::new(move |()| marks.refetch()),
    };
    live_refresh(online);

    let loaded = Memo::new(move |_| dashboard.get().and_then(Result::ok));
    let error = Memo::new(move |_| dashboard.get().and_then(Result::err));
    let overview = Signal::derive(move || loaded.get().map(|d: Dashboard| d.overview));
    let trend = Signal::derive(move || loaded.get().map(|d: Dashboard| d.trend));
    let heatmap = Signal::derive(move || loaded.get().map(|d: Dashboard| d.heatmap));
    let users = Signal::derive(move || loaded.get().map(|d| d.users.users).unwrap_or_default());
    let online_count = Signal::derive(move || online.get().and_then(Result::ok));
    // The exact span the figures cover, in the selected zone.
    let span = move || {
        let bounds = overview.get()?.period;
        let time = |at: chrono::DateTime<chrono::FixedOffset>| {
            view! { <time datetime=at.to_rfc3339()>{at.format("%a %-d %b %Y %H:%M").to_string()}</time> }
        };
        Some(view! { "Figures for " {time(bounds.start)} " – " {time(bounds.end)} })
    };
    let empty = move || loaded.get().is_some_and(|d| d.overview.active_users == 0);
    let loading = move || dashboard.get().is_none();

    view! {
        <AgentHeader agent_id />
        <nav class="tabs" aria-label="Analytics">
            <span class="tab active" aria-current="page">"Users"</span>
        </nav>
        <section class="users-tab" data-testid="users-tab" aria-busy=move || loading().to_string()>
            <div class="filters">
                <TimeFilter state set_state browser_tz=browser_tz.clone() zones />
                <SectionFilter state set_state sections />
            </div>
            <p class="period-span muted" data-testid="period-span">{span}</p>
            {move || error.get().map(|error: ApiError| view! { <ErrorPanel error retry=move || dashboard.refetch() /> })}
            <Topline overview online=online_count />
            <Show when=empty>
                <p class="empty-state" data-testid="no-activity">"No activity in this period."</p>
            </Show>
            <div class="panels" class:loading=loading>
                <TrendPanel trend agent_id notes on_notes_changed />
                <HeatmapPanel heatmap state set_state />
            </div>
            <SectionsPanel agent_id period_query />
            <UserTable agent_id users state set_state follow_up />
            <RetentionPanel agent_id state set_state browser_tz=browser_tz.clone() />
        </section>
    }
}

/// Refreshes the live count every LIVE_REFRESH, and as soon as the tab
/// comes back to the foreground.
fn live_refresh<T: 'static>(online: LocalResource<T>) {
    if let Ok(handle) = set_interval_with_handle(move || online.refetch(), LIVE_REFRESH) {
        on_cleanup(move || handle.clear());
    }
    let listener = window_event_listener(leptos::ev::visibilitychange, move |_| {
        let visible = document().visibility_state() == web_sys::VisibilityState::Visible;
        if visible {
            online.refetch();
        }
    });
    on_cleanup(move || listener.remove());
}
