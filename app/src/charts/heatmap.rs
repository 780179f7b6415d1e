//! The access-times heatmap: 7 weekdays x 24 hours (or, on a phone, 24
//! hours x 7 weekdays), darker = busier (brighter on a dark page), with
//! totals and a legend.

use plotters::coord::Shift;
use plotters::prelude::*;
use pulse_model::Heatmap;

use super::fonts::{TextSize, font};
use super::palette::{Theme, intensity};
use super::{Chart, DrawError, PlotArea};

pub const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// How the grid is asked to look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HeatView {
    /// Messages rather than learner-hours.
    pub messages: bool,
    /// Each cell divided by the times its hour occurs in the period.
    pub per_week: bool,
    pub sunday_first: bool,
    /// Hours down, weekdays across: the whole week fits a phone's width.
    pub transposed: bool,
}

/// What the grid shows, ready to draw: values in display order.
#[derive(Debug, Clone, PartialEq)]
pub struct HeatGrid {
    /// Rows in display order, each with its weekday index (0 = Monday).
    pub rows: Vec<(usize, [f64; 24])>,
    /// The total of each row (weekday) and of each hour. For messages,
    /// sums of the cells; for learners, distinct learners (METRICS.md:
    /// a learner active on four Mondays is one Monday learner).
    pub row_totals: Vec<f64>,
    pub hour_totals: [f64; 24],
    pub view: HeatView,
    /// The value at which the colour scale is full.
    pub scale_max: f64,
}

