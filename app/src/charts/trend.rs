//! Active users over time: one point per bucket, local time on the x axis,
//! and the agent's annotations as shaded buckets with a marker on top.

use plotters::coord::Shift;
use plotters::prelude::*;
use pulse_model::{Annotation, Granularity, Trend};

use super::fonts::{TextSize, font};
use super::palette::Theme;
use super::{
    Chart, DrawError, Legend, LegendEntry, Mark, PlotArea, column_chart, count_ticks, finish,
    headroom, themed_mesh, whole_number, x_label_count,
};
use crate::dates::{DateStyle, wall_clock};

/// What bucket `index` covers, in words, for its tooltip: the whole date
/// (and hours), and whether it is still going on at `now_ms` (a partial
/// bucket, whose figures will grow: never read as a drop).
pub fn bucket_span(trend: &Trend, index: usize, now_ms: i64) -> Option<String> {
    let bucket = trend.buckets.get(index)?;
    let end = bucket_end(trend, index)?;
    let span = match trend.granularity {
        Granularity::Hour => format!(
            "{}, {}–{}",
            wall_clock(bucket.start.naive_local(), DateStyle::LongDay),
            wall_clock(bucket.start.naive_local(), DateStyle::Time),
            wall_clock(end.naive_local(), DateStyle::Time)
        ),
        Granularity::Day => wall_clock(bucket.start.naive_local(), DateStyle::LongDay),
    };
    let ongoing = ongoing_bucket(trend, now_ms) == Some(index);
    Some(if ongoing {
        format!("{span} · not over yet: its figures are so far")
    } else {
        span
    })
}

/// The label of bucket `index` on the axis and in tooltips.
pub fn bucket_label(trend: &Trend, index: usize) -> String {
    let Some(bucket) = trend.buckets.get(index) else {
        return String::new();
    };
    match trend.granularity {
        Granularity::Hour => wall_clock(bucket.start.naive_local(), DateStyle::WeekdayTime),
        Granularity::Day => wall_clock(bucket.start.naive_local(), DateStyle::Day),
    }
}

/// The trend with the annotations drawn on it (and exported with it).
#[derive(Debug, Clone, PartialEq)]
pub struct AnnotatedTrend {
    pub trend: Trend,
    pub notes: Vec<Annotation>,
    /// The time of drawing (ms since the epoch): the bucket holding it is
    /// not over, and is drawn dashed and pale.
    pub now_ms: i64,
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

/// When bucket `index` ends: the next bucket's start where there is one
/// (a DST day is 23 or 25 hours), else its start plus one step.
fn bucket_end(trend: &Trend, index: usize) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    let bucket = trend.buckets.get(index)?;
    let step = match trend.granularity {
        Granularity::Hour => chrono::Duration::hours(1),
        Granularity::Day => chrono::Duration::days(1),
    };
    Some(
        trend
            .buckets
            .get(index + 1)
            .map_or(bucket.start + step, |next| next.start),
    )
}

/// The bucket still going on at `now_ms` (today, this hour), if the trend
/// shows it: its figures are so far, and it is drawn as such.
pub fn ongoing_bucket(trend: &Trend, now_ms: i64) -> Option<usize> {
    (0..trend.buckets.len()).rev().find(|&index| {
        let start = trend.buckets[index].start.timestamp_millis();
        bucket_end(trend, index)
            .is_some_and(|end| start <= now_ms && now_ms < end.timestamp_millis())
    })
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
        let noted: Vec<usize> = (0..trend.buckets.len())
            .filter(|index| !self.notes_at(*index).is_empty())
            .collect();
        // The bucket going on now is drawn apart: dashed, pale, hollow, so
        // that a partial day never reads as a drop.
        let ongoing = ongoing_bucket(trend, self.now_ms);
        let shade = RGBColor(214, 130, 20);
        let mut legend = vec![LegendEntry::new(
            "Unique active users",
            Mark::Block,
            theme.accent.filled(),
        )];
        if ongoing.is_some() {
            legend.push(LegendEntry::new(
                "Not over yet (so far)",
                Mark::Dashes,
                theme.accent.stroke_width(2),
            ));
        }
        if !noted.is_empty() {
            legend.push(LegendEntry::new(
                "Annotated",
                Mark::Triangle,
                shade.filled(),
            ));
        }
        let legend = Legend::lay_out(root, legend);
        let mut chart =
            column_chart(root, &legend).build_cartesian_2d(0f64..count as f64, 0f64..top)?;
        themed_mesh(&mut chart.configure_mesh(), theme, &text)
            .x_labels(x_label_count(root, count, 120))
            .x_label_formatter(&|x| bucket_label(trend, *x as usize))
            .y_labels(count_ticks(top))
            .y_label_formatter(&whole_number)
            .y_desc("Active users")
            .draw()?;
        // Annotated buckets first, under the line.
        chart.draw_series(noted.iter().map(|&index| {
            let x = index as f64;
            Rectangle::new([(x, 0.0), (x + 1.0, top)], shade.mix(0.14).filled())
        }))?;
        chart.draw_series(noted.iter().map(|&index| {
            TriangleMarker::new((index as f64 + 0.5, top * 0.97), 6, shade.filled())
        }))?;
        let points: Vec<(f64, f64)> = trend
            .buckets
            .iter()
            .enumerate()
            .map(|(i, b)| (i as f64 + 0.5, b.active_users as f64))
            .collect();
        let over = ongoing.map_or(points.len(), |index| index);
        chart.draw_series(
            AreaSeries::new(points[..over].to_vec(), 0.0, theme.accent.mix(0.18))
                .border_style(theme.accent.stroke_width(2)),
        )?;
        chart.draw_series(
            points[..over]
                .iter()
                .map(|&(x, y)| Circle::new((x, y), 3, theme.accent.filled())),
        )?;
        if let Some(index) = ongoing {
            let segment: Vec<(f64, f64)> = points[index.saturating_sub(1)..=index].to_vec();
            chart.draw_series(AreaSeries::new(
                segment.clone(),
                0.0,
                theme.accent.mix(0.07),
            ))?;
            chart.draw_series(DashedLineSeries::new(
                segment,
                6,
                4,
                theme.accent.stroke_width(2),
            ))?;
            let (x, y) = points[index];
            chart.draw_series(std::iter::once(Circle::new(
                (x, y),
                4,
                theme.accent.stroke_width(2),
            )))?;
        }
        finish(root, &mut chart, theme, &legend)
    }
}

