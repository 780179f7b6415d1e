//! Small-count suppression (METRICS.md, "Shared views and small counts"):
//! what a share link, or an administrator in privacy mode, may see of a
//! period's figures without any small group of learners being identifiable.

use std::ops::RangeInclusive;

use serde::{Deserialize, Serialize};

use crate::figures::{Granularity, Heatmap, HeatmapGrid, Overview, PeriodBounds, Trend};

/// The threshold k a share link takes when none is given.
pub const DEFAULT_MIN_COUNT: u32 = 5;
/// The thresholds a share link may have.
pub const MIN_COUNT_RANGE: RangeInclusive<u32> = 2..=100;

/// Whether a count of users is too small to show: 1 to k-1. Nobody (0) is
/// no group, and is shown.
pub fn is_small(count: u64, min_count: u32) -> bool {
    count >= 1 && count < u64::from(min_count)
}

/// Which cells of a heatmap's `users` grid are hidden: the small ones, and
/// then the complementary cells. Passes go over the rows (Monday to
/// Sunday), then the hours (0 to 23); a line holding exactly one hidden
/// cell gets its smallest other non-zero cell hidden too (the earliest on
/// a tie), so that the hidden one cannot be recovered from a total. Passes
/// repeat until one hides nothing.
pub fn hidden_cells(grid: &HeatmapGrid, min_count: u32) -> [[bool; 24]; 7] {
    let mut hidden = grid.map(|row| row.map(|cell| is_small(cell, min_count)));
    let rows = (0..7).map(|weekday| (0..24).map(move |hour| (weekday, hour)));
    let hours = (0..24).map(|hour| (0..7).map(move |weekday| (weekday, hour)));
    let lines: Vec<Vec<(usize, usize)>> = rows
        .map(Iterator::collect)
        .chain(hours.map(Iterator::collect))
        .collect();
    loop {
        let mut changed = false;
        for line in &lines {
            if line.iter().filter(|&&(w, h)| hidden[w][h]).count() != 1 {
                continue;
            }
            let partner = line
                .iter()
                .filter(|&&(w, h)| !hidden[w][h] && grid[w][h] > 0)
                .min_by_key(|&&(w, h)| grid[w][h]);
            if let Some(&(w, h)) = partner {
                hidden[w][h] = true;
                changed = true;
            }
        }
        if !changed {
            return hidden;
        }
    }
}

/// A stable stand-in for a learner's name in privacy mode: "Learner "
/// and four letters derived from the user id (FNV-1a), the same on every
/// screen and every day, and telling nothing of the id.
pub fn pseudonym(user_id: &str) -> String {
    const LETTERS: &[u8; 32] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut hash: u32 = 0x811c_9dc5;
    for byte in user_id.bytes() {
        hash = (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193);
    }
    let code: String = (0..4)
        .map(|place| LETTERS[((hash >> (place * 5)) & 31) as usize] as char)
        .collect();
    format!("Learner {code}")
}

/// A count of users as shown with small counts suppressed: `None` hides it.
fn shown(count: u64, min_count: u32) -> Option<u64> {
    (!is_small(count, min_count)).then_some(count)
}

/// `average_daily_users` as a share link may show it: hidden when it is
/// above 0 and under k, and whenever a day's count is hidden anywhere (a
/// day of a daily trend, or a weekday total, which is a day's count when
/// the weekday falls once in the period), since the average times the
/// days, less the days shown, would give the hidden days back
/// (docs/METRICS.md, "Share links: small-count suppression").
fn shown_average(average: f64, trend: &Trend, heatmap: &Heatmap, k: u32) -> Option<f64> {
    let small = average > 0.0 && average < f64::from(k);
    let a_day_hidden = trend.granularity == Granularity::Day
        && trend
            .buckets
            .iter()
            .any(|bucket| is_small(bucket.active_users, k));
    let a_weekday_hidden = heatmap
        .weekday_users
        .iter()
        .any(|count| is_small(*count, k));
    (!small && !a_day_hidden && !a_weekday_hidden).then_some(average)
}

