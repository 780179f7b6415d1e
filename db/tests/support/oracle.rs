//! A naive implementation of METRICS.md straight from its words, over the
//! raw events, with none of the production code's shortcuts (no slots, no
//! rollups): the figure every test compares the query layer against.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{
    DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc,
};
use chrono_tz::Tz;
use pulse_model::{
    ActivityStrips, AgentMedian, FollowUpStatus, Granularity, Heatmap, LearnerDay, LearnerSession,
    LearnerView, MAX_STRIP_BINS, Overview, PeriodBounds, Trend, TrendBucket, UserRow,
};
use pulse_model::{Cohort, LifecycleWeek, Retention, RetentionWeek, WeekStart};

use super::TestEvent;

/// What the database should hold: the stored events (first of each id) and
/// the registrations.
#[derive(Debug, Default, Clone)]
pub struct Oracle {
    pub events: Vec<TestEvent>,
    /// (agent, user) -> registered_at.
    pub members: BTreeMap<(String, String), DateTime<Utc>>,
}

pub struct Period {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub previous_start: DateTime<Utc>,
    pub previous_end: DateTime<Utc>,
}

/// The first instant of local date `date`.
pub fn local_midnight(tz: Tz, date: NaiveDate) -> DateTime<Utc> {
    first_instant_at_or_after(tz, date.and_hms_opt(0, 0, 0).unwrap())
}

/// The instant of local time `local`, or the first after the gap it falls in.
fn first_instant_at_or_after(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    let mut probe = local;
    loop {
        if let Some(at) = tz.from_local_datetime(&probe).earliest() {
            return at.with_timezone(&Utc);
        }
        probe += Duration::minutes(1);
    }
}

pub fn period(
    kind: &str,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    tz: Tz,
    now: DateTime<Utc>,
) -> Period {
    let today = now.with_timezone(&tz).date_naive();
    let (first, days) = match kind {
        "today" => (today, 1),
        "7d" => (today - Duration::days(6), 7),
        "30d" => (today - Duration::days(29), 30),
        _ => (from.unwrap(), (to.unwrap() - from.unwrap()).num_days() + 1),
    };
    let start = local_midnight(tz, first);
    let end = local_midnight(tz, first + Duration::days(days)).min(now);
    let previous_start = local_midnight(tz, first - Duration::days(days));
    let previous_end = if end == now && now < local_midnight(tz, first + Duration::days(days)) {
        let local = now.with_timezone(&tz).naive_local() - Duration::days(days);
        first_instant_at_or_after(tz, local)
    } else {
        start
    };
    Period {
        start,
        end,
        previous_start,
        previous_end,
    }
}

/// The local dates that the instants of `[start, end)` fall on, found
/// by walking the period minute by minute (every offset change falls on a
/// whole minute).
fn local_dates_touched(period: &Period, tz: Tz) -> BTreeSet<NaiveDate> {
    let mut dates = BTreeSet::new();
    let mut at = period.start;
    while at < period.end {
        dates.insert(at.with_timezone(&tz).date_naive());
        at += Duration::minutes(1);
    }
    dates
}

impl Oracle {
    /// Records a batch as the store should: an id already stored for the
    /// same agent changes nothing; a user's first event registers them
    /// automatically.
    pub fn ingest(&mut self, batch: &[TestEvent]) {
        let mut first_in_batch: BTreeMap<(String, String), DateTime<Utc>> = BTreeMap::new();
        for event in batch {
            if self
                .events
                .iter()
                .any(|stored| stored.id == event.id && stored.agent == event.agent)
            {
                continue;
            }
            self.events.push(event.clone());
            let key = (event.agent.clone(), event.user.clone());
            let first = first_in_batch.entry(key).or_insert(event.at);
            *first = (*first).min(event.at);
        }
        for (key, at) in first_in_batch {
            self.members.entry(key).or_insert(at);
        }
    }

    /// The data set in which `agent` has only the events and registrations
    /// of `users` (METRICS.md: a section's figures are those of such a set).
    pub fn only(&self, agent: &str, users: &BTreeSet<String>) -> Oracle {
        let kept = |a: &str, user: &String| a != agent || users.contains(user);
        Oracle {
            events: self
                .events
                .iter()
                .filter(|event| kept(&event.agent, &event.user))
                .cloned()
                .collect(),
            members: self
                .members
                .iter()
                .filter(|((a, user), _)| kept(a, user))
                .map(|(key, at)| (key.clone(), *at))
                .collect(),
        }
    }

