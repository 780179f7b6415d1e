use leptos::html;
use leptos::prelude::*;
use pulse_model::{Retention, WeekStart};

use super::chart_canvas::{
    ExportButtons, canvas_size, column_cursor, draw_whenever, tooltip_place,
};
use crate::api::users_retention;
use crate::charts::PlotArea;
use crate::charts::lifecycle::GROUPS;
use crate::view_state::ViewState;

/// The canvas on a desktop (narrower on a phone).
const WIDE: (u32, u32) = (960, 300);

/// The weeks one may show.
const WEEK_CHOICES: [u32; 4] = [4, 8, 12, 26];

/// Retention and lifecycle: the weekly cohort table and the lifecycle
/// chart. Weeks start as the heatmap's do; the zone and section are the
/// tab's.
#[component]
pub fn RetentionPanel(
    agent_id: Memo<String>,
    state: Memo<ViewState>,
    set_state: Callback<ViewState>,
    browser_tz: String,
) -> impl IntoView {
    let asked = Memo::new(move |_| {
        let state = state.get();
        let week_start = if state.week_starts_sunday {
            WeekStart::Sunday
        } else {
            WeekStart::Monday
        };
        (
            state.period_query(&browser_tz),
            state.retention_weeks,
            week_start,
        )
    });
    let retention = LocalResource::new(move || {
        let (query, weeks, week_start) = asked.get();
        users_retention(agent_id.get(), query, weeks, week_start)
    });
    let loaded = Signal::derive(move || retention.get().and_then(Result::ok));
    let error = move || {
        retention
            .get()
            .and_then(Result::err)
            .map(|error| error.to_string())
    };
    let choose_weeks = move |event| {
        let mut next = state.get_untracked();
        next.retention_weeks = event_target_value(&event).parse().unwrap_or(8);
        set_state.run(next);
    };
    view! {
        <section class="panel" aria-labelledby="retention-title" data-testid="retention-panel">
            <header class="panel-header">
                <h2 id="retention-title">"Retention and lifecycle"</h2>
                <div class="panel-actions">
                    <label>"Weeks "
                        <select data-testid="retention-weeks" on:change=choose_weeks
                            prop:value=move || state.get().retention_weeks.to_string()>
                            {WEEK_CHOICES.map(|weeks| view! { <option value=weeks.to_string()>{weeks}</option> })}
                        </select>
                    </label>
                </div>
            </header>
            {move || error().map(|error| view! { <p class="form-error" role="alert">{error}</p> })}
            <p class="muted">"Each row is the learners whose first event fell in that week; each column, how many of them came back k weeks later. Weeks start as the heatmap's do. The current week is not over: its cells are marked."</p>
            {move || loaded.get().map(|retention| view! { <CohortTable retention /> })}
            <LifecycleChart retention=loaded />
        </section>
    }
}

#[component]
fn CohortTable(retention: Retention) -> impl IntoView {
    let weeks = retention.weeks.len();
    let header = (0..weeks)
        .map(|k| view! { <th scope="col">{format!("Week {k}")}</th> })
        .collect_view();
    let rows = retention
        .cohorts
        .iter()
        .zip(&retention.weeks)
        .enumerate()
        .map(|(c, (cohort, week))| {
            let cells = (0..weeks)
                .map(|k| match cohort.active.get(k) {
                    None => view! { <td class="cohort-cell empty"></td> }.into_any(),
                    Some(_) if cohort.size == 0 => {
                        view! { <td class="cohort-cell">"–"</td> }.into_any()
                    }
                    Some(&active) => {
                        let share = active as f64 / cohort.size as f64;
                        let incomplete = !retention.weeks[c + k].complete;
                        // The current week is not over: nobody back yet is
                        // "not yet", never a 0.
                        let label = if incomplete && active == 0 {
                            String::new()
                        } else {
                            format!("{active} · {:.0}%", share * 100.0)
                        };
                        let title = if incomplete {
                            format!("{active} of {} so far: this week is not over", cohort.size)
                        } else {
                            format!("{active} of {}", cohort.size)
                        };
                        view! {
                            <td class="cohort-cell" class:incomplete=incomplete title=title
                                data-testid="cohort-cell" data-count=active.to_string()
                                style:--share=format!("{share:.3}")>
                                {label}{incomplete.then_some(" …")}
                            </td>
                        }
                        .into_any()
                    }
                })
                .collect_view();
            view! {
                <tr data-testid="cohort-row">
                    <th scope="row">{crate::dates::date(week.start, crate::dates::DateStyle::Day)}</th>
                    <td class="num" data-testid="cohort-size">{crate::browser::number(cohort.size)}</td>
                    {cells}
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-scroll">
            <table class="plain cohorts" data-testid="cohort-table">
                <thead><tr><th scope="col">"First week"</th><th scope="col">"Learners"</th>{header}</tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

#[component]
fn LifecycleChart(retention: Signal<Option<Retention>>) -> impl IntoView {
    let canvas = NodeRef::<html::Canvas>::new();
    let area = RwSignal::new(PlotArea::default());
    let hover = RwSignal::new(None::<(usize, f64, f64)>);
    let size = canvas_size(WIDE);
    draw_whenever(canvas, size, area, retention);
    let columns = move || retention.get_untracked().map(|r| r.lifecycle.len());
    let (on_move, on_key) = column_cursor(canvas, area, hover, columns);
    let tooltip = move || {
        let (index, x, y) = hover.get()?;
        let retention = retention.get()?;
        let week = retention.lifecycle.get(index)?;
        let start = retention.weeks.get(index)?;
        let over = start.complete;
        // Not dormant before the week is over: "not back yet".
        let lines = GROUPS
            .iter()
            .map(|(name, value)| {
                let name = match (*name, over) {
                    ("Dormant", false) => "not back yet".to_owned(),
                    (name, _) => name.to_lowercase(),
                };
                view! { <span>{format!("{} {name}", value(week))}</span> }
            })
            .collect_view();
        Some(view! {
            <div class="tooltip" role="status" data-testid="lifecycle-tooltip"
                style:left=tooltip_place(x, y, size.get()).0 style:top=tooltip_place(x, y, size.get()).1>
                <strong>{format!("Week of {}", crate::dates::date(start.start, crate::dates::DateStyle::Day))}</strong>
                {lines}
                {(!over).then(|| view! { <span class="muted">"This week is not over: drawn pale, and nobody counts as dormant yet"</span> })}
            </div>
        })
    };
    view! {
        <div class="panel-actions">
            <ExportButtons canvas chart=retention file_stem="lifecycle" testid="lifecycle" />
        </div>
        <div class="chart-scroll">
            <div class="chart">
                <canvas node_ref=canvas width=size.get_untracked().0 height=size.get_untracked().1 data-testid="lifecycle-canvas"
                    tabindex="0" role="img"
                    aria-label="Chart of new, returning and resurrected learners per week above the axis, dormant ones below. Arrow keys read each week's figures."
                    on:mousemove=on_move on:mouseleave=move |_| hover.set(None)
                    on:keydown=on_key on:blur=move |_| hover.set(None)></canvas>
                {tooltip}
            </div>
        </div>
    }
}