/// The counts of [`Overview`] with small counts of users hidden (`null`);
/// message counts are never hidden.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharedOverview {
    /// `online`, or null when 1 to k-1.
    pub online: Option<u64>,
    /// `active_30d`, or null when 1 to k-1.
    pub active_30d: Option<u64>,
    /// `registered`, or null when 1 to k-1.
    pub registered: Option<u64>,
    /// `active_users`, or null when 1 to k-1.
    pub active_users: Option<u64>,
    /// `messages`, always shown.
    pub messages: u64,
    /// `average_daily_users`, or null when above 0 and under k, or when a
    /// day of the trend or a weekday total is hidden.
    pub average_daily_users: Option<f64>,
    /// `previous_active_users`, or null when 1 to k-1.
    pub previous_active_users: Option<u64>,
    /// `previous_messages`, always shown.
    pub previous_messages: u64,
    /// The instants the period covers, in the viewer's offset.
    pub period: PeriodBounds,
    /// The IANA zone of the view.
    pub tz: String,
    /// Whether any count above is hidden.
    pub suppressed: bool,
}

/// One bucket of [`Trend`] with a small count of users hidden.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharedTrendBucket {
    /// The bucket's first instant, in local time with its offset.
    pub start: chrono::DateTime<chrono::FixedOffset>,
    /// Distinct users active in the bucket, or null when 1 to k-1.
    pub active_users: Option<u64>,
    /// Message events in the bucket, always shown.
    pub messages: u64,
    /// Whether `active_users` is hidden.
    pub suppressed: bool,
}

/// [`Trend`] with small counts of users hidden.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharedTrend {
    /// Whether the buckets are local hours or local days.
    pub granularity: Granularity,
    /// Every bucket of the period, in order.
    pub buckets: Vec<SharedTrendBucket>,
}

/// [`Heatmap`] with small counts of users hidden, complementary cells
/// included ([`hidden_cells`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharedHeatmap {
    /// Learner-hours per cell, or null where hidden.
    pub users: [[Option<u64>; 24]; 7],
    /// Message events per cell, always shown.
    pub messages: HeatmapGrid,
    /// Local (date, hour) pairs of the period per cell.
    pub occurrences: HeatmapGrid,
    /// Distinct users per weekday, or null when 1 to k-1.
    pub weekday_users: [Option<u64>; 7],
    /// Distinct users per local hour, or null when 1 to k-1.
    pub hour_users: [Option<u64>; 24],
    /// Whether any count above is hidden.
    pub suppressed: bool,
}

/// A period's figures as a share link shows them: no learner in them, and
/// small counts of users hidden.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharedFigures {
    /// The threshold k: counts of users from 1 to k-1 are hidden.
    pub min_count: u32,
    /// The topline and period counts.
    pub overview: SharedOverview,
    /// Active users over time.
    pub trend: SharedTrend,
    /// The access-times heatmap.
    pub heatmap: SharedHeatmap,
}

