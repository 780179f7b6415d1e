use leptos::html;
use leptos::prelude::*;
use pulse_model::Heatmap;

use super::chart_canvas::{ExportButtons, canvas_point, draw_whenever, narrow_screen};
use crate::charts::heatmap::{HeatGrid, HeatView, WEEKDAYS, format_value};
use crate::charts::{PlotArea, cursor_step};
use crate::view_state::ViewState;

/// The canvas: wide, or (transposed, on a phone) tall.
const WIDE: (u32, u32) = (960, 330);
const TALL: (u32, u32) = (340, 680);
/// When users come: weekday x hour, darker = busier.
#[component]
pub fn HeatmapPanel(
    heatmap: Signal<Option<Heatmap>>,
    state: Memo<ViewState>,
    set_state: Callback<ViewState>,
) -> impl IntoView {
    let canvas = NodeRef::<html::Canvas>::new();
    let area = RwSignal::new(PlotArea::default());
    // The cell under the pointer or keyboard cursor, as (display row of
    // the grid's weekdays, hour), with where to show its tooltip.
    let hover = RwSignal::new(None::<(usize, usize, f64, f64)>);
    let narrow = narrow_screen();
    let size = Signal::derive(move || if narrow.get() { TALL } else { WIDE });
    let grid: Signal<Option<HeatGrid>> = Memo::new(move |_| {
        let view = state.get();
        Some(HeatGrid::new(
            &heatmap.get()?,
            HeatView {
                messages: view.heat_messages,
                per_week: view.heat_average,
                sunday_first: view.week_starts_sunday,
                transposed: narrow.get(),
            },
        ))
    })
    .into();
    draw_whenever(canvas, size, area, grid);
    let busiest = move || {
        let grid = grid.get()?;
        let (weekday, hour, _) = grid.busiest()?;
        let heatmap = heatmap.get()?;
        Some(format!(
            "Busiest: {}: {}",
            hour_span(weekday, hour),
            cell_words(&heatmap, weekday, hour, grid.view)
        ))
    };
    let on_move = move |event: web_sys::MouseEvent| {
        let (Some(canvas), Some(grid)) = (canvas.get_untracked(), grid.get_untracked()) else {
            return;
        };
        let (x, y) = canvas_point(&canvas, &event);
        let plot = area.get_untracked();
        let (rows, columns) = grid.shape();
        hover.set(
            plot.column(x, columns)
                .zip(plot.row(y, rows))
                .map(|(column, row)| {
                    let (weekday_row, hour) = grid.cell_at(row, column);
                    (weekday_row, hour, x, y)
                }),
        );
    };
    // The keyboard reads the same tooltips: arrows move over the grid as
    // drawn (across the columns, down the rows), Home and End along a row.
    let on_key = move |event: web_sys::KeyboardEvent| {
        let Some(grid) = grid.get_untracked() else {
            return;
        };
        let key = event.key();
        let (rows, columns) = grid.shape();
        let current = hover
            .get_untracked()
            .map(|(weekday_row, hour, _, _)| grid.position_of(weekday_row, hour));
        let (row, column) = current.map_or((None, None), |(row, column)| (Some(row), Some(column)));
        let moved = match cursor_step(column, columns, &key, ("ArrowLeft", "ArrowRight"), true) {
            Some(column) => Some((row.unwrap_or(0), column)),
            None => cursor_step(row, rows, &key, ("ArrowUp", "ArrowDown"), false)
                .map(|row| (row, column.unwrap_or(0))),
        };
        let Some((row, column)) = moved else {
            if key == "Escape" {
                hover.set(None);
            }
            return;
        };
        event.prevent_default();
        let plot = area.get_untracked();
        let (weekday_row, hour) = grid.cell_at(row, column);
        hover.set(Some((
            weekday_row,
            hour,
            plot.column_center(column, columns),
            plot.row_center(row, rows),
        )));
    };
    let tooltip = move || {
        let (weekday_row, hour, x, y) = hover.get()?;
        let grid = grid.get()?;
        let heatmap = heatmap.get()?;
        let weekday = grid.rows.get(weekday_row)?.0;
        let (width, height) = size.get();
        let unit = if grid.view.messages {
            "messages"
        } else {
            "learners"
        };
        let day_total = grid.row_totals[weekday_row];
        let hour_total = grid.hour_totals[hour];
        // Past the middle it opens leftwards, so that it stays inside the chart.
        let flip = x / f64::from(width) > 0.5;
        Some(view! {
            <div class="tooltip" role="status" data-testid="heatmap-tooltip"
                class:flip=flip
                style:left=format!("{:.1}%", x / f64::from(width) * 100.0)
                style:top=format!("{:.1}%", y / f64::from(height) * 100.0)>
                <strong>{hour_span(weekday, hour)}</strong>
                <span>{cell_words(&heatmap, weekday, hour, grid.view)}</span>
                <span class="muted">{format!(
                    "{}s: {} {unit} · {:02}:00–{:02}:00: {} {unit}",
                    WEEKDAYS[weekday],
                    format_value(day_total),
                    hour,
                    (hour + 1) % 24,
                    format_value(hour_total)
                )}</span>
            </div>
        })
    };
    let toggle = move |change: fn(&mut ViewState)| {
        move |_| {
            let mut next = state.get_untracked();
            change(&mut next);
            set_state.run(next);
        }
    };
    view! {
        <section class="panel" aria-labelledby="heatmap-title">
            <header class="panel-header">
                <h2 id="heatmap-title">"Access times"</h2>
                <div class="panel-actions" role="group" aria-label="Heatmap options">
                    <button type="button" class="chip" data-testid="heat-users"
                        aria-pressed=move || (!state.get().heat_messages).to_string()
                        on:click=toggle(|s| s.heat_messages = false)>"Users"</button>
                    <button type="button" class="chip" data-testid="heat-messages"
                        aria-pressed=move || state.get().heat_messages.to_string()
                        on:click=toggle(|s| s.heat_messages = true)>"Messages"</button>
                    <button type="button" class="chip" data-testid="heat-average"
                        aria-pressed=move || state.get().heat_average.to_string()
                        on:click=toggle(|s| s.heat_average = !s.heat_average)>"Average per week"</button>
                    <button type="button" class="chip" data-testid="heat-sunday"
                        aria-pressed=move || state.get().week_starts_sunday.to_string()
                        on:click=toggle(|s| s.week_starts_sunday = !s.week_starts_sunday)>"Week starts Sunday"</button>
                    <ExportButtons canvas chart=grid file_stem="access-times" testid="heat" />
                </div>
            </header>
            <p class="busiest" data-testid="busiest">{move || busiest().unwrap_or_else(|| "No activity in this period".into())}</p>
            <div class="chart-scroll">
            <div class="chart" class:portrait=move || narrow.get()>
                <canvas node_ref=canvas width=size.get_untracked().0 height=size.get_untracked().1 data-testid="heatmap-canvas"
                    tabindex="0" role="img"
                    aria-label="Heatmap of activity by weekday and hour. Arrow keys read each hour's figures."
                    on:mousemove=on_move on:mouseleave=move |_| hover.set(None)
                    on:keydown=on_key on:blur=move |_| hover.set(None)></canvas>
                {tooltip}
            </div>
            </div>
        </section>
    }
}

