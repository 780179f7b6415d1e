//! The one query layer behind every figure of the Users tab (METRICS.md).
//! Server functions and the REST API call these functions and compute
//! nothing of their own.

mod activity;
mod calendar;
mod period;

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use pulse_model::{
    Dashboard, Granularity, Heatmap, Overview, PeriodBounds, PeriodQuery, Trend, TrendBucket,
    UserRow, UsersTable,
};

pub use activity::Activity;
pub use calendar::Calendar;
pub use period::{MAX_CUSTOM_DAYS, ResolvedPeriod};

use crate::error::StoreError;
use crate::store::{AgentRef, SlotActivity, Store};
use crate::time::{from_millis, to_millis};

/// Why a figure could not be computed.
#[derive(Debug, thiserror::Error)]
pub enum AnalyticsError {
    /// The period, dates or zone asked for are invalid; the text says how.
    #[error("{0}")]
    BadPeriod(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub type Result<T> = std::result::Result<T, AnalyticsError>;

/// Server settings that the figures depend on.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// How recent a session's latest event must be to count as online.
    pub online_window: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            online_window: Duration::minutes(5),
        }
    }
}

/// One request's selection: the agent, the resolved period and the clock.
pub struct Selection<'a> {
    pub store: &'a Store,
    pub agent: &'a AgentRef,
    pub period: ResolvedPeriod,
    pub tz_name: String,
    pub now: DateTime<Utc>,
}

impl<'a> Selection<'a> {
    pub fn new(
        store: &'a Store,
        agent: &'a AgentRef,
        query: &PeriodQuery,
        now: DateTime<Utc>,
    ) -> Result<Self> {
        let period = ResolvedPeriod::resolve(query, now).map_err(AnalyticsError::BadPeriod)?;
        Ok(Selection {
            store,
            agent,
            period,
            tz_name: query.tz.clone(),
            now,
        })
    }

    fn granularity(&self) -> Granularity {
        if self.period.days <= 2 {
            Granularity::Hour
        } else {
            Granularity::Day
        }
    }

    fn calendar(&self) -> Calendar {
        Calendar::new(
            self.period.tz,
            to_millis(self.period.start),
            to_millis(self.period.end),
            self.granularity(),
        )
    }

    async fn activity(&self, calendar: &Calendar) -> Result<Activity> {
        let (start, end) = (to_millis(self.period.start), to_millis(self.period.end));
        Ok(Activity::load_placed(self.store, self.agent, start, end, &calendar.splits).await?)
    }

    /// Everything the Users tab shows, from one load of the period's activity.
    pub async fn dashboard(&self, settings: Settings) -> Result<Dashboard> {
        let calendar = self.calendar();
        let activity = self.activity(&calendar).await?;
        Ok(Dashboard {
            overview: self.overview_of(&activity, settings).await?,
            trend: trend(&activity, &calendar),
            heatmap: heatmap(&activity, &calendar),
            users: self.users_of(&activity, &calendar).await?,
        })
    }

    pub async fn overview(&self, settings: Settings) -> Result<Overview> {
        let (start, end) = (to_millis(self.period.start), to_millis(self.period.end));
        let activity = Activity::load(self.store, self.agent, start, end).await?;
        self.overview_of(&activity, settings).await
    }

    pub async fn trend(&self) -> Result<Trend> {
        let calendar = self.calendar();
        Ok(trend(&self.activity(&calendar).await?, &calendar))
    }

    pub async fn heatmap(&self) -> Result<Heatmap> {
        let calendar = self.calendar();
        Ok(heatmap(&self.activity(&calendar).await?, &calendar))
    }

    pub async fn users(&self) -> Result<UsersTable> {
        let calendar = self.calendar();
        self.users_of(&self.activity(&calendar).await?, &calendar)
            .await
    }

