//! What both chart panels share: drawing a chart on its canvas whenever its
//! data changes, mapping the pointer into the canvas, and the exports.

use leptos::html;
use leptos::prelude::*;

use crate::charts::palette::current_theme;
use crate::charts::{Chart, PlotArea, draw_on_canvas, export_png, export_svg};

/// Draws `chart` on `canvas` whenever it changes, and keeps where its
/// plotting area is in `area` (to map the pointer and the keyboard to data).
pub fn draw_whenever<C: Chart>(
    canvas: NodeRef<html::Canvas>,
    area: RwSignal<PlotArea>,
    chart: Signal<Option<C>>,
) {
    Effect::new(move |_| {
        let (Some(canvas), Some(chart)) = (canvas.get(), chart.get()) else {
            return;
        };
        if let Some(plot) = draw_on_canvas(canvas, &chart, current_theme()) {
            area.set(plot);
        }
    });
}

/// Downloads of the chart: PNG (the canvas as drawn) and SVG (drawn again).
#[component]
pub fn ExportButtons<C: Chart>(
    canvas: NodeRef<html::Canvas>,
    chart: Signal<Option<C>>,
    /// The file name without extension.
    file_stem: &'static str,
    /// `{testid}-png` and `{testid}-svg`.
    testid: &'static str,
) -> impl IntoView {
    let png = move |_| export_png(canvas.get_untracked(), &format!("{file_stem}.png"));
    let svg = move |_| {
        let (Some(canvas), Some(chart)) = (canvas.get_untracked(), chart.get_untracked()) else {
            return;
        };
        let size = (canvas.width(), canvas.height());
        export_svg(&format!("{file_stem}.svg"), size, &chart, current_theme());
    };
    view! {
        <button type="button" class="button" data-testid=format!("{testid}-png") on:click=png>"PNG"</button>
        <button type="button" class="button" data-testid=format!("{testid}-svg") on:click=svg>"SVG"</button>
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
