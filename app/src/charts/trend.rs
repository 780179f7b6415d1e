//! Active users over time: one point per bucket, local time on the x axis,
//! and the agent's annotations as shaded buckets with a marker on top.

use plotters::coord::Shift;
use plotters::prelude::*;
use pulse_model::{Annotation, Granularity, Trend};

use super::fonts::{TextSize, font};
use super::palette::Theme;
use super::{
    Chart, DrawError, PlotArea, column_chart, count_ticks, finish, headroom, themed_mesh,
    whole_number,
};

/// The label of bucket `index` on the axis and in tooltips.
pub fn bucket_label(trend: &Trend, index: usize) -> String {
    let Some(bucket) = trend.buckets.get(index) else {
        return String::new();
    };
    match trend.granularity {
        Granularity::Hour => bucket.start.format("%a %H:%M").to_string(),
        Granularity::Day => bucket.start.format("%a %d %b").to_string(),
    }
}

/// The trend with the annotations drawn on it (and exported with it).
#[derive(Debug, Clone, PartialEq)]
pub struct AnnotatedTrend {
    pub trend: Trend,
    pub notes: Vec<Annotation>,
}

impl AnnotatedTrend {
    /// The notes of bucket `index`: those covering its local date.
    pub fn notes_at(&self, index: usize) -> Vec<&Annotation> {
        let Some(bucket) = self.trend.buckets.get(index) else {
            return Vec::new();
        };
        let date = bucket.start.date_naive();
        self.notes.iter().filter(|note| note.covers(date)).collect()
    }
}

impl Chart for AnnotatedTrend {
    /// Draws the chart on `root`; returns where the plotting area is.
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        theme: Theme,
    ) -> Result<PlotArea, DrawError<DB>>
    where
        DB::ErrorType: 'static,
    {
        let trend = &self.trend;
        root.fill(&theme.background)?;
        let count = trend.buckets.len().max(1);
        let top = headroom(
            trend
                .buckets
                .iter()
                .map(|b| b.active_users)
                .max()
                .unwrap_or(0),
        );
        let text = font(TextSize::Large).color(&theme.text);
        let mut chart = column_chart(root).build_cartesian_2d(0f64..count as f64, 0f64..top)?;
        themed_mesh(&mut chart.configure_mesh(), theme, &text)
            .x_labels(8.min(count))
            .x_label_formatter(&|x| bucket_label(trend, *x as usize))
            .y_labels(count_ticks(top))
            .y_label_formatter(&whole_number)
            .y_desc("Active users")
            .draw()?;
        // Annotated buckets first, under the line.
        let noted: Vec<usize> = (0..trend.buckets.len())
            .filter(|index| !self.notes_at(*index).is_empty())
            .collect();
        let shade = RGBColor(214, 130, 20);
        chart.draw_series(noted.iter().map(|&index| {
            let x = index as f64;
            Rectangle::new([(x, 0.0), (x + 1.0, top)], shade.mix(0.14).filled())
        }))?;
        if !noted.is_empty() {
            chart
                .draw_series(noted.iter().map(|&index| {
                    TriangleMarker::new((index as f64 + 0.5, top * 0.97), 6, shade.filled())
                }))?
                .label("Annotated")
                .legend(move |(x, y)| TriangleMarker::new((x + 7, y), 6, shade.filled()));
        }
        let points: Vec<(f64, f64)> = trend
            .buckets
            .iter()
            .enumerate()
            .map(|(i, b)| (i as f64 + 0.5, b.active_users as f64))
            .collect();
        chart.draw_series(
            AreaSeries::new(points.clone(), 0.0, theme.accent.mix(0.18))
                .border_style(theme.accent.stroke_width(2)),
        )?;
        chart
            .draw_series(
                points
                    .iter()
                    .map(|&(x, y)| Circle::new((x, y), 3, theme.accent.filled())),
            )?
            .label("Unique active users")
            .legend(move |(x, y)| {
                Rectangle::new([(x, y - 4), (x + 14, y + 4)], theme.accent.filled())
            });
        finish(root, &mut chart, theme)
    }
}
