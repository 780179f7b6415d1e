//! The access-times heatmap: 7 weekdays x 24 hours, darker = busier, with
//! row and column totals and a legend.

use plotters::coord::Shift;
use plotters::prelude::*;
use pulse_model::HeatmapGrid;

use super::palette::{Theme, sequential};
use super::{Chart, PlotArea};

pub const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// What the grid shows, ready to draw: values in display order.
#[derive(Debug, Clone, PartialEq)]
pub struct HeatGrid {
    /// Rows in display order, each with its weekday index (0 = Monday).
    pub rows: Vec<(usize, [f64; 24])>,
    /// The value at which the colour scale is full.
    pub scale_max: f64,
}

impl HeatGrid {
    /// `values` per weekday and hour; as averages per week when `per_week`
    /// (divided by `occurrences`); Sunday first when `sunday_first`.
    pub fn new(
        values: &HeatmapGrid,
        occurrences: &HeatmapGrid,
        per_week: bool,
        sunday_first: bool,
    ) -> HeatGrid {
        let order: [usize; 7] = if sunday_first {
            [6, 0, 1, 2, 3, 4, 5]
        } else {
            [0, 1, 2, 3, 4, 5, 6]
        };
        let rows: Vec<(usize, [f64; 24])> = order
            .iter()
            .map(|&weekday| {
                let mut row = [0.0; 24];
                for (hour, cell) in row.iter_mut().enumerate() {
                    let value = values[weekday][hour] as f64;
                    let times = occurrences[weekday][hour] as f64;
                    *cell = if per_week {
                        if times > 0.0 { value / times } else { 0.0 }
                    } else {
                        value
                    };
                }
                (weekday, row)
            })
            .collect();
        HeatGrid {
            scale_max: scale_max(&rows),
            rows,
        }
    }

    /// The busiest cell: (weekday, hour, value), if anything happened.
    pub fn busiest(&self) -> Option<(usize, usize, f64)> {
        let mut best: Option<(usize, usize, f64)> = None;
        for &(weekday, row) in &self.rows {
            for (hour, &value) in row.iter().enumerate() {
                if value > 0.0 && best.is_none_or(|(_, _, top)| value > top) {
                    best = Some((weekday, hour, value));
                }
            }
        }
        best
    }
}

/// The 95th percentile of the non-empty cells, so that one outlier does not
/// wash every other cell out (the outlier is simply full colour).
fn scale_max(rows: &[(usize, [f64; 24])]) -> f64 {
    let mut values: Vec<f64> = rows
        .iter()
        .flat_map(|(_, row)| row.iter().copied())
        .filter(|v| *v > 0.0)
        .collect();
    if values.is_empty() {
        return 1.0;
    }
    values.sort_by(f64::total_cmp);
    values[((values.len() - 1) as f64 * 0.95).round() as usize].max(f64::MIN_POSITIVE)
}

/// A value as shown: whole numbers as such, averages with one decimal.
pub fn format_value(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}

impl Chart for HeatGrid {
    /// Draws the grid on `root`; returns where the 7 x 24 cells are.
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        theme: Theme,
    ) -> Result<PlotArea, String>
    where
        DB::ErrorType: 'static,
    {
        let grid = self;
        let error = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
        root.fill(&theme.background).map_err(error)?;
        let (width, height) = root.dim_in_pixel();
        let (left, top) = (92_i32, 26_i32);
        let (right, bottom) = (width as i32 - 60, height as i32 - 62);
        let cell_w = f64::from(right - left) / 24.0;
        let cell_h = f64::from(bottom - top) / 7.0;
        let font = |size: i32| ("sans-serif", size).into_font().color(&theme.text);
        let mut column_totals = [0.0; 24];
        for (row_index, (weekday, row)) in grid.rows.iter().enumerate() {
            let y0 = top + (row_index as f64 * cell_h) as i32;
            let y1 = top + ((row_index + 1) as f64 * cell_h) as i32;
            root.draw(&Text::new(WEEKDAYS[*weekday], (8, y0 + 4), font(13)))
                .map_err(error)?;
            for (hour, &value) in row.iter().enumerate() {
                column_totals[hour] += value;
                let x0 = left + (hour as f64 * cell_w) as i32;
                let x1 = left + ((hour + 1) as f64 * cell_w) as i32;
                let color = if value > 0.0 {
                    sequential(value / grid.scale_max)
                } else {
                    theme.grid
                };
                root.draw(&Rectangle::new(
                    [(x0 + 1, y0 + 1), (x1 - 1, y1 - 1)],
                    color.filled(),
                ))
                .map_err(error)?;
            }
            let total: f64 = row.iter().sum();
            root.draw(&Text::new(
                format_value(total),
                (right + 8, y0 + 4),
                font(12),
            ))
            .map_err(error)?;
        }
        for (hour, column_total) in column_totals.iter().enumerate() {
            let x = left + (hour as f64 * cell_w) as i32;
            if hour % 3 == 0 {
                root.draw(&Text::new(format!("{hour:02}"), (x + 2, 6), font(12)))
                    .map_err(error)?;
            }
            let total = format_value(*column_total);
            root.draw(&Text::new(total, (x + 2, bottom + 6), font(10)))
                .map_err(error)?;
        }
        root.draw(&Text::new("Total", (8, bottom + 6), font(12)))
            .map_err(error)?;
        root.draw(&Text::new("Total", (right + 8, 6), font(12)))
            .map_err(error)?;
        draw_legend(root, grid, theme, left, bottom + 28).map_err(error)?;
        root.present().map_err(error)?;
        Ok(PlotArea {
            left,
            right,
            top,
            bottom,
        })
    }
}

fn draw_legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    grid: &HeatGrid,
    theme: Theme,
    x: i32,
    y: i32,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let font = ("sans-serif", 12).into_font().color(&theme.text);
    root.draw(&Text::new("Less", (x, y + 2), font.clone()))?;
    for step in 0..10 {
        let x0 = x + 40 + step * 18;
        root.draw(&Rectangle::new(
            [(x0, y), (x0 + 16, y + 14)],
            sequential(f64::from(step) / 9.0).filled(),
        ))?;
    }
    let scale = format!(
        "More (full colour at {} or above)",
        format_value((grid.scale_max * 10.0).round() / 10.0)
    );
    root.draw(&Text::new(scale, (x + 40 + 10 * 18 + 6, y + 2), font))?;
    Ok(())
}