    async fn overview_of(&self, activity: &Activity, settings: Settings) -> Result<Overview> {
        let (store, agent, now) = (self.store, self.agent, to_millis(self.now));
        let online_since = now - settings.online_window.num_milliseconds();
        let month_ago = now - Duration::days(30).num_milliseconds();
        // Active in the last 30 days includes `now` itself: [now - 30 d, now].
        let last_30d = Activity::load(store, agent, month_ago, now + 1).await?;
        let previous = Activity::load(
            store,
            agent,
            to_millis(self.period.previous_start),
            to_millis(self.period.previous_end),
        )
        .await?;
        let tz = self.period.tz;
        Ok(Overview {
            online: store.online_users(agent, online_since).await?,
            active_30d: last_30d.distinct_users(),
            registered: store.registered_count(agent).await?,
            active_users: activity.distinct_users(),
            messages: activity.messages(),
            previous_active_users: previous.distinct_users(),
            previous_messages: previous.messages(),
            period: PeriodBounds {
                start: self.period.start.with_timezone(&tz).fixed_offset(),
                end: self.period.end.with_timezone(&tz).fixed_offset(),
            },
            tz: self.tz_name.clone(),
        })
    }

    async fn users_of(&self, activity: &Activity, calendar: &Calendar) -> Result<UsersTable> {
        let members = self.store.members(self.agent).await?;
        let mut stats: HashMap<i64, (u64, u64)> = HashMap::with_capacity(members.len());
        for row in &activity.rows {
            stats.entry(row.user).or_default().0 += row.messages as u64;
        }
        for_each_distinct(
            &activity.rows,
            |row| calendar.place(row).day,
            |_, users| {
                for user in users {
                    stats.entry(*user).or_default().1 += 1;
                }
            },
        );
        let users = members
            .into_iter()
            .map(|member| {
                let (messages, active_days) = stats.get(&member.user).copied().unwrap_or_default();
                UserRow {
                    user_id: member.user_id,
                    username: member.username,
                    name: member.name,
                    registered_at: from_millis(member.registered_at),
                    messages,
                    active_days,
                    last_active: member.last_active.map(from_millis),
                }
            })
            .collect();
        Ok(UsersTable { users })
    }
}

fn trend(activity: &Activity, calendar: &Calendar) -> Trend {
    let mut buckets: Vec<TrendBucket> = calendar
        .bucket_starts
        .iter()
        .map(|start| TrendBucket {
            start: *start,
            active_users: 0,
            messages: 0,
        })
        .collect();
    for row in &activity.rows {
        buckets[calendar.place(row).bucket as usize].messages += row.messages as u64;
    }
    for_each_distinct(
        &activity.rows,
        |row| calendar.place(row).bucket,
        |bucket, users| {
            buckets[bucket as usize].active_users = users.len() as u64;
        },
    );
    Trend {
        granularity: calendar.granularity,
        buckets,
    }
}

fn heatmap(activity: &Activity, calendar: &Calendar) -> Heatmap {
    let mut heatmap = Heatmap {
        users: [[0; 24]; 7],
        messages: [[0; 24]; 7],
        occurrences: calendar.occurrences(),
    };
    for row in &activity.rows {
        let (weekday, hour) = calendar.hour_cells[calendar.place(row).hour as usize];
        heatmap.messages[weekday][hour] += row.messages as u64;
    }
    // One count per distinct (user, local date, local hour). A local hour
    // is not always one run of slots (see SlotPlace::hour): sort instead.
    let mut user_hours: Vec<(u32, i64)> = activity
        .rows
        .iter()
        .map(|row| (calendar.place(row).hour, row.user))
        .collect();
    user_hours.sort_unstable();
    user_hours.dedup();
    for (hour, _) in user_hours {
        let (weekday, hour) = calendar.hour_cells[hour as usize];
        heatmap.users[weekday][hour] += 1;
    }
    heatmap
}

/// Calls `emit(group, distinct users)` for each run of rows with the same
/// group. Groups are runs of consecutive slots and rows are ordered by slot,
/// so each group is one run.
fn for_each_distinct(
    rows: &[SlotActivity],
    group_of: impl Fn(&SlotActivity) -> u32,
    mut emit: impl FnMut(u32, &[i64]),
) {
    let mut users: Vec<i64> = Vec::new();
    let mut current = None;
    for row in rows {
        let group = group_of(row);
        if current != Some(group) {
            if let Some(done) = current {
                users.sort_unstable();
                users.dedup();
                emit(done, &users);
            }
            users.clear();
            current = Some(group);
        }
        users.push(row.user);
    }
    if let Some(done) = current {
        users.sort_unstable();
        users.dedup();
        emit(done, &users);
    }
}
