//! The follow-up statuses above the user table: how many learners have
//! each, a chip to show only them, and what each one means.

use leptos::prelude::*;
use pulse_model::{FollowUpStatus, UserRow};

use crate::view_state::ViewState;

/// Every status, in the order of METRICS.md (the first that applies).
const STATUSES: &[FollowUpStatus] = FollowUpStatus::ALL;

/// The short label of a status.
pub fn status_label(status: FollowUpStatus) -> &'static str {
    match status {
        FollowUpStatus::NeverStarted => "Never started",
        FollowUpStatus::Stopped => "Stopped",
        FollowUpStatus::New => "New",
        FollowUpStatus::Slowing => "Slowing",
        // Not "Active": that word is the period's active users, a
        // different count (docs/METRICS.md).
        FollowUpStatus::Active => "On track",
    }
}

/// What a status means, for the legend and the label's tooltip.
pub fn status_meaning(status: FollowUpStatus, inactive_days: u32) -> String {
    match status {
        FollowUpStatus::NeverStarted => "No activity on this agent, ever.".into(),
        FollowUpStatus::Stopped => {
            format!("Active before, but not in the last {inactive_days} days.")
        }
        FollowUpStatus::New => "First activity ever in this period.".into(),
        FollowUpStatus::Slowing => {
            "Active on fewer than half as many days as in the previous period (which had 2 or more)."
                .into()
        }
        FollowUpStatus::Active => "Used the agent, and none of the above.".into(),
    }
}

/// A status as a short coloured label (colour is never the only cue: the
/// word is always there).
#[component]
pub fn StatusLabel(status: FollowUpStatus, inactive_days: u32) -> impl IntoView {
    view! {
        <span class=format!("status status-{}", status.as_str()) title=status_meaning(status, inactive_days)
            data-status=status.as_str()>
            {status_label(status)}
        </span>
    }
}

/// Counts per status, each a filter chip, and the legend.
#[component]
pub fn StatusBar(
    users: Signal<Vec<UserRow>>,
    state: Memo<ViewState>,
    set_state: Callback<ViewState>,
) -> impl IntoView {
    let counts = Memo::new(move |_| {
        users.with(|rows| {
            STATUSES
                .iter()
                .map(|status| rows.iter().filter(|row| row.status == *status).count())
                .collect::<Vec<_>>()
        })
    });
    let choose = move |status: FollowUpStatus| {
        let mut next = state.get_untracked();
        next.status = (next.status != Some(status)).then_some(status);
        set_state.run(next);
    };
    view! {
        <div class="status-bar" role="group" aria-label="Follow-up status">
            // What the chips count, so that none reads as the period's
            // active users (docs/METRICS.md, "Follow-up status").
            <p class="status-caption" data-testid="status-caption">{move || format!(
                "Every registered learner, by status now: “New” and “Slowing” look at this period; “Stopped” at the last {} days, whatever the period.",
                state.get().inactive_days
            )}</p>
            {STATUSES.iter().copied().enumerate().map(|(index, status)| view! {
                <button type="button" class=format!("chip status-chip status-{}", status.as_str())
                    data-testid=format!("status-{}", status.as_str())
                    aria-pressed=move || (state.get().status == Some(status)).to_string()
                    on:click=move |_| choose(status)>
                    {status_label(status)} " "
                    <span class="status-count">{move || crate::browser::number(counts.get()[index] as u64)}</span>
                </button>
            }).collect_view()}
            <details class="legend" data-testid="status-legend">
                <summary>"What do these mean?"</summary>
                <dl>
                    {STATUSES.iter().copied().map(|status| view! {
                        <dt><StatusLabel status inactive_days=state.get_untracked().inactive_days /></dt>
                        <dd>{move || status_meaning(status, state.get().inactive_days)}</dd>
                    }).collect_view()}
                </dl>
                <p class="muted">"Each learner gets the first status that applies, in this order. "
                "Change the number of days in “for at least … days” below."</p>
            </details>
        </div>
    }
}