/// "Tuesday 08:00–09:00".
fn hour_span(weekday: usize, hour: usize) -> String {
    format!(
        "{} {hour:02}:00–{:02}:00",
        WEEKDAYS[weekday],
        (hour + 1) % 24
    )
}

/// What a cell holds, in words that mean what they say (METRICS.md): a
/// learners cell counts learner-hours; with "Average per week" on, shown
/// as learners per week on average, else as the period's total.
fn cell_words(heatmap: &Heatmap, weekday: usize, hour: usize, view: HeatView) -> String {
    let times = heatmap.occurrences[weekday][hour];
    let (value, unit, total) = if view.messages {
        (heatmap.messages[weekday][hour], "messages", "messages")
    } else {
        (heatmap.users[weekday][hour], "learners", "learner-hours")
    };
    let hours = if times == 1 {
        "1 such hour".to_owned()
    } else {
        format!("{times} such hours")
    };
    if !view.per_week {
        return format!(
            "{} {total} in the period ({hours})",
            format_value(value as f64)
        );
    }
    let average = if times == 0 {
        0.0
    } else {
        value as f64 / times as f64
    };
    format!(
        "{} {unit} per week on average ({} {total} over {hours})",
        rounded_average(average, !view.messages),
        format_value(value as f64)
    )
}

/// An average as people read it: learners are whole people (a fraction
/// below one is "fewer than 1"), messages whole from 10 on and to one
/// decimal below.
fn rounded_average(average: f64, people: bool) -> String {
    if average > 0.0 && average < 1.0 && people {
        return "fewer than 1".to_owned();
    }
    if people || average >= 10.0 {
        format_value(average.round())
    } else {
        format_value((average * 10.0).round() / 10.0)
    }
}

#[cfg(test)]
mod tests {
    use super::rounded_average;

    #[test]
    fn averages_round_as_people_read_them() {
        assert_eq!(rounded_average(384.3, true), "384");
        assert_eq!(rounded_average(0.5, true), "fewer than 1");
        assert_eq!(rounded_average(0.0, true), "0");
        assert_eq!(rounded_average(2821.8, false), "2,822");
        assert_eq!(rounded_average(2.25, false), "2.3");
    }
}
