//! The charts, drawn by plotters on any backend: a `<canvas>` on the page,
//! or an SVG string for export. Drawing functions are generic over the
//! backend so both show the same picture.

pub mod heatmap;
pub mod palette;
pub mod trend;

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
