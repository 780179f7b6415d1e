//! A period's figures with small counts hidden (METRICS.md, "Shared views
//! and small counts"): the cards, trend and heatmap that a share link shows
//! and that privacy mode shows on the Users tab. Nothing here names a
//! learner.

use leptos::prelude::*;
use pulse_model::SharedFigures;

use crate::charts::heatmap::WEEKDAYS;
use crate::charts::palette::heat_level;
use crate::dates::{DateStyle, wall_clock};

/// `text` as a `data:` URL: the exports are links that hold their file, so
/// that they work without a script (the share page runs none).
fn data_url(mime: &str, text: &str) -> String {
    let mut url = format!("data:{mime};charset=utf-8,");
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~,".contains(&byte) {
            url.push(char::from(byte));
        } else {
            url.push_str(&format!("%{byte:02X}"));
        }
    }
    url
}

/// A link downloading `text` as `file_name`, looking like a button.
#[component]
fn CsvLink(file_name: &'static str, text: String, testid: &'static str) -> impl IntoView {
    view! {
        <a class="button" data-testid=testid download=file_name href=data_url("text/csv", &text)>"Export CSV"</a>
    }
}

/// A count as shown: the number, or "fewer than k" when hidden.
pub fn count_text(count: Option<u64>, k: u32) -> String {
    count.map_or_else(|| format!("fewer than {k}"), crate::browser::number)
}

/// The topline cards, hidden counts saying "fewer than k".
#[component]
pub fn SharedCards(figures: SharedFigures) -> impl IntoView {
    let k = figures.min_count;
    let overview = &figures.overview;
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
            crate::browser::number(overview.messages),
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
        <section class="cards" aria-label="Topline counts">
            {cards.into_iter().map(|(label, testid, value)| view! {
                <div class="card" data-testid=testid>
                    <span class="card-label">{label}</span>
                    <span class="card-value">{value}</span>
                </div>
            }).collect_view()}
        </section>
    }
}

#[component]
pub fn SharedTrend(figures: SharedFigures) -> impl IntoView {
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
            wall_clock(start.naive_local(), DateStyle::WeekdayTime)
        } else {
            wall_clock(start.naive_local(), DateStyle::Day)
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
            <div class="panel-header">
                <h2>"Active users over time"</h2>
                <CsvLink file_name="active-users.csv" text=csv testid="shared-trend-csv" />
            </div>
            <table class="bars" data-testid="shared-trend">
                <thead><tr><th>"When"</th><th>"Active users"</th><th>"Messages"</th></tr></thead>
                <tbody>
                    {buckets.iter().map(|bucket| {
                        // A bar as an SVG rectangle: its width is an attribute,
                        // which the Content-Security-Policy allows (a style
                        // attribute it blocks, and the share page runs no script).
                        let width = bucket.active_users.map_or(0.0, |n| n as f64 / top * 100.0);
                        view! {
                            <tr class:suppressed=bucket.suppressed>
                                <th scope="row">{label(&bucket.start)}</th>
                                <td>
                                    <svg class="bar" viewBox="0 0 100 1" preserveAspectRatio="none" aria-hidden="true">
                                        <rect width=format!("{width:.1}") height="1"></rect>
                                    </svg>
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
pub fn SharedHeatmap(figures: SharedFigures) -> impl IntoView {
    let k = figures.min_count;
    let heatmap = figures.heatmap;
    let top = heatmap
        .users
        .iter()
        .flatten()
        .filter_map(|cell| *cell)
        .max()
        .unwrap_or(0);
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
            <div class="panel-header">
                <h2>"Access times (learner-hours)"</h2>
                <CsvLink file_name="access-times.csv" text=csv testid="shared-heatmap-csv" />
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
                                    // A shade of the stylesheet (darker when light, brighter
                                    // when dark): no colour of its own, no script.
                                    let (class, text) = match cell {
                                        Some(0) => ("empty".to_owned(), "0".to_owned()),
                                        Some(value) => (format!("heat-{}", heat_level(value, top)), value.to_string()),
                                        None => ("suppressed".to_owned(), format!("<{k}")),
                                    };
                                    let title = format!("{name} {hour:02}:00: {}", count_text(cell, k));
                                    view! { <td class=class title=title>{text}</td> }
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
