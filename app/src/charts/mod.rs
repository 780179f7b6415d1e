//! The charts, drawn by plotters on any backend: a `<canvas>` on the page,
//! or an SVG string for export. Drawing functions are generic over the
//! backend so both show the same picture.

pub mod fonts;
pub mod heatmap;
pub mod learner_days;
pub mod lifecycle;
pub mod palette;
pub mod sections;
pub mod trend;

use plotters::chart::{ChartBuilder, ChartContext, MeshStyle};
use plotters::coord::{CoordTranslate, Shift};
use plotters::prelude::{
    Color, DrawingArea, DrawingAreaErrorKind, DrawingBackend, IntoDrawingArea, PathElement, Ranged,
    Rectangle, SVGBackend, ShapeStyle, Text, TextStyle, TriangleMarker,
};

use fonts::{TextSize, font};
use palette::Theme;

/// The pixel rectangle of a chart's plotting area, to map the pointer back
/// to data.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PlotArea {
    pub left: i32,
    pub right: i32,
    pub top: i32,
    pub bottom: i32,
}

impl PlotArea {
    /// Which of `count` equal columns the x coordinate is in.
    pub fn column(&self, x: f64, count: usize) -> Option<usize> {
        let width = f64::from(self.right - self.left);
        let offset = x - f64::from(self.left);
        (width > 0.0 && offset >= 0.0 && offset < width)
            .then(|| ((offset / width) * count as f64) as usize)
    }

    /// Which of `count` equal rows the y coordinate is in (0 at the top).
    pub fn row(&self, y: f64, count: usize) -> Option<usize> {
        let height = f64::from(self.bottom - self.top);
        let offset = y - f64::from(self.top);
        (height > 0.0 && offset >= 0.0 && offset < height)
            .then(|| ((offset / height) * count as f64) as usize)
    }
}

impl From<(std::ops::Range<i32>, std::ops::Range<i32>)> for PlotArea {
    /// From plotters' pixel ranges of a plotting area (x, y).
    fn from((x, y): (std::ops::Range<i32>, std::ops::Range<i32>)) -> PlotArea {
        PlotArea {
            left: x.start,
            right: x.end,
            top: y.start,
            bottom: y.end,
        }
    }
}

/// Ticks on an axis of counts up to `top`: counts are whole, so no more
/// ticks than whole numbers below the top (2 to 10).
pub fn count_ticks(top: f64) -> usize {
    (top.floor() as usize + 1).clamp(2, 10)
}

/// How many of `count` columns an x axis labels: as many labels of about
/// `label_width` pixels as fit the drawing's width (a phone's chart is
/// narrower), at least 2.
pub fn x_label_count<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    count: usize,
    label_width: u32,
) -> usize {
    let fit = (root.dim_in_pixel().0 / label_width.max(1)).max(2) as usize;
    fit.min(count)
}

/// The top of a count axis over counts up to `max`: room above the highest
/// bar or point for the legend.
pub fn headroom(max: u64) -> f64 {
    max.max(1) as f64 * 1.15
}

/// A chart over columns (buckets, days, weeks) with the margins and label
/// areas every such chart shares, and room above the plot for `legend`.
fn column_chart<'a, 'b, DB: DrawingBackend>(
    root: &'a DrawingArea<DB, Shift>,
    legend: &Legend,
) -> ChartBuilder<'a, 'b, DB> {
    let mut builder = ChartBuilder::on(root);
    builder
        .margin(12)
        .margin_top(12 + legend.height)
        .x_label_area_size(34)
        .y_label_area_size(44);
    builder
}

/// How a legend entry's mark is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// A filled block: bars, areas.
    Block,
    /// A line.
    Line,
    /// A dashed line: what is not over yet.
    Dashes,
    /// A small triangle: markers.
    Triangle,
}

/// A series named in the legend above its chart.
#[derive(Debug, Clone)]
pub struct LegendEntry {
    pub name: String,
    pub mark: Mark,
    pub style: ShapeStyle,
}

