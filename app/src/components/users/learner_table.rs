use std::collections::{BTreeSet, HashMap};

use leptos::html;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use pulse_model::{ActivityStrips, ContactMark, UserRow, users_csv};

use super::chart_canvas::narrow_screen;
use super::follow_up_bar::FollowUpBar;
use super::learner_rows::{TextKeys, relative, shown_rows};
use super::sparkline::Sparkline;
use super::status_bar::{StatusBar, StatusLabel};
use crate::browser;
use crate::dates::{DateStyle, in_zone};
use crate::view_state::{Column, QuickFilter, ViewState, encode_segment};

/// A row's height: a table line on a desktop, a two-line card on a phone.
const ROW_HEIGHT: f64 = 40.0;
const CARD_HEIGHT: f64 = 64.0;
const VISIBLE_ROWS: usize = 14;
/// Rows drawn beyond the visible ones, so fast scrolling shows no gaps.
const OVERSCAN: usize = 8;
/// Where the table's scroll position waits while a learner's page is open.
const SCROLL_KEY: &str = "pulse-user-table-scroll";

/// What the table shows besides the rows: the latest contact marks, the
/// activity strips, whether reminders can be sent.
#[derive(Clone, Copy)]
pub struct FollowUpData {
    /// Each learner's latest mark, by user id.
    pub marks: Signal<HashMap<String, ContactMark>>,
    /// The sparklines, once loaded.
    pub strips: Signal<Option<ActivityStrips>>,
    /// Whether the server has an outreach webhook.
    pub reminders: Signal<bool>,
    /// Runs after learners were marked, to load the marks again.
    pub on_marked: Callback<()>,
}

/// The path of a learner's page, carrying the table's whole state.
pub fn learner_href(agent_id: &str, user_id: &str, view: &ViewState) -> String {
    format!(
        "/agents/{}/analytics/users/{}?{}",
        encode_segment(agent_id),
        encode_segment(user_id),
        view.to_query()
    )
}