#[cfg(test)]
mod span_tests {
    use super::*;
    use pulse_model::TrendBucket;

    fn trend(granularity: Granularity, starts: &[&str]) -> Trend {
        Trend {
            granularity,
            buckets: starts
                .iter()
                .map(|start| TrendBucket {
                    start: chrono::DateTime::parse_from_rfc3339(start).unwrap(),
                    active_users: 1,
                    messages: 1,
                })
                .collect(),
        }
    }

    /// The y of the SVG text `label`.
    fn text_y(svg: &str, label: &str) -> f64 {
        svg.split("<text")
            .find(|element| element.contains(label))
            .and_then(|element| element.split(" y=\"").nth(1))
            .and_then(|rest| rest.split('"').next())
            .and_then(|y| y.parse().ok())
            .unwrap_or_else(|| panic!("no text {label:?} in the drawing"))
    }

    #[test]
    fn the_legend_sits_above_the_plot_where_it_covers_no_data() {
        let days = trend(
            Granularity::Day,
            &[
                "2026-11-01T00:00:00-04:00",
                "2026-11-02T00:00:00-05:00",
                "2026-11-03T00:00:00-05:00",
            ],
        );
        // Drawn during the last day: its partial bucket has its own entry.
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-03T12:00:00-05:00").unwrap();
        let chart = AnnotatedTrend {
            trend: days,
            notes: Vec::new(),
            now_ms: now.timestamp_millis(),
        };
        let mut svg = String::new();
        let plot = {
            let root = SVGBackend::with_string(&mut svg, (960, 320)).into_drawing_area();
            chart.draw(&root, crate::charts::palette::LIGHT).unwrap()
        };
        for label in ["Unique active users", "Not over yet (so far)"] {
            assert!(
                text_y(&svg, label) < f64::from(plot.top),
                "{label} at {} inside the plot from {}",
                text_y(&svg, label),
                plot.top
            );
        }
    }

    #[test]
    fn a_bucket_says_what_it_covers_and_whether_it_is_over() {
        // New York's fall-back day: the day bucket lasts 25 hours.
        let days = trend(
            Granularity::Day,
            &[
                "2026-10-31T00:00:00-04:00",
                "2026-11-01T00:00:00-04:00",
                "2026-11-02T00:00:00-05:00",
            ],
        );
        let during = chrono::DateTime::parse_from_rfc3339("2026-11-01T23:30:00-05:00")
            .unwrap()
            .timestamp_millis();
        assert_eq!(
            bucket_span(&days, 0, during).unwrap(),
            "Saturday, October 31, 2026"
        );
        assert_eq!(
            bucket_span(&days, 1, during).unwrap(),
            "Sunday, November 1, 2026 · not over yet: its figures are so far"
        );
        assert!(!bucket_span(&days, 2, during).unwrap().contains("not over"));
        let hours = trend(Granularity::Hour, &["2026-12-07T14:00:00+05:45"]);
        let now = chrono::DateTime::parse_from_rfc3339("2026-12-07T14:59:59+05:45")
            .unwrap()
            .timestamp_millis();
        assert_eq!(
            bucket_span(&hours, 0, now).unwrap(),
            "Monday, December 7, 2026, 14:00–15:00 · not over yet: its figures are so far"
        );
        assert!(bucket_span(&hours, 1, now).is_none());
    }
}
