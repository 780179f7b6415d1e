//! The page behind a share link, for anyone holding it: the agent's
//! topline counts, trend and heatmap with small counts hidden, and no
//! learner anywhere. Its data comes only from `open_share_link`.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;
use pulse_model::{ApiError, SharedFigures, SharedPage, SharedView};

use crate::api::open_share_link;
use crate::browser::download;
use crate::charts::heatmap::WEEKDAYS;
use crate::charts::palette::sequential;

#[component]
pub fn SharePage() -> impl IntoView {
    let params = use_params_map();
    let token = Memo::new(move |_| params.read().get("token").unwrap_or_default());
    let (password, set_password) = signal(None::<String>);
    let page = LocalResource::new(move || open_share_link(token.get(), password.get()));
    view! {
        <section class="shared" data-testid="shared-page" aria-busy=move || page.get().is_none().to_string()>
            {move || match page.get() {
                None => view! { <p class="muted">"Loading…"</p> }.into_any(),
                Some(Ok(SharedPage::View(view))) => view! { <SharedFiguresView view=*view /> }.into_any(),
                Some(Ok(SharedPage::PasswordNeeded)) => view! { <PasswordForm set_password error=None /> }.into_any(),
                Some(Err(ApiError::Forbidden(message))) => {
                    view! { <PasswordForm set_password error=Some(message) /> }.into_any()
                }
                Some(Err(error)) => view! {
                    <div class="empty-state" role="alert" data-testid="shared-unavailable">
                        <h1>"Nothing to show"</h1>
                        <p>{shown_error(&error)}</p>
                    </div>
                }.into_any(),
            }}
        </section>
    }
}

/// What the page says when the link shows nothing.
fn shown_error(error: &ApiError) -> String {
    match error {
        ApiError::NotFound(message) => message.clone(),
        ApiError::TooManyRequests { message, .. } => message.clone(),
        other => other.to_string(),
    }
}

#[component]
fn PasswordForm(set_password: WriteSignal<Option<String>>, error: Option<String>) -> impl IntoView {
    let (typed, set_typed) = signal(String::new());
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        set_password.set(Some(typed.get_untracked()));
    };
    view! {
        <form class="share-password" data-testid="share-password" on:submit=submit>
            <h1>"This link needs its password"</h1>
            <label>"Password "
                <input type="password" autocomplete="off" required=true
                    on:input=move |event| set_typed.set(event_target_value(&event)) />
            </label>
            <button type="submit">"Open"</button>
            {error.map(|message| view! { <p class="form-error" role="alert">{message}</p> })}
        </form>
    }
}

/// A count as shown: the number, or "fewer than k" when hidden.
fn count_text(count: Option<u64>, k: u32) -> String {
    count.map_or_else(|| format!("fewer than {k}"), |count| count.to_string())
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
        overview.period.start.format("%Y-%m-%d %H:%M"),
        overview.period.end.format("%Y-%m-%d %H:%M"),
        overview.tz
    );
    let cards = [
        (
            "Currently logged in",
            "card-online",
            count_text(overview.online, k),
        ),
        (
            "Active in the last 30 days",
            "card-active30",
            count_text(overview.active_30d, k),
        ),
        (
            "Total registered users",
            "card-registered",
            count_text(overview.registered, k),
        ),
        (
            "Active users in period",
            "card-active",
            count_text(overview.active_users, k),
        ),
        (
            "Messages in period",
            "card-messages",
            overview.messages.to_string(),
        ),
        (
            "Average daily users",
            "card-daily",
            overview.average_daily_users.map_or_else(
                || format!("fewer than {k}"),
                |average| format!("{average:.1}"),
            ),
        ),
    ];
    view! {
        <header class="shared-header">
            <h1 data-testid="shared-title">{title}</h1>
            <p class="muted" data-testid="shared-period">{period}</p>
            <p class="muted">{format!(
                "Counts of 1 to {} learners are shown as \"fewer than {k}\". This link works until {}.",
                k - 1,
                expires_at.format("%Y-%m-%d")
            )}</p>
        </header>
        <section class="cards" aria-label="Topline counts">
            {cards.into_iter().map(|(label, testid, value)| view! {
                <div class="card" data-testid=testid>
                    <span class="card-label">{label}</span>
                    <span class="card-value">{value}</span>
                </div>
            }).collect_view()}
        </section>
        <SharedTrend figures=figures.clone() />
        <SharedHeatmap figures />
    }
}

