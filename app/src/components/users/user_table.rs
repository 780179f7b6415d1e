use std::cmp::Ordering;

use leptos::prelude::*;
use pulse_model::{UserRow, users_csv};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::browser;
use crate::view_state::{Column, QuickFilter, ViewState};

const ROW_HEIGHT: f64 = 40.0;
const VISIBLE_ROWS: usize = 14;
/// Rows drawn beyond the visible ones, so fast scrolling shows no gaps.
const OVERSCAN: usize = 8;
const DAY_MS: i64 = 86_400_000;

/// Every registered user: sortable, searchable, filterable, exportable, and
/// smooth with tens of thousands of rows (only the visible rows are drawn).
#[component]
pub fn UserTable(
    users: Signal<Vec<UserRow>>,
    state: Memo<ViewState>,
    set_state: Callback<ViewState>,
) -> impl IntoView {
    // Folded once per load, not on every keystroke or comparison.
    let keys =
        Memo::new(move |_| users.with(|rows| rows.iter().map(TextKeys::of).collect::<Vec<_>>()));
    let shown = Memo::new(move |_| {
        let view = state.get();
        users.with(|rows| keys.with(|keys| shown_rows(rows, keys, &view, browser::now_ms())))
    });
    let scroll_top = RwSignal::new(0.0);
    let window = move || {
        let first = ((scroll_top.get() / ROW_HEIGHT) as usize).saturating_sub(OVERSCAN / 2);
        let count = shown.with(Vec::len);
        (
            first.min(count),
            (first + VISIBLE_ROWS + OVERSCAN).min(count),
        )
    };
    let update = move |change: Box<dyn Fn(&mut ViewState)>| {
        let mut next = state.get_untracked();
        change(&mut next);
        set_state.run(next);
    };
    let sort_by = move |column: Column| {
        update(Box::new(move |view| {
            if view.sort == column {
                view.descending = !view.descending;
            } else {
                view.sort = column;
                view.descending = matches!(
                    column,
                    Column::Messages | Column::ActiveDays | Column::LastActive
                );
            }
        }));
    };
    let export = move |_| {
        let csv = users
            .with(|rows| shown.with(|order| users_csv(order.iter().map(|&index| &rows[index]))));
        browser::download("users.csv", "text/csv", &csv);
    };
    let now = browser::now_ms();
    view! {
        <section class="panel" aria-labelledby="table-title">
            <header class="panel-header">
                <h2 id="table-title">"Users"</h2>
                <span class="count" data-testid="user-count" aria-live="polite">
                    {move || format!("{} of {} users", shown.with(Vec::len), users.with(Vec::len))}
                </span>
                <button type="button" class="button" data-testid="export-csv" on:click=export>"Export CSV"</button>
            </header>
            <div class="table-tools">
                <input type="search" placeholder="Search name, username or id" aria-label="Search users"
                    data-testid="user-search" prop:value=move || state.get().search
                    on:input=move |event| { let text = event_target_value(&event); update(Box::new(move |v| v.search = text.clone())) } />
                <div role="group" aria-label="Quick filters" class="filters">
                    {QuickFilter::ALL.into_iter().map(|filter| view! {
                        <button type="button" class="chip" data-testid=format!("filter-{}", filter.key())
                            aria-pressed=move || (state.get().filter == filter).to_string()
                            on:click=move |_| update(Box::new(move |v| v.filter = filter))>{filter.label()}</button>
                    }).collect_view()}
                    <label class="days">
                        "for at least"
                        <input type="number" min="1" max="3650" data-testid="inactive-days" aria-label="Days without activity"
                            prop:value=move || state.get().inactive_days.to_string()
                            on:change=move |event| {
                                if let Ok(days) = event_target_value(&event).parse::<u32>() {
                                    update(Box::new(move |v| { v.inactive_days = days.max(1); v.filter = QuickFilter::Inactive; }));
                                }
                            } />
                        "days"
                    </label>
                </div>
            </div>
            <div class="table" role="table" aria-label="Users" aria-rowcount=move || (shown.with(Vec::len) + 1).to_string()>
                <div class="row head" role="row">
                    {Column::ALL.into_iter().map(|column| view! {
                        <div role="columnheader" class="cell" aria-sort=move || {
                            let view = state.get();
                            if view.sort != column { "none" } else if view.descending { "descending" } else { "ascending" }
                        }>
                            <button type="button" data-testid=format!("sort-{}", column.key()) on:click=move |_| sort_by(column)>
                                {column.label()}
                                {move || { let view = state.get(); (view.sort == column).then_some(if view.descending { " ↓" } else { " ↑" }) }}
                            </button>
                        </div>
                    }).collect_view()}
                </div>
                <div class="table-body" data-testid="table-body" tabindex="0"
                    // As tall as its rows, up to VISIBLE_ROWS of them; then it scrolls.
                    style:max-height=format!("{}px", ROW_HEIGHT * VISIBLE_ROWS as f64)
                    on:scroll=move |event| scroll_top.set(f64::from(event_target::<web_sys::Element>(&event).scroll_top()))>
                    <div class="table-rows" style:height=move || format!("{}px", shown.with(Vec::len) as f64 * ROW_HEIGHT)>
                        {move || {
                            let (first, last) = window();
                            // Only the visible rows are cloned and drawn.
                            let visible: Vec<(usize, UserRow)> = users.with(|rows| shown.with(|order| {
                                order[first..last].iter().enumerate().map(|(offset, &index)| (first + offset, rows[index].clone())).collect()
                            }));
                            visible.into_iter().map(|(position, row)| {
                                let top = position as f64 * ROW_HEIGHT;
                                view! { <UserLine row top now position={position + 2} /> }
                            }).collect_view()
                        }}
                    </div>
                    <Show when=move || shown.with(Vec::is_empty)>
                        <p class="empty-state">"No user matches."</p>
                    </Show>
                </div>
            </div>
        </section>
    }
}