/// Every registered user: sortable, searchable, filterable, exportable, and
/// smooth with tens of thousands of rows (only the visible rows are drawn).
/// In privacy mode (`private`) the rows are pseudonyms and everything that
/// would name a learner is closed: their pages, the exports, selection and
/// follow-up, search by id, the ids in the page and the contact notes.
#[component]
pub fn LearnerTable(
    agent_id: Memo<String>,
    users: Signal<Vec<UserRow>>,
    state: Memo<ViewState>,
    set_state: Callback<ViewState>,
    follow_up: FollowUpData,
    private: Signal<bool>,
) -> impl IntoView {
    let FollowUpData {
        marks,
        strips,
        reminders,
        on_marked,
    } = follow_up;
    // Folded once per load, not on every keystroke or comparison.
    let keys =
        Memo::new(move |_| users.with(|rows| rows.iter().map(TextKeys::of).collect::<Vec<_>>()));
    let shown = Memo::new(move |_| {
        let view = state.get();
        let by_id = !private.get();
        users.with(|rows| {
            keys.with(|keys| {
                marks.with(|marks| shown_rows(rows, keys, marks, (&view, by_id), browser::now_ms()))
            })
        })
    });
    let strip_of = Memo::new(move |_| {
        strips.with(|strips| {
            strips.as_ref().map(|strips| {
                let by_user: HashMap<String, String> = strips.strips.iter().cloned().collect();
                (by_user, strips.bins, strips.per_bin)
            })
        })
    });
    let narrow = narrow_screen();
    let row_height = move || {
        if narrow.get() {
            CARD_HEIGHT
        } else {
            ROW_HEIGHT
        }
    };
    let selected = RwSignal::new(BTreeSet::<String>::new());
    let body = NodeRef::<html::Div>::new();
    let scroll_top = RwSignal::new(0.0);
    restore_scroll(body, shown, scroll_top);
    let navigate = use_navigate();
    let open = Callback::new(move |user_id: String| {
        let view = state.get_untracked();
        browser::remember(
            SCROLL_KEY,
            &format!("{}|{}", view.to_query(), scroll_top.get_untracked()),
        );
        navigate(
            &learner_href(&agent_id.get_untracked(), &user_id, &view),
            Default::default(),
        );
    });
    let all_shown_selected = move || {
        let count = shown.with(Vec::len);
        count > 0
            && selected.with(|ids| {
                users.with(|rows| {
                    shown.with(|order| order.iter().all(|&i| ids.contains(&rows[i].user_id)))
                })
            })
    };
    let select_all_shown = move |on: bool| {
        let ids: Vec<String> = users.with(|rows| {
            shown.with(|order| order.iter().map(|&i| rows[i].user_id.clone()).collect())
        });
        selected.update(|chosen| {
            for id in ids {
                if on {
                    chosen.insert(id);
                } else {
                    chosen.remove(&id);
                }
            }
        });
    };
    let window = move || {
        let first = ((scroll_top.get() / row_height()) as usize).saturating_sub(OVERSCAN / 2);
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
                    Column::Messages | Column::ActiveDays | Column::LastActive | Column::Contacted
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
    let inactive_days = move || state.get().inactive_days;
    view! {
        <section class="panel" aria-labelledby="table-title">
            <header class="panel-header">
                <h2 id="table-title">"Users"</h2>
                <span class="count" data-testid="user-count" aria-live="polite">
                    {move || format!("{} of {} users", shown.with(Vec::len), users.with(Vec::len))}
                </span>
                <Show when=move || !private.get()>
                    <button type="button" class="button" data-testid="export-csv" on:click=export>"Export CSV"</button>
                </Show>
            </header>
            <StatusBar users state set_state />
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
                    <label class="days">
                        <input type="checkbox" data-testid="uncontacted-filter"
                            prop:checked=move || state.get().uncontacted_days.is_some()
                            on:change=move |event| {
                                let on = event_target_checked(&event);
                                update(Box::new(move |v| v.uncontacted_days = on.then_some(v.uncontacted_days.unwrap_or(14))));
                            } />
                        "not contacted in the last"
                        <input type="number" min="1" max="3650" data-testid="uncontacted-days" aria-label="Days since last contact"
                            prop:value=move || state.get().uncontacted_days.unwrap_or(14).to_string()
                            on:change=move |event| {
                                if let Ok(days) = event_target_value(&event).parse::<u32>() {
                                    update(Box::new(move |v| v.uncontacted_days = Some(days.max(1))));
                                }
                            } />
                        "days"
                    </label>
                </div>
            </div>
            <Show when=move || !private.get()>
                <FollowUpBar agent_id selected users reminders on_done=on_marked />
            </Show>
            <div class="table" role="table" aria-label="Users" aria-rowcount=move || (shown.with(Vec::len) + 1).to_string()>
                <div class="row head" role="row">
                    <div role="columnheader" class="select-cell">
                        <Show when=move || !private.get()>
                            <input type="checkbox" data-testid="select-all-shown" aria-label="Select all shown"
                                prop:checked=all_shown_selected
                                on:change=move |event| select_all_shown(event_target_checked(&event)) />
                        </Show>
                    </div>
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
                    <div role="columnheader" class="cell">"Activity"</div>
                </div>
                // The rows' group: it scrolls, so the keyboard can reach it.
                <div class="table-body" role="rowgroup" data-testid="table-body" tabindex="0" node_ref=body
                    // As tall as its rows, up to VISIBLE_ROWS of them; then it scrolls.
                    style:max-height=move || format!("{}px", row_height() * VISIBLE_ROWS as f64)
                    on:scroll=move |event| scroll_top.set(f64::from(event_target::<web_sys::Element>(&event).scroll_top()))>
                    <div class="table-rows" style:height=move || format!("{}px", shown.with(Vec::len) as f64 * row_height())>
                        {move || {
                            let (first, last) = window();
                            // Only the visible rows are cloned and drawn.
                            let visible: Vec<(usize, UserRow)> = users.with(|rows| shown.with(|order| {
                                order[first..last].iter().enumerate().map(|(offset, &index)| (first + offset, rows[index].clone())).collect()
                            }));
                            let days = inactive_days();
                            // Exact times (in titles) in the selected zone.
                            let tz = state.with(|view| view.tz.clone());
                            let private = private.get();
                            let height = row_height();
                            visible.into_iter().map(|(position, row)| {
                                let top = position as f64 * height;
                                let mark = marks.with(|marks| marks.get(&row.user_id).cloned());
                                let strip = strip_of.with(|strips| strips.as_ref().map(|(by_user, bins, per_bin)| {
                                    (by_user.get(&row.user_id).cloned(), *bins, *per_bin)
                                }));
                                let line = Line { row, top, height, now, tz: tz.clone(), position: position + 2, inactive_days: days, mark, strip };
                                if private {
                                    view! { <PrivateLine line /> }.into_any()
                                } else {
                                    view! { <UserLine line selected open /> }.into_any()
                                }
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

/// One row as drawn: the learner and what is shown beside their figures.
struct Line {
    row: UserRow,
    top: f64,
    height: f64,
    now: i64,
    /// The selected zone (the browser's when empty), for exact times.
    tz: String,
    position: usize,
    inactive_days: u32,
    mark: Option<ContactMark>,
    /// (strip, bins, per_bin) once the strips are loaded.
    strip: Option<(Option<String>, u32, u32)>,
}

#[component]
fn UserLine(
    line: Line,
    selected: RwSignal<BTreeSet<String>>,
    open: Callback<String>,
) -> impl IntoView {
    let Line {
        row,
        top,
        height,
        now,
        tz,
        position,
        inactive_days,
        mark,
        strip,
    } = line;
    let contacted = mark.map(|mark| {
        let exact = exact_time(mark.marked_at, &tz);
        let title = match &mark.note {
            Some(note) => format!("{exact} by {}: {note}", mark.marked_by),
            None => format!("{exact} by {}", mark.marked_by),
        };
        (
            relative(now - mark.marked_at.timestamp_millis()),
            Some(title),
        )
    });
    let (user_id, open_id, key_id) = (
        row.user_id.clone(),
        row.user_id.clone(),
        row.user_id.clone(),
    );
    let checked = {
        let id = row.user_id.clone();
        move || selected.with(|ids| ids.contains(&id))
    };
    let toggle = {
        let id = row.user_id.clone();
        move |event: leptos::ev::Event| {
            let on = event_target_checked(&event);
            selected.update(|ids| {
                if on {
                    ids.insert(id.clone());
                } else {
                    ids.remove(&id);
                }
            });
        }
    };
    view! {
        <div class="row placed clickable" role="row" aria-rowindex=position.to_string() data-testid="user-row"
            data-user-id=user_id.clone() tabindex="0" title="Open this learner's page"
            style:top=format!("{top}px") style:height=format!("{height}px")
            on:click=move |_| open.run(open_id.clone())
            on:keydown=move |event| if event.key() == "Enter" { open.run(key_id.clone()) }>
            <div class="select-cell" role="cell" on:click=|event| event.stop_propagation()>
                <input type="checkbox" data-testid="select-row" aria-label=format!("Select {user_id}")
                    prop:checked=checked on:change=toggle on:keydown=|event| event.stop_propagation() />
            </div>
            // A phone's card has no username column: it stands in for a
            // missing name there (style/main.css).
            <div class="cell" role="cell" data-fallback=row.name.is_none().then(|| row.username.clone()).flatten()>{match (row.name.clone(), &row.username) {
                (Some(name), _) => name.into_any(),
                // Neither name nor username: the id, so the row is no hole.
                (None, None) => view! { <span class="muted" data-testid="user-id-only">{row.user_id.clone()}</span> }.into_any(),
                (None, Some(_)) => ().into_any(),
            }}</div>
            <div class="cell muted" role="cell">{row.username.clone().unwrap_or_default()}</div>
            <FigureCells row now tz inactive_days />
            <FollowUpCells contacted strip />
        </div>
    }
}

/// A moment as a title shows it: whole, in the selected zone, named.
fn exact_time(at: chrono::DateTime<chrono::Utc>, tz: &str) -> String {
    in_zone(at, tz, DateStyle::DayTimeWithYear, true)
}

/// One row in privacy mode: the pseudonym and the figures, and nothing
/// that leads to the learner (no id, no link, no selection, no note).
#[component]
fn PrivateLine(line: Line) -> impl IntoView {
    // When, never the note (it may name the learner).
    let contacted = line
        .mark
        .map(|mark| (relative(line.now - mark.marked_at.timestamp_millis()), None));
    let (row, now, tz, inactive_days, strip) =
        (line.row, line.now, line.tz, line.inactive_days, line.strip);
    view! {
        <div class="row placed" role="row" aria-rowindex=line.position.to_string() data-testid="user-row"
            style:top=format!("{}px", line.top) style:height=format!("{}px", line.height)>
            <div class="select-cell" role="cell"></div>
            <div class="cell" role="cell">{row.name.clone().unwrap_or_default()}</div>
            <div class="cell muted" role="cell"></div>
            <FigureCells row now tz inactive_days />
            <FollowUpCells contacted strip />
        </div>
    }
}

/// When the learner was last contacted (with the mark's details as its
/// title, when given), and their activity sparkline once loaded.
#[component]
fn FollowUpCells(
    contacted: Option<(String, Option<String>)>,
    strip: Option<(Option<String>, u32, u32)>,
) -> impl IntoView {
    view! {
        <div class="cell" role="cell" data-testid="contacted-cell">
            {match contacted {
                Some((text, title)) => view! { <span title=title>{text}</span> }.into_any(),
                None => view! { <span class="muted">"–"</span> }.into_any(),
            }}
        </div>
        <div class="cell" role="cell">
            {strip.map(|(strip, bins, per_bin)| view! { <Sparkline strip bins per_bin /> })}
        </div>
    }
}

/// A row's messages, active days, last activity and status.
#[component]
fn FigureCells(row: UserRow, now: i64, tz: String, inactive_days: u32) -> impl IntoView {
    let last = row.last_active.map(|at| {
        (
            relative(now - at.timestamp_millis()),
            at.to_rfc3339(),
            exact_time(at, &tz),
        )
    });
    view! {
        // On a phone's card the count says what it counts (style/main.css).
        <div class="cell number" role="cell" data-unit=if row.messages == 1 { "message" } else { "messages" }>
            {crate::browser::number(row.messages)}</div>
        <div class="cell number" role="cell">{crate::browser::number(row.active_days)}</div>
        <div class="cell" role="cell">
            {match last {
                Some((text, datetime, exact)) => view! { <time datetime=datetime title=exact>{text}</time> }.into_any(),
                None => view! { <span class="muted">"never"</span> }.into_any(),
            }}
        </div>
        <div class="cell" role="cell" data-testid="status-cell"><StatusLabel status=row.status inactive_days /></div>
    }
}

/// Puts the table back where it was scrolled when a learner's page was
/// opened from it (once its rows are there again).
fn restore_scroll(body: NodeRef<html::Div>, shown: Memo<Vec<usize>>, scroll_top: RwSignal<f64>) {
    let Some(saved) = browser::recall(SCROLL_KEY) else {
        return;
    };
    let restored = RwSignal::new(false);
    Effect::new(move |_| {
        if restored.get_untracked() || shown.with(Vec::is_empty) {
            return;
        }
        let Some(element) = body.get() else {
            return;
        };
        restored.set(true);
        let current = web_sys::window()
            .and_then(|w| w.location().search().ok())
            .unwrap_or_default();
        let Some((query, top)) = saved.rsplit_once('|') else {
            return;
        };
        // Only for the same table state the position was taken in.
        if current.trim_start_matches('?') == query {
            let top: f64 = top.parse().unwrap_or(0.0);
            element.set_scroll_top(top as i32);
            scroll_top.set(top);
        }
    });
}
