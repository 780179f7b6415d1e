//! New, returning and resurrected learners per week stacked above the axis,
//! dormant ones below it (they left): the lifecycle of METRICS.md. The
//! current week is not over: its columns are drawn pale with an outline,
//! and nobody is drawn as dormant in it (those not back yet may still come).

use plotters::coord::Shift;
use plotters::prelude::*;
use pulse_model::{LifecycleWeek, Retention};

use super::fonts::{TextSize, font};
use super::palette::{Theme, sequential};
use super::{
    Chart, DrawError, Legend, LegendEntry, Mark, PlotArea, column_chart, finish, headroom,
    themed_mesh, whole_number, x_label_count,
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

/// Whether the week at `index` has ended (only the last one has not).
pub fn is_over(retention: &Retention, index: usize) -> bool {
    retention.weeks.get(index).is_none_or(|week| week.complete)
}

/// The dormant learners drawn for a week: none while it is not over, since
/// a learner not back yet this week may still come back before it ends.
fn dormant_drawn(retention: &Retention, index: usize, week: &LifecycleWeek) -> u64 {
    if is_over(retention, index) {
        week.dormant
    } else {
        0
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
            .enumerate()
            .map(|(index, week)| dormant_drawn(self, index, week))
            .max()
            .unwrap_or(0) as f64
            * 1.15;
        let text = font(TextSize::Large).color(&theme.text);
        let weeks = &self.weeks;
        let legend: Vec<LegendEntry> = GROUPS
            .iter()
            .enumerate()
            .map(|(group, (name, _))| {
                LegendEntry::new(*name, Mark::Block, colour(group, theme).filled())
            })
            .collect();
        let legend = Legend::lay_out(root, legend);
        let mut chart = column_chart(root, &legend)
            .build_cartesian_2d(0f64..count as f64, -down.max(0.5)..up)?;
        themed_mesh(&mut chart.configure_mesh(), theme, &text)
            .disable_x_mesh()
            .x_labels(x_label_count(root, count, 72))
            .x_label_formatter(&|x| {
                weeks
                    .get(*x as usize)
                    .map(|week| crate::dates::date(week.start, crate::dates::DateStyle::DayMonth))
                    .unwrap_or_default()
            })
            .y_label_formatter(&|y| whole_number(&y.abs()))
            .y_desc("Learners")
            .draw()?;
        for (group, (_, value)) in GROUPS.iter().enumerate() {
            let bars = self
                .lifecycle
                .iter()
                .enumerate()
                .flat_map(move |(index, week)| {
                    let below: u64 = GROUPS[..group.min(3)]
                        .iter()
                        .map(|(_, other)| other(week))
                        .sum();
                    let (from, to) = if group == 3 {
                        (0.0, -(dormant_drawn(self, index, week) as f64))
                    } else {
                        (below as f64, (below + value(week)) as f64)
                    };
                    let x = index as f64;
                    let corners = [(x + 0.15, from), (x + 0.85, to)];
                    let colour = colour(group, theme);
                    if is_over(self, index) {
                        vec![Rectangle::new(corners, colour.filled())]
                    } else {
                        // Not over yet: pale, outlined.
                        vec![
                            Rectangle::new(corners, colour.mix(0.35).filled()),
                            Rectangle::new(corners, colour.stroke_width(2)),
                        ]
                    }
                });
            chart.draw_series(bars)?;
        }
        finish(root, &mut chart, theme, &legend)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pulse_model::RetentionWeek;

    #[test]
    fn nobody_is_drawn_dormant_in_a_week_that_is_not_over() {
        let week = |day: u32, complete: bool| RetentionWeek {
            start: chrono::NaiveDate::from_ymd_opt(2026, 11, day).unwrap(),
            complete,
        };
        let counts = LifecycleWeek {
            new: 1,
            returning: 2,
            resurrected: 0,
            dormant: 5,
        };
        let retention = Retention {
            weeks: vec![week(22, true), week(29, false)],
            cohorts: Vec::new(),
            lifecycle: vec![counts, counts],
        };
        assert!(is_over(&retention, 0) && !is_over(&retention, 1));
        assert_eq!(dormant_drawn(&retention, 0, &counts), 5);
        assert_eq!(dormant_drawn(&retention, 1, &counts), 0);
    }
}