#[component]
fn UserLine(row: UserRow, top: f64, now: i64, position: usize) -> impl IntoView {
    let last = row
        .last_active
        .map(|at| (relative(now - at.timestamp_millis()), at.to_rfc3339()));
    view! {
        <div class="row placed" role="row" aria-rowindex=position.to_string() data-testid="user-row"
            style:top=format!("{top}px") style:height=format!("{ROW_HEIGHT}px")>
            <div class="cell" role="cell">{match (row.name, &row.username) {
                (Some(name), _) => name.into_any(),
                // Neither name nor username: the id, so the row is no hole.
                (None, None) => view! { <span class="muted" data-testid="user-id-only">{row.user_id}</span> }.into_any(),
                (None, Some(_)) => ().into_any(),
            }}</div>
            <div class="cell muted" role="cell">{row.username.unwrap_or_default()}</div>
            <div class="cell number" role="cell">{row.messages}</div>
            <div class="cell number" role="cell">{row.active_days}</div>
            <div class="cell" role="cell">
                {match last {
                    Some((text, exact)) => view! { <time datetime=exact.clone() title=exact>{text}</time> }.into_any(),
                    None => view! { <span class="muted">"never"</span> }.into_any(),
                }}
            </div>
        </div>
    }
}

/// Indexes of the rows to show, filtered and in order (a stable sort).
fn shown_rows(rows: &[UserRow], keys: &[TextKeys], view: &ViewState, now_ms: i64) -> Vec<usize> {
    let needle = fold(view.search.trim());
    let top_threshold = top_senders_threshold(rows);
    let cutoff = now_ms - i64::from(view.inactive_days) * DAY_MS;
    let mut order: Vec<usize> = (0..rows.len())
        .filter(|&index| {
            needle.is_empty()
                || keys[index].name.contains(&needle)
                || keys[index].username.contains(&needle)
                || keys[index].user_id.contains(&needle)
        })
        .filter(|&index| {
            let row = &rows[index];
            match view.filter {
                QuickFilter::All => true,
                QuickFilter::Inactive => row
                    .last_active
                    .is_none_or(|at| at.timestamp_millis() <= cutoff),
                QuickFilter::Never => row.last_active.is_none(),
                QuickFilter::ActiveInPeriod => row.active_days > 0,
                QuickFilter::TopSenders => row.messages > 0 && row.messages >= top_threshold,
            }
        })
        .collect();
    order.sort_by(|&a, &b| {
        let ordering = compare((&rows[a], &keys[a]), (&rows[b], &keys[b]), view.sort);
        if view.descending {
            ordering.reverse()
        } else {
            ordering
        }
    });
    order
}

/// A row's texts as searched and sorted: folded. The name column shows
/// (and sorts by) the user id when there is neither name nor username.
#[derive(Debug, Clone, PartialEq)]
struct TextKeys {
    name: String,
    username: String,
    user_id: String,
}

impl TextKeys {
    fn of(row: &UserRow) -> TextKeys {
        let shown_name = match (&row.name, &row.username) {
            (Some(name), _) => name.as_str(),
            (None, None) => row.user_id.as_str(),
            (None, Some(_)) => "",
        };
        TextKeys {
            name: fold(shown_name),
            username: fold(row.username.as_deref().unwrap_or("")),
            user_id: fold(&row.user_id),
        }
    }
}

fn compare(
    (a, a_keys): (&UserRow, &TextKeys),
    (b, b_keys): (&UserRow, &TextKeys),
    column: Column,
) -> Ordering {
    match column {
        Column::Name => a_keys.name.cmp(&b_keys.name),
        Column::Username => a_keys.username.cmp(&b_keys.username),
        Column::Messages => a.messages.cmp(&b.messages),
        Column::ActiveDays => a.active_days.cmp(&b.active_days),
        Column::LastActive => a.last_active.cmp(&b.last_active),
    }
}

/// The message count from which a user is among the top tenth of senders.
fn top_senders_threshold(rows: &[UserRow]) -> u64 {
    let mut counts: Vec<u64> = rows
        .iter()
        .map(|row| row.messages)
        .filter(|m| *m > 0)
        .collect();
    if counts.is_empty() {
        return u64::MAX;
    }
    counts.sort_unstable_by(|a, b| b.cmp(a));
    counts[(counts.len().div_ceil(10)).saturating_sub(1)]
}

/// Lower case without accents, so "zoe" finds "Zoë".
fn fold(text: &str) -> String {
    text.nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// "3 days ago" and the like.
fn relative(ms_ago: i64) -> String {
    let minutes = ms_ago.max(0) / 60_000;
    let (value, unit) = match minutes {
        0 => return "just now".into(),
        1..60 => (minutes, "minute"),
        60..1440 => (minutes / 60, "hour"),
        1440..43_200 => (minutes / 1440, "day"),
        43_200..525_600 => (minutes / 43_200, "month"),
        _ => (minutes / 525_600, "year"),
    };
    format!("{value} {unit}{} ago", if value == 1 { "" } else { "s" })
}