impl HeatGrid {
    pub fn new(heatmap: &Heatmap, view: HeatView) -> HeatGrid {
        let values = if view.messages {
            &heatmap.messages
        } else {
            &heatmap.users
        };
        let order: [usize; 7] = if view.sunday_first {
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
                    let times = heatmap.occurrences[weekday][hour] as f64;
                    *cell = match (view.per_week, times > 0.0) {
                        (true, true) => value / times,
                        (true, false) => 0.0,
                        (false, _) => value,
                    };
                }
                (weekday, row)
            })
            .collect();
        let (row_totals, hour_totals) = if view.messages {
            let mut hours = [0.0; 24];
            for (_, row) in &rows {
                for (hour, value) in row.iter().enumerate() {
                    hours[hour] += value;
                }
            }
            (
                rows.iter().map(|(_, row)| row.iter().sum()).collect(),
                hours,
            )
        } else {
            (
                rows.iter()
                    .map(|(weekday, _)| heatmap.weekday_users[*weekday] as f64)
                    .collect(),
                heatmap.hour_users.map(|users| users as f64),
            )
        };
        HeatGrid {
            scale_max: scale_max(&rows),
            rows,
            row_totals,
            hour_totals,
            view,
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

    /// (rows, columns) of cells as drawn.
    pub fn shape(&self) -> (usize, usize) {
        if self.view.transposed {
            (24, self.rows.len())
        } else {
            (self.rows.len(), 24)
        }
    }

    /// The (display row of `rows`, hour) under the drawn cell (row, column).
    pub fn cell_at(&self, row: usize, column: usize) -> (usize, usize) {
        if self.view.transposed {
            (column, row)
        } else {
            (row, column)
        }
    }

    /// The drawn (row, column) of a (display row of `rows`, hour).
    pub fn position_of(&self, weekday_row: usize, hour: usize) -> (usize, usize) {
        self.cell_at(weekday_row, hour)
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

/// A value as shown: whole numbers with thousands separators, averages
/// with one decimal.
pub fn format_value(value: f64) -> String {
    if value.fract() != 0.0 {
        return format!("{value:.1}");
    }
    let digits = format!("{value:.0}");
    let (sign, digits) = digits.split_at(usize::from(digits.starts_with('-')));
    let mut grouped = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("{sign}{grouped}")
}

/// The label of an hour's column (or row): `08` or `08:00`.
fn hour_label(hour: usize, long: bool) -> String {
    if long {
        format!("{hour:02}:00")
    } else {
        format!("{hour:02}")
    }
}

impl Chart for HeatGrid {
    /// Draws the grid on `root`; returns where the cells are.
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        theme: Theme,
    ) -> Result<PlotArea, DrawError<DB>>
    where
        DB::ErrorType: 'static,
    {
        let grid = self;
        root.fill(&theme.background)?;
        let (width, height) = root.dim_in_pixel();
        let transposed = grid.view.transposed;
        let (left, top) = if transposed {
            (62_i32, 30_i32)
        } else {
            (92, 26)
        };
        let (right, bottom) = (width as i32 - 60, height as i32 - 62);
        let (rows, columns) = grid.shape();
        let cell_w = f64::from(right - left) / columns as f64;
        let cell_h = f64::from(bottom - top) / rows as f64;
        let text = |size: TextSize| font(size).color(&theme.text);
        let total_name = if grid.view.messages {
            "Total"
        } else {
            "Learners"
        };
        for row in 0..rows {
            let y0 = top + (row as f64 * cell_h) as i32;
            let y1 = top + ((row + 1) as f64 * cell_h) as i32;
            let (label, total) = if transposed {
                (hour_label(row, true), grid.hour_totals[row])
            } else {
                (WEEKDAYS[grid.rows[row].0].to_owned(), grid.row_totals[row])
            };
            root.draw(&Text::new(label, (8, y0 + 4), text(TextSize::Large)))?;
            root.draw(&Text::new(
                format_value(total),
                (right + 8, y0 + 4),
                text(TextSize::Normal),
            ))?;
            for column in 0..columns {
                let (weekday_row, hour) = grid.cell_at(row, column);
                let value = grid.rows[weekday_row].1[hour];
                let x0 = left + (column as f64 * cell_w) as i32;
                let x1 = left + ((column + 1) as f64 * cell_w) as i32;
                let color = if value > 0.0 {
                    intensity(theme, value / grid.scale_max)
                } else {
                    theme.grid
                };
                root.draw(&Rectangle::new(
                    [(x0 + 1, y0 + 1), (x1 - 1, y1 - 1)],
                    color.filled(),
                ))?;
            }
        }
        for column in 0..columns {
            let x = left + (column as f64 * cell_w) as i32;
            let (label, total) = if transposed {
                (
                    WEEKDAYS[grid.rows[column].0][..3].to_owned(),
                    grid.row_totals[column],
                )
            } else {
                (hour_label(column, false), grid.hour_totals[column])
            };
            if transposed || column % 3 == 0 {
                root.draw(&Text::new(label, (x + 2, 6), text(TextSize::Normal)))?;
            }
            root.draw(&Text::new(
                format_value(total),
                (x + 2, bottom + 6),
                text(TextSize::Tiny),
            ))?;
        }
        root.draw(&Text::new(
            total_name,
            (8, bottom + 6),
            text(TextSize::Normal),
        ))?;
        root.draw(&Text::new(
            total_name,
            (right + 4, 6),
            text(TextSize::Small),
        ))?;
        draw_legend(root, grid, theme, left, bottom + 28)?;
        root.present()?;
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
) -> Result<(), DrawError<DB>> {
    let text = font(TextSize::Normal).color(&theme.text);
    root.draw(&Text::new("Less", (x, y + 2), text.clone()))?;
    for step in 0..10 {
        let x0 = x + 40 + step * 18;
        root.draw(&Rectangle::new(
            [(x0, y), (x0 + 16, y + 14)],
            intensity(theme, f64::from(step) / 9.0).filled(),
        ))?;
    }
    let scale = if grid.view.transposed {
        "More".to_owned()
    } else {
        format!(
            "More (full colour at {} or above)",
            format_value((grid.scale_max * 10.0).round() / 10.0)
        )
    };
    root.draw(&Text::new(scale, (x + 40 + 10 * 18 + 6, y + 2), text))?;
    Ok(())
}
