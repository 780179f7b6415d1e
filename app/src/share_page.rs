//! The page behind a share link, rendered on the server as plain HTML: the
//! agent's topline counts, trend and heatmap with small counts hidden, and
//! no learner anywhere (docs/METRICS.md, "Shared views and small counts").
//! It runs no script and loads no WebAssembly: a teacher opening a link
//! from an email on a phone waits for one small page, and a page without
//! script is the safest one to hand to people without an account. Its
//! figures are those of `pulse_db::share_links::open`, as the
//! `open_share_link` server function answers them.

use leptos::prelude::*;
use pulse_model::{ApiError, SharedPage, SharedView};

use crate::components::shared_figures::{SharedCards, SharedHeatmap, SharedTrend};
use crate::dates::{DateStyle, in_zone, wall_clock};

/// The `<title>` and `<body>` content of the page for what opening the
/// link gave.
pub fn render(opened: &Result<SharedPage, ApiError>) -> (String, String) {
    let owner = Owner::new();
    owner.with(|| match opened {
        Ok(SharedPage::View(view)) => {
            let title = view.agent_name.clone();
            let view = (**view).clone();
            (title, body(view! { <SharedFiguresView view /> }))
        }
        Ok(SharedPage::PasswordNeeded) => (
            "A password is needed".to_owned(),
            body(view! { <PasswordForm error=None /> }),
        ),
        Err(ApiError::Forbidden(message)) => (
            "A password is needed".to_owned(),
            body(view! { <PasswordForm error=Some(message.clone()) /> }),
        ),
        Err(error) => {
            let message = shown_error(error);
            (
                "Nothing to show".to_owned(),
                body(view! {
                    <div class="empty-state" role="alert" data-testid="shared-unavailable">
                        <h1>"Nothing to show"</h1>
                        <p>{message}</p>
                    </div>
                }),
            )
        }
    })
}

/// The page's section around `content`, as HTML.
fn body(content: impl IntoView + 'static) -> String {
    view! { <section class="shared" data-testid="shared-page">{content}</section> }.to_html()
}

/// What the page says when the link shows nothing.
fn shown_error(error: &ApiError) -> String {
    match error {
        ApiError::NotFound(message) => message.clone(),
        ApiError::TooManyRequests { message, .. } => message.clone(),
        other => other.to_string(),
    }
}

/// The password, posted to the link's own address (no script).
#[component]
fn PasswordForm(error: Option<String>) -> impl IntoView {
    view! {
        <form class="share-password" data-testid="share-password" method="post">
            <h1>"This link needs its password"</h1>
            <label>"Password "
                <input type="password" name="password" autocomplete="off" required=true />
            </label>
            <button type="submit">"Open"</button>
            {error.map(|message| view! { <p class="form-error" role="alert">{message}</p> })}
        </form>
    }
}

#[component]
fn SharedFiguresView(view: SharedView) -> impl IntoView {
    let SharedView {
        agent_name,
        section_name,
        period_label,
        expires_at,
        figures,
    } = view;
    let k = figures.min_count;
    let overview = &figures.overview;
    let title = match &section_name {
        Some(section) => format!("{agent_name} · {section}"),
        None => agent_name.clone(),
    };
    let period = format!(
        "{period_label}: {} to {} ({})",
        wall_clock(
            overview.period.start.naive_local(),
            DateStyle::DayTimeWithYear
        ),
        wall_clock(
            overview.period.end.naive_local(),
            DateStyle::DayTimeWithYear
        ),
        overview.tz
    );
    view! {
        <header class="shared-header">
            <h1 data-testid="shared-title">{title}</h1>
            <p class="muted" data-testid="shared-period">{period}</p>
            <p class="muted">{format!(
                "Counts of 1 to {} learners are shown as \"fewer than {k}\". This link works until {}.",
                k - 1,
                in_zone(expires_at, &overview.tz, DateStyle::DayWithYear, false)
            )}</p>
            // Shown by /public/print.js where scripts run; the browser's
            // own Print does the same everywhere.
            <button type="button" class="button" data-testid="shared-print" data-print="" hidden=true>"Print"</button>
        </header>
        <SharedCards figures=figures.clone() />
        <div class="panels">
            <SharedTrend figures=figures.clone() />
            <SharedHeatmap figures />
        </div>
    }
}
