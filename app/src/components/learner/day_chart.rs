use leptos::html;
use leptos::prelude::*;

use crate::charts::PlotArea;
use crate::charts::learner_days::{LearnerDays, day_label};
use crate::components::users::{
    ExportButtons, canvas_size, column_cursor, draw_whenever, tooltip_place,
};

/// The canvas on a desktop (narrower on a phone).
const WIDE: (u32, u32) = (960, 280);

/// Messages and active hours per local day of the period, with a tooltip,
/// keyboard reading, exports, and the figures as a table.
#[component]
pub fn DayChart(days: LearnerDays) -> impl IntoView {
    let canvas = NodeRef::<html::Canvas>::new();
    let area = RwSignal::new(PlotArea::default());
    let hover = RwSignal::new(None::<(usize, f64, f64)>);
    let chart: Signal<Option<LearnerDays>> = Signal::derive({
        let days = days.clone();
        move || Some(days.clone())
    });
    let size = canvas_size(WIDE);
    draw_whenever(canvas, size, area, chart);
    let count = days.0.len();
    let (on_move, on_key) = column_cursor(canvas, area, hover, move || Some(count));
    let tooltip = {
        let days = days.clone();
        move || {
            let (index, x, _) = hover.get()?;
            let day = days.0.get(index)?;
            Some(view! {
                <div class="tooltip" role="status" data-testid="days-tooltip"
                    style:left=tooltip_place(x, 0.0, size.get()).0 style:top="20%">
                    <strong>{day_label(&days, index)}</strong>
                    <span>{format!("{} messages", day.messages)}</span>
                    <span>{format!("{} active hours", day.active_hours)}</span>
                </div>
            })
        }
    };
    view! {
        <section class="panel" aria-labelledby="days-title">
            <header class="panel-header">
                <h2 id="days-title">"Day by day"</h2>
                <div class="panel-actions">
                    <ExportButtons canvas chart file_stem="learner-days" testid="days" />
                </div>
            </header>
            <div class="chart-scroll">
                <div class="chart">
                    <canvas node_ref=canvas width=size.get_untracked().0 height=size.get_untracked().1 data-testid="days-canvas" tabindex="0" role="img"
                        aria-label="Messages and active hours per day. Arrow keys read each day."
                        on:mousemove=on_move on:mouseleave=move |_| hover.set(None)
                        on:keydown=on_key on:blur=move |_| hover.set(None)></canvas>
                    {tooltip}
                </div>
            </div>
            <details>
                <summary>"As a table"</summary>
                <table class="plain" data-testid="days-table">
                    <thead><tr><th>"Date"</th><th>"Messages"</th><th>"Active hours"</th></tr></thead>
                    <tbody>{days.0.into_iter().map(|day| view! {
                        <tr><td>{day.date.to_string()}</td><td>{day.messages}</td><td>{day.active_hours}</td></tr>
                    }).collect_view()}</tbody>
                </table>
            </details>
        </section>
    }
}
