//! New, returning and resurrected learners per week stacked above the axis,
//! dormant ones below it (they left): the lifecycle of METRICS.md.

use plotters::coord::Shift;
use plotters::prelude::*;
use pulse_model::{LifecycleWeek, Retention};

use super::fonts::{TextSize, font};
use super::palette::{Theme, sequential};
use super::{
    Chart, DrawError, PlotArea, column_chart, finish, headroom, themed_mesh, whole_number,
};

/// How many learners of one group a week has.
pub type GroupCount = fn(&LifecycleWeek) -> u64;

/// The four groups in stacking order, with their names.
pub const GROUPS: [(&str, GroupCount); 4] = [
    ("New", |week| week.new),
    ("Returning", |week| week.returning),
    ("Resurrected", |week| week.resurrected),
    ("Dormant", |week| week.dormant),
];

fn colour(group: usize, theme: Theme) -> RGBColor {
    match group {
        0 => theme.accent,
        1 => sequential(0.45),
        2 => sequential(0.85),
        _ => RGBColor(150, 150, 150),
    }
}

impl Chart for Retention {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        theme: Theme,
    ) -> Result<PlotArea, DrawError<DB>>
    where
        DB::ErrorType: 'static,
    {
        root.fill(&theme.background)?;
        let count = self.lifecycle.len().max(1);
        let up = headroom(
            self.lifecycle
                .iter()
                .map(|week| week.new + week.returning + week.resurrected)
                .max()
                .unwrap_or(0),
        );
        let down = self
            .lifecycle
            .iter()
            .map(|week| week.dormant)
            .max()
            .unwrap_or(0) as f64
            * 1.15;
        let text = font(TextSize::Large).color(&theme.text);
        let weeks = &self.weeks;
        let mut chart =
            column_chart(root).build_cartesian_2d(0f64..count as f64, -down.max(0.5)..up)?;
        themed_mesh(&mut chart.configure_mesh(), theme, &text)
            .disable_x_mesh()
            .x_labels(count.min(13))
            .x_label_formatter(&|x| {
                weeks
                    .get(*x as usize)
                    .map(|week| week.start.format("%d %b").to_string())
                    .unwrap_or_default()
            })
            .y_label_formatter(&|y| whole_number(&y.abs()))
            .y_desc("Learners")
            .draw()?;
        for (group, (name, value)) in GROUPS.iter().enumerate() {
            let bars = self.lifecycle.iter().enumerate().map(move |(index, week)| {
                let below: u64 = GROUPS[..group.min(3)]
                    .iter()
                    .map(|(_, other)| other(week))
                    .sum();
                let (from, to) = if group == 3 {
                    (0.0, -(value(week) as f64))
                } else {
                    (below as f64, (below + value(week)) as f64)
                };
                let x = index as f64;
                Rectangle::new(
                    [(x + 0.15, from), (x + 0.85, to)],
                    colour(group, theme).filled(),
                )
            });
            chart.draw_series(bars)?.label(*name).legend(move |(x, y)| {
                Rectangle::new([(x, y - 4), (x + 14, y + 4)], colour(group, theme).filled())
            });
        }
        finish(root, &mut chart, theme)
    }
}