impl LegendEntry {
    pub fn new(name: impl Into<String>, mark: Mark, style: ShapeStyle) -> LegendEntry {
        LegendEntry {
            name: name.into(),
            mark,
            style,
        }
    }
}

/// The height of one legend row, and the width of a mark and its gap.
const LEGEND_ROW: i32 = 20;
const MARK_WIDTH: i32 = 16;
const ENTRY_GAP: i32 = 18;
const LEGEND_LEFT: i32 = 56;

/// A chart's legend laid out once (its text is measured by the browser):
/// each entry with its (row, x), side by side, wrapping at the root's
/// right edge, and the room it takes above the plot.
pub struct Legend {
    placed: Vec<(LegendEntry, i32, i32)>,
    height: u32,
}

impl Legend {
    pub fn lay_out<DB: DrawingBackend>(
        root: &DrawingArea<DB, Shift>,
        entries: impl IntoIterator<Item = LegendEntry>,
    ) -> Legend {
        let width = i32::try_from(root.dim_in_pixel().0).unwrap_or(i32::MAX) - 12;
        let style = TextStyle::from(font(TextSize::Large));
        let (mut row, mut x) = (0, LEGEND_LEFT);
        let placed: Vec<(LegendEntry, i32, i32)> = entries
            .into_iter()
            .map(|entry| {
                let text = root
                    .estimate_text_size(&entry.name, &style)
                    .map_or(8 * entry.name.len() as i32, |(w, _)| w as i32);
                let span = MARK_WIDTH + 6 + text;
                if x > LEGEND_LEFT && x + span > width {
                    row += 1;
                    x = LEGEND_LEFT;
                }
                let at = x;
                x += span + ENTRY_GAP;
                (entry, row, at)
            })
            .collect();
        let height = placed
            .last()
            .map_or(0, |(_, row, _)| ((row + 1) * LEGEND_ROW + 6) as u32);
        Legend { placed, height }
    }
}

/// The legend, above the plot where it covers no data.
fn draw_legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    legend: &Legend,
    theme: Theme,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let text = font(TextSize::Large).color(&theme.text);
    for &(ref entry, row, x) in &legend.placed {
        let y = 12 + row * LEGEND_ROW + LEGEND_ROW / 2;
        let style = entry.style;
        match entry.mark {
            Mark::Block => root.draw(&Rectangle::new(
                [(x, y - 5), (x + 14, y + 5)],
                style.filled(),
            ))?,
            Mark::Line => root.draw(&PathElement::new([(x, y), (x + 14, y)], style))?,
            Mark::Dashes => {
                root.draw(&PathElement::new([(x, y), (x + 5, y)], style))?;
                root.draw(&PathElement::new([(x + 9, y), (x + 14, y)], style))?;
            }
            Mark::Triangle => root.draw(&TriangleMarker::new((x + 7, y), 6, style.filled()))?,
        }
        root.draw(&Text::new(
            entry.name.clone(),
            (x + MARK_WIDTH + 6, y - 7),
            text.clone(),
        ))?;
    }
    Ok(())
}

/// The grid, axes and labels of every chart, in the theme's colours.
fn themed_mesh<'a, 'b, 'c, X: Ranged, Y: Ranged, DB: DrawingBackend>(
    mesh: &'c mut MeshStyle<'a, 'b, X, Y, DB>,
    theme: Theme,
    text: &TextStyle<'b>,
) -> &'c mut MeshStyle<'a, 'b, X, Y, DB> {
    mesh.light_line_style(theme.grid.mix(0.5))
        .bold_line_style(theme.grid)
        .axis_style(theme.grid)
        .label_style(text.clone())
        .axis_desc_style(text.clone())
}

/// The legend above the plot, then the picture shown.
fn finish<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    root: &DrawingArea<DB, Shift>,
    chart: &mut ChartContext<'a, DB, CT>,
    theme: Theme,
    legend: &Legend,
) -> Result<PlotArea, DrawError<DB>>
where
    DB::ErrorType: 'static,
{
    draw_legend(root, legend, theme)?;
    root.present()?;
    Ok(chart.plotting_area().get_pixel_range().into())
}

