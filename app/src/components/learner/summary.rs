use leptos::prelude::*;
use pulse_model::LearnerView;

use crate::components::users::StatusLabel;

/// Who the learner is, and their period against the agent's median learner.
#[component]
pub fn Summary(
    view: LearnerView,
    inactive_days: u32,
    /// The page's zone (the browser's when empty): every time is in it.
    tz: String,
) -> impl IntoView {
    let user = view.user;
    let instant = move |at: Option<chrono::DateTime<chrono::Utc>>| {
        match at {
        Some(at) => view! { <time datetime=at.to_rfc3339()>{crate::dates::in_zone(at, &tz, crate::dates::DateStyle::DayTimeWithYear, true)}</time> }.into_any(),
        None => view! { <span class="muted">"never"</span> }.into_any(),
    }
    };
    let title = user
        .name
        .clone()
        .or_else(|| user.username.clone())
        .unwrap_or_else(|| user.user_id.clone());
    let median = view.agent_median;
    view! {
        <section class="panel learner-who" aria-labelledby="learner-name">
            <h1 id="learner-name" data-testid="learner-name">{title}</h1>
            <p>
                <StatusLabel status=user.status inactive_days />
                {view.online.then(|| view! { <span class="online" data-testid="learner-online"><span class="live-dot"></span>" online now"</span> })}
            </p>
            <dl class="facts">
                <dt>"Username"</dt><dd data-testid="learner-username">{user.username.clone().unwrap_or_else(|| "–".into())}</dd>
                <dt>"Learner id"</dt><dd><code data-testid="learner-id">{user.user_id.clone()}</code></dd>
                <dt>"Registered"</dt><dd>{instant(Some(user.registered_at))}</dd>
                <dt>"First active"</dt><dd>{instant(user.first_active)}</dd>
                <dt>"Last active"</dt><dd>{instant(user.last_active)}</dd>
            </dl>
        </section>
        <section class="cards" aria-label="This learner's period">
            <div class="card" data-testid="learner-messages">
                <span class="card-label">"Messages in period"</span>
                <span class="card-value">{crate::browser::number(user.messages)}</span>
                <span class="card-note">{format!("agent median {} · previous period {}", number(median.messages), user.previous_messages)}</span>
            </div>
            <div class="card" data-testid="learner-active-days">
                <span class="card-label">"Active days in period"</span>
                <span class="card-value">{crate::browser::number(user.active_days)}</span>
                <span class="card-note">{format!("agent median {} · previous period {}", number(median.active_days), user.previous_active_days)}</span>
            </div>
        </section>
    }
}

/// A median as written: whole, or with its half.
fn number(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}
