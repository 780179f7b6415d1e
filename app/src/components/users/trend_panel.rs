use leptos::html;
use leptos::prelude::*;
use pulse_model::Trend;

use super::chart_canvas::{ExportButtons, canvas_point, draw_whenever};
use crate::charts::trend::bucket_label;
use crate::charts::{PlotArea, cursor_step};

const SIZE: (u32, u32) = (960, 320);

/// Unique active users over the period, with a tooltip and exports.
#[component]
pub fn TrendPanel(trend: Signal<Option<Trend>>) -> impl IntoView {
    let canvas = NodeRef::<html::Canvas>::new();
    let area = RwSignal::new(PlotArea::default());
    let hover = RwSignal::new(None::<(usize, f64, f64)>);
    draw_whenever(canvas, area, trend);
    let on_move = move |event: web_sys::MouseEvent| {
        let (Some(canvas), Some(trend)) = (canvas.get_untracked(), trend.get_untracked()) else {
            return;
        };
        let (x, y) = canvas_point(&canvas, &event);
        hover.set(
            area.get_untracked()
                .column(x, trend.buckets.len())
                .map(|index| (index, x, y)),
        );
    };
    // The keyboard reads the same tooltips: arrows step through the buckets.
    let on_key = move |event: web_sys::KeyboardEvent| {
        let Some(trend) = trend.get_untracked() else {
            return;
        };
        let count = trend.buckets.len();
        let current = hover.get_untracked().map(|(index, _, _)| index);
        let arrows = ("ArrowLeft", "ArrowRight");
        let Some(index) = cursor_step(current, count, &event.key(), arrows, true) else {
            if event.key() == "Escape" {
                hover.set(None);
            }
            return;
        };
        event.prevent_default();
        let plot = area.get_untracked();
        let middle = f64::from(plot.top + plot.bottom) / 2.0;
        hover.set(Some((index, plot.column_center(index, count), middle)));
    };
    let tooltip = move || {
        let (index, x, y) = hover.get()?;
        let trend = trend.get()?;
        let bucket = trend.buckets.get(index)?;
        Some(view! {
            <div class="tooltip" role="status" data-testid="trend-tooltip"
                style:left=format!("{:.1}%", x / f64::from(SIZE.0) * 100.0)
                style:top=format!("{:.1}%", y / f64::from(SIZE.1) * 100.0)>
                <strong>{bucket_label(&trend, index)}</strong>
                <span>{format!("{} active users", bucket.active_users)}</span>
                <span>{format!("{} messages", bucket.messages)}</span>
                <span class="muted">{bucket.start.to_rfc3339()}</span>
            </div>
        })
    };
    view! {
        <section class="panel" aria-labelledby="trend-title">
            <header class="panel-header">
                <h2 id="trend-title">"Active users over time"</h2>
                <div class="panel-actions">
                    <ExportButtons canvas chart=trend file_stem="active-users" testid="trend" />
                </div>
            </header>
            <div class="chart-scroll">
            <div class="chart">
                <canvas node_ref=canvas width=SIZE.0 height=SIZE.1 data-testid="trend-canvas"
                    tabindex="0" role="img"
                    aria-label="Chart of unique active users per time bucket. Arrow keys read each bucket's figures."
                    on:mousemove=on_move on:mouseleave=move |_| hover.set(None)
                    on:keydown=on_key on:blur=move |_| hover.set(None)></canvas>
                {tooltip}
            </div>
            </div>
        </section>
    }
}
