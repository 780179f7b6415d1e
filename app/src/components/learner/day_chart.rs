use leptos::html;
use leptos::prelude::*;

use crate::charts::PlotArea;
use crate::charts::learner_days::{LearnerDays, day_label};
use crate::components::users::{ExportButtons, column_cursor, draw_whenever};

const SIZE: (u32, u32) = (960, 280);

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
    draw_whenever(canvas, area, chart);
    let count = days.0.len();
    let (on_move, on_key) = column_cursor(canvas, area, hover, move || Some(count));
    let tooltip = {
        let days = days.clone();
        move || {
            let (index, x, _) = hover.get()?;
            let day = days.0.get(index)?;
            Some(view! {
                <div class="tooltip" role="status" data-testid="days-tooltip"
                    style:left=format!("{:.1}%", x / f64::from(SIZE.0) * 100.0) style:top="20%">
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
                    <canvas node_ref=canvas width=SIZE.0 height=SIZE.1 data-testid="days-canvas" tabindex="0" role="img"
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
