//! Weekly cohorts and lifecycle (METRICS.md, "Retention and lifecycle").
//! Activity per local day comes from the same facts as every other figure
//! (rollups, exact in every zone); a day's week is plain date arithmetic.
//! Each learner's first event ever is kept with their latest one.

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, Duration, NaiveDate};
use pulse_model::{
    Cohort, Granularity, LifecycleWeek, RETENTION_WEEKS_RANGE, Retention, RetentionWeek, WeekStart,
};

use super::{Calendar, Detail, PeriodError, Result, Selection};
use crate::ids::UserKey;
use crate::time::{day_start, from_millis, local_date, to_millis};

impl Selection<'_> {
    /// The last `weeks` local weeks (the last holds `now`), starting on
    /// `week_start`, in the selection's zone and for its learners.
    pub async fn retention(&self, weeks: u32, week_start: WeekStart) -> Result<Retention> {
        if !RETENTION_WEEKS_RANGE.contains(&weeks) {
            return Err(PeriodError::Weeks(weeks.to_string()).into());
        }
        let tz = self.period.tz;
        let weeks = i64::from(weeks);
        let today = local_date(tz, self.now);
        let into_week = match week_start {
            WeekStart::Monday => today.weekday().num_days_from_monday(),
            WeekStart::Sunday => today.weekday().num_days_from_sunday(),
        };
        let current = today - Duration::days(i64::from(into_week));
        let first = current - Duration::weeks(weeks - 1);
        // One week more at the front: "the week before" of the first week.
        let window_first = first - Duration::weeks(1);
        let week_of = |date: NaiveDate| (date - window_first).num_days().div_euclid(7) - 1;
        // Events up to now, `now` included.
        let (start, end) = (
            to_millis(day_start(tz, window_first)),
            to_millis(self.now) + 1,
        );
        let calendar = Calendar::new(tz, start, end, Granularity::Day);
        let (facts, firsts) = tokio::try_join!(
            self.facts_in(&calendar, (start, end), Detail::PerUser),
            self.first_events(),
        )?;
        let mut active: HashMap<UserKey, HashSet<i64>> = HashMap::new();
        for (user, user_facts) in facts.users() {
            let weeks = active.entry(user).or_default();
            for day in &user_facts.days {
                weeks.insert(week_of(calendar.day_dates[*day as usize]));
            }
        }
        // The week of each learner's first event; before the window: -2.
        let first_week: HashMap<UserKey, i64> = firsts
            .into_iter()
            .filter(|(_, at)| at.0 <= to_millis(self.now))
            .map(|(user, at)| {
                let week = if at.0 < start {
                    -2
                } else {
                    week_of(local_date(tz, from_millis(at.0)))
                };
                (user, week)
            })
            .collect();
        let in_week =
            |user: &UserKey, week: i64| active.get(user).is_some_and(|w| w.contains(&week));
        let cohorts = (0..weeks)
            .map(|cohort| {
                let members: Vec<&UserKey> = first_week
                    .iter()
                    .filter(|(_, week)| **week == cohort)
                    .map(|(user, _)| user)
                    .collect();
                Cohort {
                    size: members.len() as u64,
                    active: (cohort..weeks)
                        .map(|week| {
                            members.iter().filter(|user| in_week(user, week)).count() as u64
                        })
                        .collect(),
                }
            })
            .collect();
        let lifecycle = (0..weeks)
            .map(|week| {
                let mut counts = LifecycleWeek::default();
                for (user, weeks_active) in &active {
                    let (now_on, before) = (
                        weeks_active.contains(&week),
                        weeks_active.contains(&(week - 1)),
                    );
                    let first = first_week.get(user).copied();
                    match (now_on, before) {
                        (true, true) => counts.returning += 1,
                        (true, false) if first.is_some_and(|first| first < week - 1) => {
                            counts.resurrected += 1;
                        }
                        (false, true) => counts.dormant += 1,
                        _ => {}
                    }
                }
                counts.new = first_week.values().filter(|first| **first == week).count() as u64;
                counts
            })
            .collect();
        Ok(Retention {
            weeks: (0..weeks)
                .map(|week| RetentionWeek {
                    start: first + Duration::weeks(week),
                    complete: week < weeks - 1,
                })
                .collect(),
            cohorts,
            lifecycle,
        })
    }

    /// Each of the selection's learners' first event on the agent.
    async fn first_events(&self) -> Result<Vec<(UserKey, crate::time::Millis)>> {
        let mut firsts = self.store.first_events(self.agent).await?;
        if let Some(population) = self.population().await? {
            firsts.retain(|(user, _)| population.contains(user));
        }
        Ok(firsts)
    }
}