    /// The data set in which `user` never existed: none of their events
    /// or registrations, on any agent.
    pub fn without_user(&self, user: &str) -> Oracle {
        Oracle {
            events: self
                .events
                .iter()
                .filter(|event| event.user != user)
                .cloned()
                .collect(),
            members: self
                .members
                .iter()
                .filter(|((_, member), _)| member != user)
                .map(|(key, at)| (key.clone(), *at))
                .collect(),
        }
    }

    /// Weekly cohorts and lifecycle, word for word: local weeks from
    /// `week_start`, the last holding `now`; events after `now` not seen.
    pub fn retention(
        &self,
        agent: &str,
        tz: Tz,
        now: DateTime<Utc>,
        weeks: i64,
        week_start: WeekStart,
    ) -> Retention {
        let today = now.with_timezone(&tz).date_naive();
        // Walk back to the week's first day.
        let mut current = today;
        let first_weekday = match week_start {
            WeekStart::Monday => chrono::Weekday::Mon,
            WeekStart::Sunday => chrono::Weekday::Sun,
        };
        while current.weekday() != first_weekday {
            current = current.pred_opt().unwrap();
        }
        let starts: Vec<NaiveDate> = (0..weeks)
            .map(|n| current - Duration::days(7 * (weeks - 1 - n)))
            .collect();
        // The week (index into `starts`, -1 the one before, lower: earlier)
        // holding a local date.
        let week_of = |date: NaiveDate| {
            let mut week = weeks - 1;
            let mut start = current;
            while date < start {
                start -= Duration::days(7);
                week -= 1;
            }
            week
        };
        let seen: Vec<&TestEvent> = self.of_agent(agent).filter(|e| e.at <= now).collect();
        let mut first: BTreeMap<&str, DateTime<Utc>> = BTreeMap::new();
        let mut active: BTreeSet<(&str, i64)> = BTreeSet::new();
        for event in &seen {
            let at = first.entry(event.user.as_str()).or_insert(event.at);
            *at = (*at).min(event.at);
            active.insert((
                event.user.as_str(),
                week_of(event.at.with_timezone(&tz).date_naive()),
            ));
        }
        let first_week: BTreeMap<&str, i64> = first
            .iter()
            .map(|(user, at)| (*user, week_of(at.with_timezone(&tz).date_naive())))
            .collect();
        let cohorts = (0..weeks)
            .map(|c| {
                let members: Vec<&str> = first_week
                    .iter()
                    .filter(|(_, w)| **w == c)
                    .map(|(u, _)| *u)
                    .collect();
                Cohort {
                    size: members.len() as u64,
                    active: (0..weeks - c)
                        .map(|k| {
                            members
                                .iter()
                                .filter(|u| active.contains(&(**u, c + k)))
                                .count() as u64
                        })
                        .collect(),
                }
            })
            .collect();
        let lifecycle = (0..weeks)
            .map(|w| {
                let mut week = LifecycleWeek::default();
                for (user, first) in &first_week {
                    let (this, before) = (
                        active.contains(&(*user, w)),
                        active.contains(&(*user, w - 1)),
                    );
                    let earlier = active.iter().any(|(u, aw)| u == user && *aw < w - 1);
                    if *first == w {
                        week.new += 1;
                    }
                    if this && before {
                        week.returning += 1;
                    }
                    if this && !before && earlier {
                        week.resurrected += 1;
                    }
                    if before && !this {
                        week.dormant += 1;
                    }
                }
                week
            })
            .collect();
        Retention {
            weeks: starts
                .iter()
                .enumerate()
                .map(|(n, start)| RetentionWeek {
                    start: *start,
                    complete: (n as i64) < weeks - 1,
                })
                .collect(),
            cohorts,
            lifecycle,
        }
    }

