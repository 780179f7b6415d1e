//! What both chart panels share: drawing a chart on its canvas whenever its
//! data changes, mapping the pointer into the canvas, and the exports.

use leptos::html;
use leptos::prelude::*;

use crate::charts::palette::current_theme;
use crate::charts::{Chart, PlotArea, draw_on_canvas, export_png, export_svg};

/// Below this width the screen is a phone's: charts are drawn on narrower
/// canvases, so that their text stays readable once scaled to the screen
/// and nothing scrolls sideways (the heatmap is also transposed).
const NARROW_SCREEN: &str = "(max-width: 600px)";
/// A chart's canvas width on a phone.
const NARROW_WIDTH: u32 = 360;

/// Whether the screen is narrow now, kept up to date as it turns or resizes.
pub fn narrow_screen() -> Signal<bool> {
    let matches = || {
        window()
            .match_media(NARROW_SCREEN)
            .ok()
            .flatten()
            .is_some_and(|list| list.matches())
    };
    let narrow = RwSignal::new(matches());
    let listener = window_event_listener(leptos::ev::resize, move |_| narrow.set(matches()));
    on_cleanup(move || listener.remove());
    narrow.into()
}

/// The canvas size of a chart drawn `wide` on a desktop: on a phone as
/// tall, and narrower.
pub fn canvas_size(wide: (u32, u32)) -> Signal<(u32, u32)> {
    let narrow = narrow_screen();
    Signal::derive(move || {
        if narrow.get() {
            (NARROW_WIDTH, wide.1)
        } else {
            wide
        }
    })
}

/// A tooltip's place in its chart, as percentages of the canvas `size`,
/// for a point in canvas pixels.
pub fn tooltip_place(x: f64, y: f64, size: (u32, u32)) -> (String, String) {
    (
        format!("{:.1}%", x / f64::from(size.0) * 100.0),
        format!("{:.1}%", y / f64::from(size.1) * 100.0),
    )
}

/// Draws `chart` on `canvas` at `size` whenever either changes, and keeps
/// where its plotting area is in `area` (to map the pointer and the
/// keyboard to data).
pub fn draw_whenever<C: Chart>(
    canvas: NodeRef<html::Canvas>,
    size: Signal<(u32, u32)>,
    area: RwSignal<PlotArea>,
    chart: Signal<Option<C>>,
) {
    Effect::new(move |_| {
        let (Some(canvas), Some(chart)) = (canvas.get(), chart.get()) else {
            return;
        };
        // Set here, before drawing, and only when it differs: setting a
        // canvas's size clears it.
        let (width, height) = size.get();
        if canvas.width() != width {
            canvas.set_width(width);
        }
        if canvas.height() != height {
            canvas.set_height(height);
        }
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

/// Which column of a chart the tooltip is on, and where (canvas pixels).
pub type ColumnHover = RwSignal<Option<(usize, f64, f64)>>;

/// The pointer and the keyboard over a chart of `columns()` columns (None
/// while it has no data): the pointer's column, or arrows, Home and End
/// stepping through them, set `hover`; Escape clears it. Returns the
/// `mousemove` and `keydown` handlers of the canvas.
pub fn column_cursor(
    canvas: NodeRef<html::Canvas>,
    area: RwSignal<PlotArea>,
    hover: ColumnHover,
    columns: impl Fn() -> Option<usize> + Copy + 'static,
) -> (
    impl Fn(web_sys::MouseEvent) + Copy + 'static,
    impl Fn(web_sys::KeyboardEvent) + Copy + 'static,
) {
    let on_move = move |event: web_sys::MouseEvent| {
        let (Some(canvas), Some(count)) = (canvas.get_untracked(), columns()) else {
            return;
        };
        let (x, y) = canvas_point(&canvas, &event);
        hover.set(
            area.get_untracked()
                .column(x, count)
                .map(|index| (index, x, y)),
        );
    };
    let on_key = move |event: web_sys::KeyboardEvent| {
        let Some(count) = columns() else {
            return;
        };
        let current = hover.get_untracked().map(|(index, _, _)| index);
        let arrows = ("ArrowLeft", "ArrowRight");
        let Some(index) = crate::charts::cursor_step(current, count, &event.key(), arrows, true)
        else {
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
    (on_move, on_key)
}
