//! One learner's days: messages as bars, active hours as a line on its own
//! axis (0 to 24).

use plotters::coord::Shift;
use plotters::prelude::*;
use pulse_model::LearnerDay;

use super::fonts::{TextSize, font};
use super::palette::Theme;
use super::{
    Chart, DrawError, Legend, LegendEntry, Mark, PlotArea, column_chart, count_ticks, finish,
    headroom, themed_mesh, whole_number, x_label_count,
};

/// The day-by-day chart of the learner view.
#[derive(Debug, Clone, PartialEq)]
pub struct LearnerDays(pub Vec<LearnerDay>);

/// The label of day `index` on the axis and in tooltips.
pub fn day_label(days: &LearnerDays, index: usize) -> String {
    days.0
        .get(index)
        .map(|day| crate::dates::date(day.date, crate::dates::DateStyle::Day))
        .unwrap_or_default()
}

impl Chart for LearnerDays {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        theme: Theme,
    ) -> Result<PlotArea, DrawError<DB>>
    where
        DB::ErrorType: 'static,
    {
        root.fill(&theme.background)?;
        let count = self.0.len().max(1);
        let top = headroom(self.0.iter().map(|d| d.messages).max().unwrap_or(0));
        let text = font(TextSize::Large).color(&theme.text);
        let legend = [
            LegendEntry::new("Messages", Mark::Block, theme.accent.mix(0.55).filled()),
            LegendEntry::new("Active hours", Mark::Line, theme.text.stroke_width(2)),
        ];
        let legend = Legend::lay_out(root, legend);
        let mut chart = column_chart(root, &legend)
            .right_y_label_area_size(44)
            .build_cartesian_2d(0f64..count as f64, 0f64..top)?
            .set_secondary_coord(0f64..count as f64, 0f64..24.0);
        themed_mesh(&mut chart.configure_mesh(), theme, &text)
            .x_labels(x_label_count(root, count, 120))
            .x_label_formatter(&|x| day_label(self, *x as usize))
            .y_labels(count_ticks(top))
            .y_label_formatter(&whole_number)
            .y_desc("Messages")
            .draw()?;
        chart
            .configure_secondary_axes()
            .axis_style(theme.grid)
            .label_style(text.clone())
            .y_labels(5)
            .y_label_formatter(&|y| format!("{y:.0}"))
            .y_desc("Active hours")
            .axis_desc_style(text)
            .draw()?;
        chart.draw_series(self.0.iter().enumerate().map(|(i, day)| {
            let x = i as f64;
            Rectangle::new(
                [(x + 0.15, 0.0), (x + 0.85, day.messages as f64)],
                theme.accent.mix(0.55).filled(),
            )
        }))?;
        let hours: Vec<(f64, f64)> = self
            .0
            .iter()
            .enumerate()
            .map(|(i, day)| (i as f64 + 0.5, day.active_hours as f64))
            .collect();
        chart.draw_secondary_series(LineSeries::new(hours, theme.text.stroke_width(2)))?;
        finish(root, &mut chart, theme, &legend)
    }
}
