//! Over thousands of random small data sets, nothing a share link returns
//! solves a hidden count (docs/METRICS.md, "Share links: small-count
//! suppression").
//!
//! The figures are computed here from raw activity, apart from the
//! server's code; the link's figures are `SharedFigures::suppress` of
//! them. An attacker then uses every relation between the figures that the
//! definitions imply and that a reader of the link could exploit:
//! - the average daily users times the days is the sum of the days' counts;
//! - a weekday that falls on one date of the period has that date's
//!   distinct users as its `weekday_users`;
//! - a one-day period's `active_users` is its only day's count;
//! - a hidden count lies in 1..k-1, so a known sum of n hidden counts that
//!   equals n (or n times k-1) gives every one of them.
//!
//! A hidden day is solved when any of these pins its value.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, FixedOffset, TimeZone, Utc};
use pulse_model::SharedFigures;
use pulse_model::{Granularity, Heatmap, Overview, PeriodBounds, Trend, TrendBucket};

/// One learner's activity: (day of the period, hour) pairs.
type Activity = Vec<BTreeSet<(usize, usize)>>;

struct Xorshift(u64);

impl Xorshift {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn first_day() -> DateTime<Utc> {
    // A Monday, so that day d of the period is weekday d % 7.
    Utc.with_ymd_and_hms(2026, 11, 2, 0, 0, 0).unwrap()
}

/// The period's figures from raw activity, by the definitions.
fn figures(activity: &Activity, days: usize) -> (Overview, Trend, Heatmap) {
    let start = first_day();
    let offset = FixedOffset::east_opt(0).unwrap();
    let per_day: Vec<u64> = (0..days)
        .map(|day| {
            activity
                .iter()
                .filter(|hours| hours.iter().any(|&(d, _)| d == day))
                .count() as u64
        })
        .collect();
    let active = activity.iter().filter(|hours| !hours.is_empty()).count() as u64;
    let mut heatmap = Heatmap {
        users: [[0; 24]; 7],
        messages: [[0; 24]; 7],
        occurrences: [[0; 24]; 7],
        weekday_users: [0; 7],
        hour_users: [0; 24],
    };
    for day in 0..days {
        for hour in 0..24 {
            heatmap.occurrences[day % 7][hour] += 1;
        }
    }
    for hours in activity {
        for &(day, hour) in hours {
            heatmap.users[day % 7][hour] += 1;
        }
        let weekdays: BTreeSet<usize> = hours.iter().map(|&(day, _)| day % 7).collect();
        for weekday in weekdays {
            heatmap.weekday_users[weekday] += 1;
        }
        let clock_hours: BTreeSet<usize> = hours.iter().map(|&(_, hour)| hour).collect();
        for hour in clock_hours {
            heatmap.hour_users[hour] += 1;
        }
    }
    // Hourly when the period has at most 2 days (docs/METRICS.md, "Trend
    // granularity"), as the server lays it out.
    let trend = if days <= 2 {
        let buckets = (0..days)
            .flat_map(|day| (0..24).map(move |hour| (day, hour)))
            .map(|(day, hour)| TrendBucket {
                start: (start + Duration::hours((day * 24 + hour) as i64)).with_timezone(&offset),
                active_users: activity
                    .iter()
                    .filter(|hours| hours.contains(&(day, hour)))
                    .count() as u64,
                messages: 0,
            })
            .collect();
        Trend {
            granularity: Granularity::Hour,
            buckets,
        }
    } else {
        Trend {
            granularity: Granularity::Day,
            buckets: per_day
                .iter()
                .enumerate()
                .map(|(day, &users)| TrendBucket {
                    start: (start + Duration::days(day as i64)).with_timezone(&offset),
                    active_users: users,
                    messages: 0,
                })
                .collect(),
        }
    };
    let overview = Overview {
        online: 0,
        active_30d: active,
        registered: activity.len() as u64,
        active_users: active,
        messages: 0,
        average_daily_users: per_day.iter().sum::<u64>() as f64 / days as f64,
        previous_active_users: 0,
        previous_messages: 0,
        period: PeriodBounds {
            start: start.with_timezone(&offset),
            end: (start + Duration::days(days as i64)).with_timezone(&offset),
        },
        tz: "UTC".into(),
    };
    (overview, trend, heatmap)
}

/// Each day's count as the link shows it, if it does: a day of a daily
/// trend, or the weekday total of a weekday that falls once in the period.
fn shown_days(link: &SharedFigures, days: usize) -> Vec<Option<u64>> {
    (0..days)
        .map(|day| {
            let bucket = (link.trend.granularity == Granularity::Day)
                .then(|| link.trend.buckets[day].active_users)
                .flatten();
            let weekday_once = (0..days).filter(|d| d % 7 == day % 7).count() == 1;
            bucket.or_else(|| {
                weekday_once
                    .then(|| link.heatmap.weekday_users[day % 7])
                    .flatten()
            })
        })
        .collect()
}

/// The days whose count the link hides (by index).
fn hidden_days(link: &SharedFigures, days: usize) -> Vec<usize> {
    (0..days)
        .filter(|&day| match link.trend.granularity {
            Granularity::Day => link.trend.buckets[day].active_users.is_none(),
            Granularity::Hour => link.heatmap.weekday_users[day % 7].is_none(),
        })
        .collect()
}

/// The hidden days (by index) whose value the link's figures pin down.
fn solved_days(link: &SharedFigures, days: usize) -> Vec<usize> {
    let k = u64::from(link.min_count);
    let hidden = hidden_days(link, days);
    let shown = shown_days(link, days);
    let mut solved = BTreeSet::new();
    // A hidden day shown elsewhere under another name.
    for &day in &hidden {
        if shown[day].is_some() {
            solved.insert(day);
        }
    }
    // The average gives the sum of the days not shown.
    if let Some(average) = link.overview.average_daily_users {
        let unknown: Vec<usize> = (0..days).filter(|&day| shown[day].is_none()).collect();
        let known: u64 = shown.iter().flatten().sum();
        let sum = (average * days as f64).round() as u64 - known;
        let n = unknown.len() as u64;
        if n == 1 || (n > 0 && (sum == n || sum == n * (k - 1))) {
            solved.extend(unknown.iter().filter(|day| hidden.contains(day)));
        }
    }
    if days == 1 && link.overview.active_users.is_some() {
        solved.extend(hidden.iter().copied());
    }
    solved.into_iter().collect()
}

#[test]
fn no_hidden_day_can_be_solved_from_a_link() {
    let mut random = Xorshift(0x2545_f491_4f6c_dd1d);
    let mut hidden = 0;
    for round in 0..3000 {
        let days = [1, 2, 2, 7, 7, 30][random.below(6) as usize];
        let k = 3 + random.below(6) as u32;
        let learners = 1 + random.below(14) as usize;
        let mut activity: Activity = vec![BTreeSet::new(); learners];
        for hours in &mut activity {
            let busy = random.below(4);
            for day in 0..days {
                if random.below(4) < busy {
                    hours.insert((day, random.below(24) as usize));
                }
            }
        }
        let (overview, trend, heatmap) = figures(&activity, days);
        let link = SharedFigures::suppress(&overview, &trend, &heatmap, k);
        hidden += hidden_days(&link, days).len();
        let solved = solved_days(&link, days);
        assert!(
            solved.is_empty(),
            "round {round}: days {solved:?} of {:?} solved from {:?} (k={k})",
            trend
                .buckets
                .iter()
                .map(|b| b.active_users)
                .collect::<Vec<_>>(),
            link.overview
        );
    }
    assert!(hidden > 1000, "hidden days were exercised: {hidden}");
}

/// The case that was found from outside: ten learners on five days of a
/// week and one on the sixth; the average once gave that one back.
#[test]
fn the_average_does_not_give_back_a_hidden_day() {
    let mut activity: Activity = vec![BTreeSet::new(); 11];
    for learner in activity.iter_mut().take(10) {
        for day in [0, 1, 3, 4, 5] {
            learner.insert((day, 10));
        }
    }
    activity[10].insert((2, 10));
    let (overview, trend, heatmap) = figures(&activity, 7);
    let link = SharedFigures::suppress(&overview, &trend, &heatmap, 5);
    let shown: Vec<Option<u64>> = link.trend.buckets.iter().map(|b| b.active_users).collect();
    assert_eq!(
        shown,
        [
            Some(10),
            Some(10),
            None,
            Some(10),
            Some(10),
            Some(10),
            Some(0)
        ]
    );
    assert_eq!(link.overview.average_daily_users, None);
    assert!(link.overview.suppressed);
    assert!(solved_days(&link, 7).is_empty());
}

/// Two days, hourly: the day with one learner hides as a weekday total, and
/// the average (6.5 = (1 + 12) / 2) once gave it back.
#[test]
fn a_two_day_link_keeps_its_hidden_day() {
    let mut activity: Activity = vec![BTreeSet::new(); 13];
    activity[0].insert((0, 9));
    for learner in activity.iter_mut().skip(1) {
        learner.insert((1, 14));
    }
    let (overview, trend, heatmap) = figures(&activity, 2);
    assert_eq!(trend.granularity, Granularity::Hour);
    let link = SharedFigures::suppress(&overview, &trend, &heatmap, 5);
    assert_eq!(hidden_days(&link, 2), [0]);
    assert_eq!(link.overview.average_daily_users, None);
    assert!(solved_days(&link, 2).is_empty());
}
