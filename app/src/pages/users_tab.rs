use std::time::Duration;

use leptos::prelude::*;
use pulse_model::{ApiError, DEFAULT_MIN_COUNT, Dashboard, SharedFigures, UserRow, pseudonym};

use super::routed_view::{RoutedView, use_routed_view};
use crate::api::{
    kept_event_days, learner_activity, list_annotations, list_contact_marks, list_sections,
    online_now, users_dashboard,
};
use crate::browser::{now_ms, privacy_mode, set_privacy_mode};
use crate::components::shared_figures::{SharedCards, SharedHeatmap, SharedTrend};
use crate::components::users::{
    FollowUpData, HeatmapPanel, LearnerTable, RetentionPanel, SectionFilter, SectionsPanel,
    ShareView, TimeFilter, Topline, TrendPanel,
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
    // Each answer keeps what it was asked, so that the figures of the
    // previous period, kept on screen while the next ones load, show as such.
    let asked = Memo::new(move |_| (agent_id.get(), period_query.get(), inactive_days.get()));
    let dashboard = LocalResource::new(move || {
        let key = asked.get();
        async move {
            let answer = users_dashboard(key.0.clone(), key.1.clone(), Some(key.2)).await;
            (key, answer)
        }
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

    let loaded = Memo::new(move |_| dashboard.get().and_then(|(_, answer)| answer.ok()));
    let error = Memo::new(move |_| dashboard.get().and_then(|(_, answer)| answer.err()));
    let overview = Signal::derive(move || loaded.get().map(|d: Dashboard| d.overview));
    let trend = Signal::derive(move || loaded.get().map(|d: Dashboard| d.trend));
    let heatmap = Signal::derive(move || loaded.get().map(|d: Dashboard| d.heatmap));
    let online_count = Signal::derive(move || online.get().and_then(Result::ok));
    let privacy = RwSignal::new(privacy_mode());
    let users = Signal::derive(move || {
        let rows = loaded.get().map(|d| d.users.users).unwrap_or_default();
        if privacy.get() {
            pseudonymous(rows)
        } else {
            rows
        }
    });
    // Privacy mode: what a share link would show of these figures.
    let shared = Memo::new(move |_| {
        let dashboard = loaded.get()?;
        let mut overview = dashboard.overview;
        overview.online = online_count.get().unwrap_or(overview.online);
        Some(SharedFigures::suppress(
            &overview,
            &dashboard.trend,
            &dashboard.heatmap,
            DEFAULT_MIN_COUNT,
        ))
    });
    let kept_days = LocalResource::new(kept_event_days);
    let purge_note = move || {
        let days = kept_days.get().and_then(Result::ok).flatten()?;
        // The browser's clock: chrono's own has none in wasm.
        let today = chrono::DateTime::from_timestamp_millis(now_ms())?.date_naive();
        let first = today - chrono::Duration::days(i64::from(days));
        Some(view! {
            <p class="muted" data-testid="purge-note">{format!(
                "Events older than {days} days are deleted (from {first} UTC on is kept): periods before then show nothing, \
                 and first active dates, the lifecycle's new learners and the cohorts start from the oldest event kept."
            )}</p>
        })
    };
    // The local dates of the figures on screen (the end is exclusive).
    let shown_dates = Signal::derive(move || {
        let bounds = overview.get()?.period;
        let last = bounds.end - chrono::Duration::milliseconds(1);
        Some((
            bounds.start.date_naive(),
            last.date_naive().max(bounds.start.date_naive()),
        ))
    });
    let span = move || {
        overview
            .get()
            .map(|overview| view! { <PeriodSpan period=overview.period tz=overview.tz /> })
    };
    let empty = move || loaded.get().is_some_and(|d| d.overview.active_users == 0);
    let loading = move || {
        let asked = asked.get();
        dashboard.with(|answer| answer.as_ref().is_none_or(|(key, _)| *key != asked))
    };

    view! {
        <AgentHeader agent_id />
        <nav class="tabs" aria-label="Analytics">
            <span class="tab active" aria-current="page">"Users"</span>
        </nav>
        <section class="users-tab" data-testid="users-tab" aria-busy=move || loading().to_string()>
            <div class="filters">
                <TimeFilter state set_state browser_tz=browser_tz.clone() zones shown=shown_dates />
                <SectionFilter state set_state sections />
                <ViewTools privacy agent_id period_query />
            </div>
            {span}
            {purge_note}
            {move || error.get().map(|error: ApiError| view! { <ErrorPanel error retry=move || dashboard.refetch() /> })}
            <Show when=move || !privacy.get() fallback=move || view! { <PrivateFigures shared /> }>
                <Topline overview online=online_count />
                <Show when=empty>
                    <p class="empty-state" data-testid="no-activity">"No activity in this period."</p>
                </Show>
                <div class="panels" class:loading=loading>
                    <TrendPanel trend agent_id notes on_notes_changed />
                    <HeatmapPanel heatmap state set_state />
                </div>
                <SectionsPanel agent_id period_query />
            </Show>
            <LearnerTable agent_id users state set_state follow_up private=privacy.into() />
            <Show when=move || !privacy.get()>
                <RetentionPanel agent_id state set_state browser_tz=browser_tz.clone() />
            </Show>
        </section>
    }
}

/// Privacy mode, the printed report and share links of what is on screen.
#[component]
fn ViewTools(
    privacy: RwSignal<bool>,
    agent_id: Memo<String>,
    period_query: Memo<pulse_model::PeriodQuery>,
) -> impl IntoView {
    view! {
        <label class="check no-print" title="Hide counts under 5 and replace names, for sharing the screen">
            <input type="checkbox" data-testid="privacy-mode" prop:checked=move || privacy.get()
                on:change=move |e| {
                    let on = event_target_checked(&e);
                    set_privacy_mode(on);
                    privacy.set(on);
                } />
            " Privacy mode"
        </label>
        <button type="button" class="button no-print" data-testid="print-report"
            on:click=move |_| { let _ = window().print(); }>"Print report"</button>
        <ShareView agent_id period_query />
    }
}

/// The figures as a share link would show them (privacy mode).
#[component]
fn PrivateFigures(shared: Memo<Option<SharedFigures>>) -> impl IntoView {
    view! {
        <p class="notice no-print" data-testid="privacy-note">{format!(
            "Privacy mode: counts of 1 to {} learners are hidden, names are replaced, \
             learner pages, exports and follow-up tools are closed, and the sections \
             and retention panels are not shown.",
            DEFAULT_MIN_COUNT - 1
        )}</p>
        {move || shared.get().map(|figures| view! {
            <SharedCards figures=figures.clone() />
            <div class="panels">
                <SharedTrend figures=figures.clone() />
                <SharedHeatmap figures />
            </div>
        })}
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

/// The rows with each name replaced by a stable pseudonym and no username.
fn pseudonymous(rows: Vec<UserRow>) -> Vec<UserRow> {
    rows.into_iter()
        .map(|row| UserRow {
            name: Some(pseudonym(&row.user_id)),
            username: None,
            ..row
        })
        .collect()
}

/// The exact span the figures cover, in the selected zone (the server's
/// first paint shows the same line: `crate::first_paint`).
#[component]
pub fn PeriodSpan(period: pulse_model::PeriodBounds, tz: String) -> impl IntoView {
    let time = |at: chrono::DateTime<chrono::FixedOffset>| {
        view! { <time datetime=at.to_rfc3339()>{crate::dates::wall_clock(at.naive_local(), crate::dates::DateStyle::DayTimeWithYear)}</time> }
    };
    view! {
        <p class="period-span muted" data-testid="period-span">
            "Figures for " {time(period.start)} " – " {time(period.end)} {format!(" ({tz})")}
        </p>
    }
}
