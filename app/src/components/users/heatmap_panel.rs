use leptos::html;
use leptos::prelude::*;
use pulse_model::Heatmap;

use super::chart_canvas::{ExportButtons, canvas_point, draw_whenever};
use crate::charts::heatmap::{HeatGrid, WEEKDAYS, format_value};
use crate::charts::{PlotArea, cursor_step};
use crate::view_state::ViewState;

const SIZE: (u32, u32) = (960, 330);

/// When users come: weekday x hour, darker = busier.
#[component]
pub fn HeatmapPanel(
    heatmap: Signal<Option<Heatmap>>,
    state: Memo<ViewState>,
    set_state: Callback<ViewState>,
) -> impl IntoView {
    let canvas = NodeRef::<html::Canvas>::new();
    let area = RwSignal::new(PlotArea::default());
    let hover = RwSignal::new(None::<(usize, usize, f64, f64)>);
    let grid: Signal<Option<HeatGrid>> = Memo::new(move |_| {
        let heatmap = heatmap.get()?;
        let view = state.get();
        let values = if view.heat_messages {
            &heatmap.messages
        } else {
            &heatmap.users
        };
        Some(HeatGrid::new(
            values,
            &heatmap.occurrences,
            view.heat_average,
            view.week_starts_sunday,
        ))
    })
    .into();
    draw_whenever(canvas, area, grid);
    let unit = move || {
        if state.get().heat_messages {
            "messages"
        } else {
            "active users"
        }
    };
    let busiest = move || {
        let (weekday, hour, value) = grid.get()?.busiest()?;
        Some(format!(
            "Busiest: {} {hour:02}:00–{:02}:00 ({} {})",
            WEEKDAYS[weekday],
            (hour + 1) % 24,
            format_value(value),
            unit()
        ))
    };
    let on_move = move |event: web_sys::MouseEvent| {
        let Some(canvas) = canvas.get_untracked() else {
            return;
        };
        let (x, y) = canvas_point(&canvas, &event);
        let plot = area.get_untracked();
        hover.set(
            plot.column(x, 24)
                .zip(plot.row(y, 7))
                .map(|(hour, row)| (row, hour, x, y)),
        );
    };
    // The keyboard reads the same tooltips: arrows move over the grid.
    let on_key = move |event: web_sys::KeyboardEvent| {
        let key = event.key();
        let current = hover.get_untracked();
        let (row, hour) = current.map_or((None, None), |(row, hour, _, _)| (Some(row), Some(hour)));
        let moved = match cursor_step(hour, 24, &key, ("ArrowLeft", "ArrowRight"), true) {
            Some(hour) => Some((row.unwrap_or(0), hour)),
            None => cursor_step(row, 7, &key, ("ArrowUp", "ArrowDown"), false)
                .map(|row| (row, hour.unwrap_or(0))),
        };
        let Some((row, hour)) = moved else {
            if key == "Escape" {
                hover.set(None);
            }
            return;
        };
        event.prevent_default();
        let plot = area.get_untracked();
        hover.set(Some((
            row,
            hour,
            plot.column_center(hour, 24),
            plot.row_center(row, 7),
        )));
    };
    let tooltip = move || {
        let (row, hour, x, y) = hover.get()?;
        let grid = grid.get()?;
        let heatmap = heatmap.get()?;
        let (weekday, values) = grid.rows.get(row)?;
        let weeks = heatmap.occurrences[*weekday][hour];
        let per = if state.get().heat_average {
            " per week on average"
        } else {
            ""
        };
        Some(view! {
            <div class="tooltip" role="status" data-testid="heatmap-tooltip"
                style=format!("left: {:.1}%; top: {:.1}%", x / f64::from(SIZE.0) * 100.0, y / f64::from(SIZE.1) * 100.0)>
                <strong>{format!("{} {hour:02}:00–{:02}:00", WEEKDAYS[*weekday], (hour + 1) % 24)}</strong>
                <span>{format!("{} {}{per}", format_value(values[hour]), unit())}</span>
                <span class="muted">{format!("over {weeks} such hours in the period")}</span>
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
            <div class="chart">
                <canvas node_ref=canvas width=SIZE.0 height=SIZE.1 data-testid="heatmap-canvas"
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
