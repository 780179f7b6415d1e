//! Sections side by side: each section's unique active users per bucket,
//! one line each, on the trend's axes.

use plotters::coord::Shift;
use plotters::prelude::*;
use pulse_model::SectionTrend;

use super::fonts::{TextSize, font};
use super::palette::{Theme, sequential};
use super::trend::bucket_label;
use super::{
    Chart, DrawError, Legend, LegendEntry, Mark, PlotArea, column_chart, count_ticks, finish,
    headroom, themed_mesh, whole_number, x_label_count,
};

/// Every section's trend (the same buckets each).
#[derive(Debug, Clone, PartialEq)]
pub struct SectionsChart(pub Vec<SectionTrend>);

/// The colour of line `index` of `count`: spread over the palette.
pub fn line_colour(index: usize, count: usize) -> RGBColor {
    sequential(0.1 + 0.8 * index as f64 / count.max(2).saturating_sub(1).max(1) as f64)
}

impl Chart for SectionsChart {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        theme: Theme,
    ) -> Result<PlotArea, DrawError<DB>>
    where
        DB::ErrorType: 'static,
    {
        root.fill(&theme.background)?;
        let Some(first) = self.0.first() else {
            return Ok(PlotArea::default());
        };
        let count = first.trend.buckets.len().max(1);
        let top = headroom(
            self.0
                .iter()
                .flat_map(|section| section.trend.buckets.iter().map(|b| b.active_users))
                .max()
                .unwrap_or(0),
        );
        let text = font(TextSize::Large).color(&theme.text);
        let labels = &first.trend;
        let lines = self.0.len();
        let legend: Vec<LegendEntry> = self
            .0
            .iter()
            .enumerate()
            .map(|(index, section)| {
                LegendEntry::new(
                    section.section.name.clone(),
                    Mark::Line,
                    line_colour(index, lines).stroke_width(2),
                )
            })
            .collect();
        let legend = Legend::lay_out(root, legend);
        let mut chart =
            column_chart(root, &legend).build_cartesian_2d(0f64..count as f64, 0f64..top)?;
        themed_mesh(&mut chart.configure_mesh(), theme, &text)
            .x_labels(x_label_count(root, count, 120))
            .x_label_formatter(&|x| bucket_label(labels, *x as usize))
            .y_labels(count_ticks(top))
            .y_label_formatter(&whole_number)
            .y_desc("Active users")
            .draw()?;
        for (index, section) in self.0.iter().enumerate() {
            let colour = line_colour(index, lines);
            let points: Vec<(f64, f64)> = section
                .trend
                .buckets
                .iter()
                .enumerate()
                .map(|(i, b)| (i as f64 + 0.5, b.active_users as f64))
                .collect();
            chart.draw_series(LineSeries::new(points, colour.stroke_width(2)))?;
        }
        finish(root, &mut chart, theme, &legend)
    }
}