#[component]
fn SharedTrend(figures: SharedFigures) -> impl IntoView {
    let k = figures.min_count;
    let buckets = figures.trend.buckets.clone();
    let top = buckets
        .iter()
        .filter_map(|bucket| bucket.active_users)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let hourly = figures.trend.granularity == pulse_model::Granularity::Hour;
    let label = move |start: &chrono::DateTime<chrono::FixedOffset>| {
        if hourly {
            start.format("%a %H:%M").to_string()
        } else {
            start.format("%a %b %-d").to_string()
        }
    };
    let csv = {
        let mut text = String::from("start,active_users,messages\n");
        for bucket in &buckets {
            let users = bucket
                .active_users
                .map_or_else(|| format!("<{k}"), |n| n.to_string());
            text.push_str(&format!(
                "{},{users},{}\n",
                bucket.start.to_rfc3339(),
                bucket.messages
            ));
        }
        text
    };
    view! {
        <section class="panel shared-trend" aria-label="Active users over time">
            <div class="panel-head">
                <h2>"Active users over time"</h2>
                <button type="button" data-testid="shared-trend-csv"
                    on:click=move |_| download("active-users.csv", "text/csv", &csv)>"Export CSV"</button>
            </div>
            <table class="bars" data-testid="shared-trend">
                <thead><tr><th>"When"</th><th>"Active users"</th><th>"Messages"</th></tr></thead>
                <tbody>
                    {buckets.iter().map(|bucket| {
                        let width = bucket.active_users.map_or(0.0, |n| n as f64 / top * 100.0);
                        view! {
                            <tr class:suppressed=bucket.suppressed>
                                <th scope="row">{label(&bucket.start)}</th>
                                <td>
                                    <span class="bar" style=format!("width:{width:.1}%")></span>
                                    <span class="bar-value">{count_text(bucket.active_users, k)}</span>
                                </td>
                                <td>{bucket.messages}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}

#[component]
fn SharedHeatmap(figures: SharedFigures) -> impl IntoView {
    let k = figures.min_count;
    let heatmap = figures.heatmap;
    let top = heatmap
        .users
        .iter()
        .flatten()
        .filter_map(|cell| *cell)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let csv = {
        let mut text = String::from("weekday,hour,learner_hours,messages\n");
        for (weekday, name) in WEEKDAYS.iter().enumerate() {
            for hour in 0..24 {
                let users =
                    heatmap.users[weekday][hour].map_or_else(|| format!("<{k}"), |n| n.to_string());
                text.push_str(&format!(
                    "{name},{hour},{users},{}\n",
                    heatmap.messages[weekday][hour]
                ));
            }
        }
        text
    };
    view! {
        <section class="panel shared-heatmap" aria-label="Access times">
            <div class="panel-head">
                <h2>"Access times (learner-hours)"</h2>
                <button type="button" data-testid="shared-heatmap-csv"
                    on:click=move |_| download("access-times.csv", "text/csv", &csv)>"Export CSV"</button>
            </div>
            <div class="grid-scroll">
                <table class="heat-table" data-testid="shared-heatmap">
                    <thead><tr><th></th>{(0..24).map(|hour| view! { <th scope="col">{format!("{hour:02}")}</th> }).collect_view()}
                        <th scope="col">"Learners"</th></tr></thead>
                    <tbody>
                        {WEEKDAYS.iter().enumerate().map(|(weekday, name)| view! {
                            <tr>
                                <th scope="row">{&name[..3]}</th>
                                {(0..24).map(|hour| {
                                    let cell = heatmap.users[weekday][hour];
                                    let (style, text) = match cell {
                                        Some(value) => {
                                            let colour = sequential(value as f64 / top);
                                            (
                                                format!("background:rgb({},{},{})", colour.0, colour.1, colour.2),
                                                value.to_string(),
                                            )
                                        }
                                        None => (String::new(), format!("<{k}")),
                                    };
                                    let title = format!("{name} {hour:02}:00: {}", count_text(cell, k));
                                    view! { <td class:suppressed=cell.is_none() style=style title=title>{text}</td> }
                                }).collect_view()}
                                <td>{count_text(heatmap.weekday_users[weekday], k)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}
