use leptos::html;
use leptos::prelude::*;
use pulse_model::Trend;

use crate::charts::palette::current_theme;
use crate::charts::trend::{bucket_label, draw};
use crate::charts::{PlotArea, cursor_step, draw_on_canvas, export_png, export_svg};

const SIZE: (u32, u32) = (960, 320);

/// Unique active users over the period, with a tooltip and exports.
#[component]
pub fn TrendPanel(trend: Signal<Option<Trend>>) -> impl IntoView {
    let canvas = NodeRef::<html::Canvas>::new();
    let area = RwSignal::new(PlotArea::default());
    let hover = RwSignal::new(None::<(usize, f64, f64)>);
    Effect::new(move |_| {
        let (Some(canvas), Some(trend)) = (canvas.get(), trend.get()) else {
            return;
        };
        if let Some(plot) = draw_on_canvas(canvas, |root| draw(root, &trend, current_theme())) {
            area.set(plot);
        }
    });
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
                style=format!("left: {:.1}%; top: {:.1}%", x / f64::from(SIZE.0) * 100.0, y / f64::from(SIZE.1) * 100.0)>
                <strong>{bucket_label(&trend, index)}</strong>
                <span>{format!("{} active users", bucket.active_users)}</span>
                <span>{format!("{} messages", bucket.messages)}</span>
                <span class="muted">{bucket.start.to_rfc3339()}</span>
            </div>
        })
    };
    let export_png = move |_| export_png(canvas.get_untracked(), "active-users.png");
    let export_svg = move |_| {
        if let Some(trend) = trend.get_untracked() {
            export_svg("active-users.svg", SIZE, |root| {
                draw(root, &trend, current_theme())
            });
        }
    };
    view! {
        <section class="panel" aria-labelledby="trend-title">
            <header class="panel-header">
                <h2 id="trend-title">"Active users over time"</h2>
                <div class="panel-actions">
                    <button type="button" class="button" data-testid="trend-png" on:click=export_png>"PNG"</button>
                    <button type="button" class="button" data-testid="trend-svg" on:click=export_svg>"SVG"</button>
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

/// The pointer's position in the canvas's own pixels (the canvas is scaled by CSS).
pub fn canvas_point(
    canvas: &web_sys::HtmlCanvasElement,
    event: &web_sys::MouseEvent,
) -> (f64, f64) {
    let rect = canvas.get_bounding_client_rect();
    let scale_x = f64::from(canvas.width()) / rect.width().max(1.0);
    let scale_y = f64::from(canvas.height()) / rect.height().max(1.0);
    (
        (f64::from(event.client_x()) - rect.left()) * scale_x,
        (f64::from(event.client_y()) - rect.top()) * scale_y,
    )
}