/// A count axis' label: a tick between two whole numbers is left unlabelled.
pub fn whole_number(y: &f64) -> String {
    if y.fract() == 0.0 {
        format!("{y:.0}")
    } else {
        String::new()
    }
}

impl PlotArea {
    /// The x coordinate of the middle of column `index` of `count`.
    pub fn column_center(&self, index: usize, count: usize) -> f64 {
        let width = f64::from(self.right - self.left);
        f64::from(self.left) + width * (index as f64 + 0.5) / count.max(1) as f64
    }

    /// The y coordinate of the middle of row `index` of `count`.
    pub fn row_center(&self, index: usize, count: usize) -> f64 {
        let height = f64::from(self.bottom - self.top);
        f64::from(self.top) + height * (index as f64 + 0.5) / count.max(1) as f64
    }
}

/// Where a keyboard cursor over `count` positions goes for `key`: arrows
/// `back` and `forward` step (from nothing to the first), Home and End
/// jump when `ends`. None for any other key.
pub fn cursor_step(
    position: Option<usize>,
    count: usize,
    key: &str,
    (back, forward): (&str, &str),
    ends: bool,
) -> Option<usize> {
    let last = count.checked_sub(1)?;
    match key {
        _ if key == forward => Some(position.map_or(0, |at| (at + 1).min(last))),
        _ if key == back => Some(position.map_or(0, |at| at.saturating_sub(1))),
        "Home" if ends => Some(0),
        "End" if ends => Some(last),
        _ => None,
    }
}

/// Why plotters could not draw, in its own terms (the backend's error).
pub type DrawError<DB> = DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>;

/// A chart plotters can draw on any backend: the page's canvas, or SVG
/// for export, so that both show the same picture.
pub trait Chart: Clone + Send + Sync + 'static {
    /// Draws on `root`; returns where the plotting area is.
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        theme: Theme,
    ) -> Result<PlotArea, DrawError<DB>>
    where
        DB::ErrorType: 'static;
}

/// Draws `chart` on the page's canvas; returns the plotting area.
pub fn draw_on_canvas<C: Chart>(
    canvas: web_sys::HtmlCanvasElement,
    chart: &C,
    theme: Theme,
) -> Option<PlotArea> {
    let backend = plotters_canvas::CanvasBackend::with_canvas_object(canvas)?;
    chart.draw(&backend.into_drawing_area(), theme).ok()
}

/// Offers the canvas's picture as a PNG download.
pub fn export_png(canvas: Option<web_sys::HtmlCanvasElement>, file_name: &str) {
    if let Some(url) = canvas.and_then(|canvas| canvas.to_data_url().ok()) {
        crate::browser::download_url(file_name, &url);
    }
}

/// Draws `chart` again as SVG (plotters' SVG backend) and offers it as a download.
pub fn export_svg<C: Chart>(file_name: &str, size: (u32, u32), chart: &C, theme: Theme) {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        if chart.draw(&root, theme).is_err() {
            return;
        }
    }
    crate::browser::download(file_name, "image/svg+xml", &svg);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_keyboard_cursor_steps_and_stays_inside() {
        let arrows = ("ArrowLeft", "ArrowRight");
        assert_eq!(cursor_step(None, 5, "ArrowRight", arrows, true), Some(0));
        assert_eq!(cursor_step(Some(4), 5, "ArrowRight", arrows, true), Some(4));
        assert_eq!(cursor_step(Some(0), 5, "ArrowLeft", arrows, true), Some(0));
        assert_eq!(cursor_step(Some(2), 5, "End", arrows, true), Some(4));
        assert_eq!(cursor_step(Some(2), 5, "End", arrows, false), None);
        assert_eq!(cursor_step(Some(2), 5, "x", arrows, true), None);
        assert_eq!(cursor_step(None, 0, "ArrowRight", arrows, true), None);
    }
}