impl SharedFigures {
    /// The figures with every small count of users hidden.
    pub fn suppress(overview: &Overview, trend: &Trend, heatmap: &Heatmap, k: u32) -> Self {
        let overview = SharedOverview {
            online: shown(overview.online, k),
            active_30d: shown(overview.active_30d, k),
            registered: shown(overview.registered, k),
            active_users: shown(overview.active_users, k),
            messages: overview.messages,
            average_daily_users: shown_average(overview.average_daily_users, trend, heatmap, k),
            previous_active_users: shown(overview.previous_active_users, k),
            previous_messages: overview.previous_messages,
            period: overview.period.clone(),
            tz: overview.tz.clone(),
            suppressed: false,
        };
        let overview = SharedOverview {
            suppressed: [
                overview.online,
                overview.active_30d,
                overview.registered,
                overview.active_users,
                overview.previous_active_users,
            ]
            .contains(&None)
                || overview.average_daily_users.is_none(),
            ..overview
        };
        let trend = SharedTrend {
            granularity: trend.granularity,
            buckets: trend
                .buckets
                .iter()
                .map(|bucket| SharedTrendBucket {
                    start: bucket.start,
                    active_users: shown(bucket.active_users, k),
                    messages: bucket.messages,
                    suppressed: is_small(bucket.active_users, k),
                })
                .collect(),
        };
        let hidden = hidden_cells(&heatmap.users, k);
        let mut users = [[None; 24]; 7];
        for (weekday, row) in users.iter_mut().enumerate() {
            for (hour, cell) in row.iter_mut().enumerate() {
                if !hidden[weekday][hour] {
                    *cell = Some(heatmap.users[weekday][hour]);
                }
            }
        }
        let weekday_users = heatmap.weekday_users.map(|count| shown(count, k));
        let hour_users = heatmap.hour_users.map(|count| shown(count, k));
        let suppressed = hidden.iter().flatten().any(|cell| *cell)
            || weekday_users.contains(&None)
            || hour_users.contains(&None);
        SharedFigures {
            min_count: k,
            overview,
            trend,
            heatmap: SharedHeatmap {
                users,
                messages: heatmap.messages,
                occurrences: heatmap.occurrences,
                weekday_users,
                hour_users,
                suppressed,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudonyms_are_stable_and_tell_learners_apart() {
        assert_eq!(pseudonym("u-17"), pseudonym("u-17"));
        let names: std::collections::BTreeSet<String> =
            (0..200).map(|n| pseudonym(&format!("user-{n}"))).collect();
        assert!(names.len() > 190, "{}", names.len());
        assert!(names.iter().all(|name| !name.contains("user")));
    }

    #[test]
    fn nobody_is_shown_and_one_to_k_minus_one_is_not() {
        assert!(!is_small(0, 5));
        assert!(is_small(1, 5));
        assert!(is_small(4, 5));
        assert!(!is_small(5, 5));
    }

    #[test]
    fn a_lone_hidden_cell_takes_the_smallest_other_of_its_row_and_column() {
        let mut grid = [[0; 24]; 7];
        grid[0][3] = 2; // small
        grid[0][5] = 9;
        grid[0][7] = 6; // the row's smallest other non-zero
        grid[4][3] = 8; // the column's smallest other non-zero
        grid[5][3] = 30;
        let hidden = hidden_cells(&grid, 5);
        assert!(hidden[0][3] && hidden[0][7] && hidden[4][3]);
        assert!(!hidden[0][5] && !hidden[5][3]);
    }

    /// METRICS.md's rule read plainly, apart from `hidden_cells`: after the
    /// small cells, go over the rows and then the hours again and again;
    /// a line with one hidden cell hides its smallest other non-zero cell.
    fn naive(grid: &HeatmapGrid, k: u32) -> [[bool; 24]; 7] {
        let mut hidden = [[false; 24]; 7];
        for w in 0..7 {
            for h in 0..24 {
                hidden[w][h] = grid[w][h] >= 1 && grid[w][h] < u64::from(k);
            }
        }
        let mut changed = true;
        while changed {
            changed = false;
            for w in 0..7 {
                if (0..24).filter(|&h| hidden[w][h]).count() == 1 {
                    let mut pick: Option<usize> = None;
                    for h in 0..24 {
                        if !hidden[w][h]
                            && grid[w][h] > 0
                            && pick.is_none_or(|p| grid[w][h] < grid[w][p])
                        {
                            pick = Some(h);
                        }
                    }
                    if let Some(h) = pick {
                        hidden[w][h] = true;
                        changed = true;
                    }
                }
            }
            for h in 0..24 {
                if (0..7).filter(|&w| hidden[w][h]).count() == 1 {
                    let mut pick: Option<usize> = None;
                    for w in 0..7 {
                        if !hidden[w][h]
                            && grid[w][h] > 0
                            && pick.is_none_or(|p| grid[w][h] < grid[p][h])
                        {
                            pick = Some(w);
                        }
                    }
                    if let Some(w) = pick {
                        hidden[w][h] = true;
                        changed = true;
                    }
                }
            }
        }
        hidden
    }

    #[test]
    fn random_grids_hide_what_the_plain_reading_hides() {
        // xorshift: the same grids every run, thousands of shapes.
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut complementary = 0;
        for _ in 0..2000 {
            let k = 2 + (next() % 8) as u32;
            let sparse = next() % 3;
            let mut grid = [[0_u64; 24]; 7];
            for row in &mut grid {
                for cell in row.iter_mut() {
                    *cell = if next() % 3 < sparse { 0 } else { next() % 14 };
                }
            }
            let hidden = hidden_cells(&grid, k);
            assert_eq!(hidden, naive(&grid, k), "{grid:?} k={k}");
            for w in 0..7 {
                for h in 0..24 {
                    complementary += usize::from(hidden[w][h] && grid[w][h] >= u64::from(k));
                    // Nothing hidden that is nobody, every small count hidden.
                    assert!(!hidden[w][h] || grid[w][h] > 0);
                    assert!(hidden[w][h] || !is_small(grid[w][h], k));
                }
            }
        }
        assert!(
            complementary > 100,
            "the rule was exercised: {complementary}"
        );
    }
}