    fn of_agent<'a>(&'a self, agent: &'a str) -> impl Iterator<Item = &'a TestEvent> + 'a {
        self.events.iter().filter(move |event| event.agent == agent)
    }

    fn users_in(&self, agent: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> BTreeSet<String> {
        self.of_agent(agent)
            .filter(|e| e.at >= from && e.at < to)
            .map(|e| e.user.clone())
            .collect()
    }

    fn messages_in(&self, agent: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> u64 {
        self.of_agent(agent)
            .filter(|e| e.at >= from && e.at < to && e.kind == "message")
            .count() as u64
    }

    pub fn online(&self, agent: &str, now: DateTime<Utc>, window: Duration) -> u64 {
        let mut latest: HashMap<(String, String), (DateTime<Utc>, bool)> = HashMap::new();
        for event in self.of_agent(agent) {
            let key = (
                event.user.clone(),
                event.session.clone().unwrap_or_default(),
            );
            let candidate = (event.at, event.kind == "session_end");
            let entry = latest.entry(key).or_insert(candidate);
            if candidate.0 > entry.0 || (candidate.0 == entry.0 && candidate.1) {
                *entry = candidate;
            }
        }
        latest
            .iter()
            .filter(|(_, (at, ended))| !ended && now - *at <= window)
            .map(|((user, _), _)| user.clone())
            .collect::<BTreeSet<_>>()
            .len() as u64
    }

    pub fn overview(
        &self,
        agent: &str,
        period: &Period,
        tz: Tz,
        tz_name: &str,
        now: DateTime<Utc>,
        window: Duration,
    ) -> Overview {
        let month_ago = now - Duration::days(30);
        let active_30d = self
            .of_agent(agent)
            .filter(|e| e.at >= month_ago && e.at <= now)
            .map(|e| e.user.clone())
            .collect::<BTreeSet<_>>()
            .len() as u64;
        Overview {
            online: self.online(agent, now, window),
            active_30d,
            registered: self.members.keys().filter(|(a, _)| a == agent).count() as u64,
            active_users: self.users_in(agent, period.start, period.end).len() as u64,
            messages: self.messages_in(agent, period.start, period.end),
            average_daily_users: self.average_daily_users(agent, period, tz),
            previous_active_users: self
                .users_in(agent, period.previous_start, period.previous_end)
                .len() as u64,
            previous_messages: self.messages_in(agent, period.previous_start, period.previous_end),
            period: PeriodBounds {
                start: period.start.with_timezone(&tz).fixed_offset(),
                end: period.end.with_timezone(&tz).fixed_offset(),
            },
            tz: tz_name.to_owned(),
        }
    }

    /// METRICS.md: the mean, over the local days the period touches, of
    /// the distinct users active on each day within the period.
    fn average_daily_users(&self, agent: &str, period: &Period, tz: Tz) -> f64 {
        let dates = local_dates_touched(period, tz);
        if dates.is_empty() {
            return 0.0;
        }
        let pairs: BTreeSet<(NaiveDate, String)> = self
            .of_agent(agent)
            .filter(|e| e.at >= period.start && e.at < period.end)
            .map(|e| (e.at.with_timezone(&tz).date_naive(), e.user.clone()))
            .collect();
        let per_day: u64 = dates
            .iter()
            .map(|date| pairs.iter().filter(|(d, _)| d == date).count() as u64)
            .sum();
        per_day as f64 / dates.len() as f64
    }

    pub fn trend(&self, agent: &str, period: &Period, tz: Tz) -> Trend {
        // On the instants covered, not the dates asked: a custom range
        // reaching past today has only the days up to now.
        let hourly = local_dates_touched(period, tz).len() <= 2;
        // Bucket labels: walk the period minute by minute from its start, a
        // local midnight (every offset change falls on a whole minute) and start a bucket at each change
        // of (local date, hour, offset) or, daily, of local date.
        let mut starts: Vec<DateTime<FixedOffset>> = Vec::new();
        let mut last_key = None;
        let mut at = period.start;
        while at < period.end {
            let local = at.with_timezone(&tz).fixed_offset();
            let key = if hourly {
                (
                    local.date_naive(),
                    local.hour(),
                    local.offset().local_minus_utc(),
                )
            } else {
                (local.date_naive(), 0, 0)
            };
            if last_key != Some(key) {
                starts.push(local);
                last_key = Some(key);
            }
            at += Duration::minutes(1);
        }
        let mut buckets: Vec<TrendBucket> = starts
            .iter()
            .map(|start| TrendBucket {
                start: *start,
                active_users: 0,
                messages: 0,
            })
            .collect();
        let mut users: Vec<BTreeSet<String>> = vec![BTreeSet::new(); buckets.len()];
        for event in self
            .of_agent(agent)
            .filter(|e| e.at >= period.start && e.at < period.end)
        {
            let index = starts.iter().rposition(|start| *start <= event.at).unwrap();
            users[index].insert(event.user.clone());
            if event.kind == "message" {
                buckets[index].messages += 1;
            }
        }
        for (bucket, users) in buckets.iter_mut().zip(users) {
            bucket.active_users = users.len() as u64;
        }
        Trend {
            granularity: if hourly {
                Granularity::Hour
            } else {
                Granularity::Day
            },
            buckets,
        }
    }

    pub fn heatmap(&self, agent: &str, period: &Period, tz: Tz) -> Heatmap {
        let mut heatmap = Heatmap {
            users: [[0; 24]; 7],
            messages: [[0; 24]; 7],
            occurrences: [[0; 24]; 7],
            weekday_users: [0; 7],
            hour_users: [0; 24],
        };
        let mut on_weekday: BTreeSet<(usize, String)> = BTreeSet::new();
        let mut in_hour: BTreeSet<(usize, String)> = BTreeSet::new();
        let mut triples: BTreeSet<(String, NaiveDate, u32)> = BTreeSet::new();
        for event in self
            .of_agent(agent)
            .filter(|e| e.at >= period.start && e.at < period.end)
        {
            let local = event.at.with_timezone(&tz);
            let (weekday, hour) = (
                local.weekday().num_days_from_monday() as usize,
                local.hour() as usize,
            );
            if triples.insert((event.user.clone(), local.date_naive(), local.hour())) {
                heatmap.users[weekday][hour] += 1;
            }
            on_weekday.insert((weekday, event.user.clone()));
            in_hour.insert((hour, event.user.clone()));
            if event.kind == "message" {
                heatmap.messages[weekday][hour] += 1;
            }
        }
        let mut touched: BTreeSet<(NaiveDate, u32)> = BTreeSet::new();
        let mut at = period.start;
        while at < period.end {
            let local = at.with_timezone(&tz);
            touched.insert((local.date_naive(), local.hour()));
            at += Duration::minutes(1);
        }
        for (date, hour) in touched {
            heatmap.occurrences[date.weekday().num_days_from_monday() as usize][hour as usize] += 1;
        }
        for (weekday, _) in on_weekday {
            heatmap.weekday_users[weekday] += 1;
        }
        for (hour, _) in in_hour {
            heatmap.hour_users[hour] += 1;
        }
        heatmap
    }

    /// The user table, sorted by user id (the test sorts the store's too),
    /// statuses as of `now` with `inactive_days`.
    pub fn users(
        &self,
        agent: &str,
        period: &Period,
        tz: Tz,
        now: DateTime<Utc>,
        inactive_days: u32,
    ) -> Vec<UserRow> {
        self.members
            .iter()
            .filter(|((a, _), _)| a == agent)
            .map(|((_, user), registered_at)| {
                self.user_row(agent, user, *registered_at, period, tz, now, inactive_days)
            })
            .collect()
    }

    #[allow(clippy::too_many_arguments)]
    fn user_row(
        &self,
        agent: &str,
        user: &str,
        registered_at: DateTime<Utc>,
        period: &Period,
        tz: Tz,
        now: DateTime<Utc>,
        inactive_days: u32,
    ) -> UserRow {
        let mine: Vec<&TestEvent> = self.of_agent(agent).filter(|e| e.user == user).collect();
        let messages_between = |from, to| {
            mine.iter()
                .filter(|e| e.at >= from && e.at < to && e.kind == "message")
                .count() as u64
        };
        let days_between = |from, to| {
            mine.iter()
                .filter(|e| e.at >= from && e.at < to)
                .map(|e| e.at.with_timezone(&tz).date_naive())
                .collect::<BTreeSet<_>>()
                .len() as u64
        };
        let mut row = UserRow {
            user_id: user.to_owned(),
            username: None,
            name: None,
            registered_at,
            messages: messages_between(period.start, period.end),
            active_days: days_between(period.start, period.end),
            last_active: mine.iter().map(|e| e.at).max(),
            first_active: mine.iter().map(|e| e.at).min(),
            previous_messages: messages_between(period.previous_start, period.previous_end),
            previous_active_days: days_between(period.previous_start, period.previous_end),
            status: FollowUpStatus::Active,
        };
        // METRICS.md, "Follow-up status": the first that applies.
        let window_start = now - Duration::hours(24 * i64::from(inactive_days));
        let in_window = mine.iter().any(|e| e.at >= window_start && e.at <= now);
        let earlier = mine.iter().any(|e| e.at < window_start);
        row.status = if mine.is_empty() {
            FollowUpStatus::NeverStarted
        } else if !in_window && earlier {
            FollowUpStatus::Stopped
        } else if row
            .first_active
            .is_some_and(|first| first >= period.start && first < period.end)
        {
            FollowUpStatus::New
        } else if row.previous_active_days >= 2 && row.active_days * 2 < row.previous_active_days {
            FollowUpStatus::Slowing
        } else {
            FollowUpStatus::Active
        };
        row
    }

    /// Each active user's strip: the period's trend buckets in groups of
    /// `ceil(buckets / 40)`, and per group the buckets the user was active in.
    pub fn strips(&self, agent: &str, period: &Period, tz: Tz) -> ActivityStrips {
        let buckets = self.trend(agent, period, tz).buckets.len().max(1);
        let per_bin = buckets.div_ceil(MAX_STRIP_BINS);
        let bins = buckets.div_ceil(per_bin);
        let users: BTreeSet<&String> = self
            .members
            .keys()
            .filter(|(a, _)| a == agent)
            .map(|(_, user)| user)
            .collect();
        let strips = users
            .into_iter()
            .filter_map(|user| {
                let alone = Oracle {
                    events: self
                        .of_agent(agent)
                        .filter(|e| &e.user == user)
                        .cloned()
                        .collect(),
                    members: BTreeMap::new(),
                };
                let trend = alone.trend(agent, period, tz);
                let mut counts = vec![0u32; bins];
                for (index, bucket) in trend.buckets.iter().enumerate() {
                    counts[index / per_bin] += bucket.active_users as u32;
                }
                (counts.iter().sum::<u32>() > 0).then(|| {
                    let digits = counts
                        .iter()
                        .map(|c| char::from_digit(*c, 36).unwrap())
                        .collect();
                    (user.clone(), digits)
                })
            })
            .collect();
        ActivityStrips {
            per_bin: per_bin as u32,
            bins: bins as u32,
            strips,
        }
    }

    /// The learner view of a registered user (METRICS.md, "One learner");
    /// `None` for anybody else.
    #[allow(clippy::too_many_arguments)]
    pub fn learner(
        &self,
        agent: &str,
        user: &str,
        period: &Period,
        tz: Tz,
        now: DateTime<Utc>,
        inactive_days: u32,
        window: Duration,
    ) -> Option<LearnerView> {
        let registered_at = *self.members.get(&(agent.to_owned(), user.to_owned()))?;
        let row = self.user_row(agent, user, registered_at, period, tz, now, inactive_days);
        let mine: Vec<&TestEvent> = self.of_agent(agent).filter(|e| e.user == user).collect();
        let in_period: Vec<&&TestEvent> = mine
            .iter()
            .filter(|e| e.at >= period.start && e.at < period.end)
            .collect();
        // Every local date the period touches, minute by minute.
        let mut dates: Vec<NaiveDate> = Vec::new();
        let mut at = period.start;
        while at < period.end {
            let date = at.with_timezone(&tz).date_naive();
            if dates.last() != Some(&date) {
                dates.push(date);
            }
            at += Duration::minutes(1);
        }
        let days = dates
            .iter()
            .map(|date| {
                let that_day: Vec<&&&TestEvent> = in_period
                    .iter()
                    .filter(|e| e.at.with_timezone(&tz).date_naive() == *date)
                    .collect();
                LearnerDay {
                    date: *date,
                    messages: that_day.iter().filter(|e| e.kind == "message").count() as u64,
                    active_hours: that_day
                        .iter()
                        .map(|e| e.at.with_timezone(&tz).hour())
                        .collect::<BTreeSet<_>>()
                        .len() as u64,
                }
            })
            .collect();
        let alone = Oracle {
            events: mine.iter().map(|e| (*e).clone()).collect(),
            members: BTreeMap::new(),
        };
        let mut sessions: BTreeMap<&str, Vec<&TestEvent>> = BTreeMap::new();
        for event in &mine {
            if let Some(session) = &event.session {
                sessions.entry(session).or_default().push(event);
            }
        }
        let mut sessions: Vec<LearnerSession> = sessions
            .into_iter()
            .filter(|(_, events)| {
                events
                    .iter()
                    .any(|e| e.at >= period.start && e.at < period.end)
            })
            .map(|(id, events)| LearnerSession {
                session_id: id.to_owned(),
                start: events.iter().map(|e| e.at).min().unwrap(),
                end: events.iter().map(|e| e.at).max().unwrap(),
                messages: events.iter().filter(|e| e.kind == "message").count() as u64,
                ended: events.iter().any(|e| e.kind == "session_end"),
            })
            .collect();
        sessions.sort_by(|a, b| b.start.cmp(&a.start).then(a.session_id.cmp(&b.session_id)));
        sessions.truncate(50);
        let table = self.users(agent, period, tz, now, inactive_days);
        let median = |mut values: Vec<u64>| {
            values.sort_unstable();
            match values.len() {
                0 => 0.0,
                n if n % 2 == 1 => values[n / 2] as f64,
                n => (values[n / 2 - 1] + values[n / 2]) as f64 / 2.0,
            }
        };
        Some(LearnerView {
            online: alone.online(agent, now, window) > 0,
            days,
            heatmap: alone.heatmap(agent, period, tz),
            sessions,
            agent_median: AgentMedian {
                messages: median(table.iter().map(|r| r.messages).collect()),
                active_days: median(table.iter().map(|r| r.active_days).collect()),
            },
            user: row,
        })
    }
}
