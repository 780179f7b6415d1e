//! The one query layer behind every figure of the Users tab (METRICS.md).
//! Server functions and the REST API call these functions and compute
//! nothing of their own.

mod cache;
mod calendar;
mod facts;
mod learner;
mod period;
mod retention;
mod statuses;

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use pulse_model::{
    ActivityStrips, AgentFigures, DEFAULT_INACTIVE_DAYS, Dashboard, FollowUpStatus, Granularity,
    Heatmap, INACTIVE_DAYS_RANGE, MAX_STRIP_BINS, Overview, PeriodBounds, PeriodQuery, Trend,
    TrendBucket, UserRow, UsersTable,
};

pub use cache::{DEFAULT_VIEW_BYTES, KeptFigures};
pub use calendar::Calendar;
pub use facts::{Detail, Facts};
pub use period::{MAX_CUSTOM_DAYS, PeriodError, ResolvedPeriod};

use crate::error::StoreError;
use crate::ids::UserKey;
use crate::store::{AgentRef, RegisteredLearner, Store};
use crate::time::{DAY_MS, Millis, closed_end, from_millis, to_millis};
use cache::{
    ClosedKey, ClosedSpanKey, DataKey, PeriodView, SpanKey, SpanSummary, SpanUsers, ViewKey,
};
pub use learner::LearnerError;

/// Why a figure could not be computed.
#[derive(Debug, thiserror::Error)]
pub enum AnalyticsError {
    /// The period, dates or zone asked for are invalid; the text says how.
    #[error(transparent)]
    BadPeriod(#[from] PeriodError),
    /// The database failed; [`StoreError::outage`] tells an outage from a bug.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The section asked for is not one of the agent's.
    #[error("no section {0:?} on this agent")]
    UnknownSection(String),
    /// The caller may see only some sections of the agent, not this one.
    #[error("you may not see section {0:?} of this agent")]
    SectionNotGranted(String),
}

/// What every figure of the query layer returns.
pub type Result<T> = std::result::Result<T, AnalyticsError>;

/// See [`Selection::figures_id`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FiguresId(ViewKey);

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
    /// The store the figures are read from.
    pub store: &'a Store,
    /// The agent whose figures these are.
    pub agent: &'a AgentRef,
    /// The period asked for, resolved to instants in the viewer's zone.
    pub period: ResolvedPeriod,
    /// The viewer's IANA zone name as asked for, echoed in [`Overview::tz`].
    pub tz_name: String,
    /// The server's clock for this request (`now` of METRICS.md), cut to the
    /// millisecond.
    pub now: DateTime<Utc>,
    /// How many days without an event make a learner `stopped`.
    inactive_days: u32,
    /// The sections whose learners alone count, sorted; none: the whole
    /// agent (METRICS.md, "Sections").
    sections: Arc<[String]>,
    /// The section named in the request, which must exist.
    section_asked: Option<String>,
    /// The learners of `sections` once read; `None` for the whole agent.
    population: tokio::sync::OnceCell<Option<Arc<HashSet<UserKey>>>>,
    /// The period's view once this selection has it: a request that asks
    /// for several figures computes them once even when the store keeps
    /// nothing.
    view: tokio::sync::OnceCell<Arc<PeriodView>>,
}

impl<'a> Selection<'a> {
    /// Resolves `query` at `now` (kept to the millisecond, like stored instants).
    pub fn new(
        store: &'a Store,
        agent: &'a AgentRef,
        query: &PeriodQuery,
        now: DateTime<Utc>,
    ) -> Result<Self> {
        let now = from_millis(to_millis(now));
        let period = ResolvedPeriod::resolve(query, now)?;
        Ok(Selection {
            store,
            agent,
            period,
            tz_name: query.tz.clone(),
            now,
            inactive_days: DEFAULT_INACTIVE_DAYS,
            sections: query.section.iter().cloned().collect(),
            section_asked: query.section.clone(),
            population: tokio::sync::OnceCell::new(),
            view: tokio::sync::OnceCell::new(),
        })
    }

    /// The same selection for a caller granted only `allowed` sections of
    /// the agent (`None`: the whole agent): a section outside them is
    /// refused, and no section means all of them together.
    pub fn limited_to(mut self, allowed: Option<Vec<String>>) -> Result<Self> {
        let Some(mut allowed) = allowed else {
            return Ok(self);
        };
        match &self.section_asked {
            Some(asked) if !allowed.contains(asked) => {
                return Err(AnalyticsError::SectionNotGranted(asked.clone()));
            }
            Some(_) => {}
            None => {
                allowed.sort_unstable();
                allowed.dedup();
                self.sections = allowed.into();
            }
        }
        Ok(self)
    }

    /// The learners whose figures these are; `None` for the whole agent.
    async fn population(&self) -> Result<Option<Arc<HashSet<UserKey>>>> {
        let population = self
            .population
            .get_or_try_init(|| async {
                if self.sections.is_empty() {
                    return Ok::<_, AnalyticsError>(None);
                }
                let ids: Vec<&str> = self.sections.iter().map(String::as_str).collect();
                let members = self.store.section_members(self.agent, &ids).await?;
                if let Some(asked) = &self.section_asked
                    && !members.contains_key(asked)
                {
                    return Err(AnalyticsError::UnknownSection(asked.clone()));
                }
                Ok(Some(Arc::new(members.into_values().flatten().collect())))
            })
            .await?;
        Ok(population.clone())
    }

    /// The same selection with another `inactive_days` (1 to 3650).
    pub fn with_inactive_days(mut self, days: u32) -> Result<Self> {
        if !INACTIVE_DAYS_RANGE.contains(&days) {
            return Err(PeriodError::InactiveDays(days.to_string()).into());
        }
        self.inactive_days = days;
        Ok(self)
    }

    /// Hourly when the period so far touches at most 2 local days
    /// (docs/METRICS.md, "Active users over time (trend)"): decided on the
    /// instants covered, not the dates asked, so a range reaching past
    /// today is hourly while it has only two days behind it.
    fn granularity(&self) -> Granularity {
        if self.period.days_so_far() <= 2 {
            Granularity::Hour
        } else {
            Granularity::Day
        }
    }

    fn bounds(&self) -> (i64, i64) {
        (to_millis(self.period.start), to_millis(self.period.end))
    }

    fn previous_bounds(&self) -> (i64, i64) {
        (
            to_millis(self.period.previous_start),
            to_millis(self.period.previous_end),
        )
    }

    /// The calendar and facts of `[start, end)`.
    #[tracing::instrument(level = "debug", skip(self), fields(agent = self.agent.key.0))]
    async fn facts(
        &self,
        (start, end): (i64, i64),
        detail: Detail,
    ) -> Result<(Calendar, Arc<Facts>)> {
        let calendar = Calendar::new(self.period.tz, start, end, self.granularity());
        let facts = self.facts_in(&calendar, (start, end), detail).await?;
        Ok((calendar, facts))
    }

    /// The facts of `[start, end)` laid out by `calendar`, of the
    /// selection's learners only.
    async fn facts_in(
        &self,
        calendar: &Calendar,
        (start, end): (i64, i64),
        detail: Detail,
    ) -> Result<Arc<Facts>> {
        Ok(match self.population().await? {
            None => Box::pin(self.agent_facts(calendar, (start, end), detail)).await?,
            Some(users) => {
                let events = self.events_of(&users, (start, end)).await?;
                Arc::new(Facts::of_events_with(calendar, &events, detail))
            }
        })
    }

    /// The whole agent's facts of `[start, end)`: those of its closed days
    /// kept under its history version (which ingesting recent events does
    /// not raise, so a live agent still reuses them), the open rest read.
    async fn agent_facts(
        &self,
        calendar: &Calendar,
        (start, end): (i64, i64),
        detail: Detail,
    ) -> Result<Arc<Facts>> {
        let (store, agent) = (self.store, self.agent);
        let until = closed_end(start, end, Millis(to_millis(self.now)));
        if until == start {
            return Ok(Arc::new(
                Facts::load(store, agent, calendar, (start, end), detail).await?,
            ));
        }
        let key = ClosedKey {
            agent: agent.key,
            history_version: agent.history_version,
            tz: self.period.tz.name().to_owned(),
            start,
            until,
            granularity: calendar.granularity,
            detail,
        };
        let load = async {
            let facts = Facts::load(store, agent, calendar, (start, until), detail).await?;
            Ok::<_, AnalyticsError>(facts.compact())
        };
        let closed = store.figures().closed_facts(&key, load).await?;
        if until == end && closed.fits(calendar) {
            return Ok(closed);
        }
        let open = if until < end {
            Facts::load(store, agent, calendar, (until, end), detail).await?
        } else {
            Facts::default()
        };
        Ok(Arc::new(closed.merged_with(open, calendar)))
    }

    /// The raw events of `users` in `[start, end)`: a section's facts (the
    /// rollups keep messages per agent and quarter, not per learner).
    async fn events_of(
        &self,
        users: &HashSet<UserKey>,
        (start, end): (i64, i64),
    ) -> Result<Vec<crate::store::RawActivity>> {
        let users: Vec<UserKey> = users.iter().copied().collect();
        Ok(self
            .store
            .users_activity(self.agent, &users, Millis(start), Millis(end))
            .await?)
    }

    fn view_key(&self) -> ViewKey {
        let (start, end) = self.bounds();
        let (previous_start, previous_end) = self.previous_bounds();
        ViewKey {
            data: DataKey::of(self.agent, &self.sections),
            tz: self.period.tz.name().to_owned(),
            start,
            end,
            previous_start,
            previous_end,
            granularity: self.granularity(),
        }
    }

    /// Which figures this selection's trend, heatmap and user table are:
    /// two selections with equal ids get equal answers from them (the same
    /// agent, data versions, zone and instants), so an answer encoded once
    /// may be reused under it.
    pub fn figures_id(&self) -> FiguresId {
        FiguresId(self.view_key())
    }

    /// The period's view: kept from an earlier request when the agent's data
    /// has not changed since, else computed from one load of its facts.
    async fn view(&self) -> Result<Arc<PeriodView>> {
        let view = self
            .view
            .get_or_try_init(|| async {
                let key = self.view_key();
                // Boxed: three loads at once make a large future, and a
                // debug build's test thread has a small stack.
                let compute = Box::pin(self.compute_view());
                self.store.figures().view(&key, compute).await
            })
            .await?;
        Ok(Arc::clone(view))
    }

    /// The independent queries run at once, on several connections.
    #[tracing::instrument(level = "debug", skip_all, fields(agent = self.agent.key.0, period = ?self.period.start))]
    async fn compute_view(&self) -> Result<PeriodView> {
        let members = async {
            let mut members = self.store.registered_learners(self.agent).await?;
            if let Some(population) = self.population().await? {
                members.retain(|member| population.contains(&member.key));
            }
            Ok::<_, AnalyticsError>(members)
        };
        let ((calendar, facts), (_, previous), members) = tokio::try_join!(
            self.facts(self.bounds(), Detail::Full),
            self.facts(self.previous_bounds(), Detail::PerUser),
            members
        )?;
        let (user_keys, users) = users_of(&facts, &previous, members);
        let strips = activity_strips(&facts, &calendar, &user_keys, &users);
        Ok(PeriodView {
            strips,
            active_users: facts.active_users(),
            messages: facts.messages(),
            average_daily_users: facts.average_daily_users(calendar.day_count),
            trend: trend(&facts, &calendar),
            heatmap: heatmap(&facts, &calendar),
            users,
            user_keys,
        })
    }

    /// Everything the Users tab shows, from one computation of the period.
    pub async fn dashboard(&self, settings: Settings) -> Result<Dashboard> {
        // The statuses' look-up of recent activity runs beside the topline's.
        let (view, topline, statuses) =
            tokio::try_join!(self.view(), self.topline(settings), self.user_statuses())?;
        Ok(Dashboard {
            overview: self.overview_of(&view, topline),
            trend: view.trend.clone(),
            heatmap: view.heatmap.clone(),
            users: self.users_with(&statuses).await?,
        })
    }

    /// The agents table's figures of this selection's agent (its overview
    /// and each bucket's unique active users).
    pub async fn agent_figures(&self, settings: Settings) -> Result<AgentFigures> {
        let (view, topline) = tokio::try_join!(self.view(), self.topline(settings))?;
        let overview = self.overview_of(&view, topline);
        Ok(AgentFigures {
            online: overview.online,
            active_30d: overview.active_30d,
            registered: overview.registered,
            messages: overview.messages,
            previous_messages: overview.previous_messages,
            daily_users: view.trend.buckets.iter().map(|b| b.active_users).collect(),
        })
    }

    /// The topline counts and the period's totals.
    pub async fn overview(&self, settings: Settings) -> Result<Overview> {
        let (view, topline) = tokio::try_join!(self.view(), self.topline(settings))?;
        Ok(self.overview_of(&view, topline))
    }

    /// Active users and messages per local hour or local day of the period.
    pub async fn trend(&self) -> Result<Trend> {
        Ok(self.view().await?.trend.clone())
    }

    /// The access-times heatmap of the period (weekday by local hour).
    pub async fn heatmap(&self) -> Result<Heatmap> {
        Ok(self.view().await?.heatmap.clone())
    }

    /// The user details table: every registered user with their figures for the
    /// period.
    pub async fn users(&self) -> Result<UsersTable> {
        self.users_with(&self.user_statuses().await?).await
    }

    fn status_clock(&self) -> statuses::StatusClock {
        statuses::StatusClock {
            inactive_since: self.now - Duration::days(i64::from(self.inactive_days)),
            now: self.now,
            start: self.period.start,
            end: self.period.end,
        }
    }

    /// Each row's follow-up status as of now, in the user table's order:
    /// statuses follow the clock, so they are not kept with the view. A
    /// kept answer can be matched on them before any table is built.
    pub async fn user_statuses(&self) -> Result<Vec<FollowUpStatus>> {
        let view = self.view().await?;
        self.statuses_of(view.users.users.iter().zip(&view.user_keys))
            .await
    }

    /// The statuses of `rows`, with their user keys.
    async fn statuses_of<'r>(
        &self,
        rows: impl Iterator<Item = (&'r UserRow, &'r UserKey)> + Clone,
    ) -> Result<Vec<FollowUpStatus>> {
        let clock = self.status_clock();
        let unsure: Vec<UserKey> = rows
            .clone()
            .filter(|(row, _)| statuses::needs_recent_check(row, &clock))
            .map(|(_, key)| *key)
            .collect();
        let recent: HashSet<UserKey> = if unsure.is_empty() {
            HashSet::new()
        } else {
            let (from, to) = (to_millis(clock.inactive_since), to_millis(clock.now));
            self.store
                .users_active_between(self.agent, &unsure, Millis(from), Millis(to))
                .await?
                .into_iter()
                .collect()
        };
        Ok(rows
            .map(|(row, key)| statuses::status(row, &clock, recent.contains(key)))
            .collect())
    }

    /// The view's user table with `statuses` (from [`Self::user_statuses`]).
    pub async fn users_with(&self, statuses: &[FollowUpStatus]) -> Result<UsersTable> {
        let mut table = self.view().await?.users.clone();
        for (row, status) in table.users.iter_mut().zip(statuses) {
            row.status = *status;
        }
        Ok(table)
    }

    /// Each learner's activity across the period, for sparklines.
    pub async fn activity_strips(&self) -> Result<ActivityStrips> {
        Ok(self.view().await?.strips.clone())
    }

    /// Distinct users and messages of `[from, to)`, kept like views.
    async fn summary(&self, from: i64, to: i64) -> Result<SpanSummary> {
        let key = SpanKey {
            data: DataKey::of(self.agent, &self.sections),
            from,
            to,
        };
        // Boxed, like the view: a debug build's test thread has a small stack.
        let compute = Box::pin(async {
            Ok(match self.population().await? {
                None => {
                    self.agent_summary(from, to, Counting::UsersAndMessages)
                        .await?
                }
                Some(users) => {
                    let (users, messages) =
                        facts::raw_summary(&self.events_of(&users, (from, to)).await?);
                    SpanSummary {
                        users: users.len() as u64,
                        messages,
                    }
                }
            })
        });
        self.store.figures().summary(&key, compute).await
    }

    /// Distinct users of `[from, to)`: for a span that moves with the clock
    /// (the last 30 days), so not kept whole.
    async fn active_users_between(&self, from: i64, to: i64) -> Result<u64> {
        Ok(match self.population().await? {
            None => self.agent_summary(from, to, Counting::Users).await?.users,
            Some(users) => {
                let events = self.events_of(&users, (from, to)).await?;
                facts::raw_summary(&events).0.len() as u64
            }
        })
    }

    /// The whole agent's distinct users and messages of `[from, to)`: the
    /// closed part's kept under its history version, like its facts. With
    /// `Counting::Users`, the messages of the open parts are not read (and
    /// the answer's messages mean nothing).
    async fn agent_summary(&self, from: i64, to: i64, counting: Counting) -> Result<SpanSummary> {
        let (store, agent) = (self.store, self.agent);
        let span = async |from: i64, to: i64, counting: Counting| {
            if from >= to {
                return Ok(SpanUsers::default());
            }
            Ok::<_, AnalyticsError>(match counting {
                Counting::UsersAndMessages => {
                    let (users, messages) = facts::summary(store, agent, from, to).await?;
                    SpanUsers { users, messages }
                }
                Counting::Users => SpanUsers {
                    users: facts::active_users(store, agent, from, to).await?,
                    messages: 0,
                },
            })
        };
        // The closed part from the first UTC midnight on: a span that
        // starts at a moving instant (the last 30 days) keeps one key all
        // day, its first hours read with the open end.
        let closed_from = (from + DAY_MS - 1).div_euclid(DAY_MS) * DAY_MS;
        let until = closed_end(closed_from.min(to), to, Millis(to_millis(self.now)));
        if until <= closed_from {
            let all = span(from, to, counting).await?;
            return Ok(SpanSummary {
                users: all.users.len() as u64,
                messages: all.messages,
            });
        }
        let key = ClosedSpanKey {
            agent: agent.key,
            history_version: agent.history_version,
            from: closed_from,
            until,
        };
        let (closed, head, tail) = tokio::try_join!(
            // Kept whole, messages and all, for either counting.
            store
                .figures()
                .closed_span(&key, span(closed_from, until, Counting::UsersAndMessages)),
            span(from, closed_from, counting),
            span(until, to, counting),
        )?;
        let open: HashSet<&UserKey> = head.users.iter().chain(&tail.users).collect();
        let users = closed.users.len()
            + open
                .iter()
                .filter(|user| !closed.users.contains(user))
                .count();
        Ok(SpanSummary {
            users: users as u64,
            messages: closed.messages + head.messages + tail.messages,
        })
    }

    /// Users online now (an open session with a recent event).
    pub async fn online(&self, settings: Settings) -> Result<u64> {
        let since = Millis(to_millis(self.now) - settings.online_window.num_milliseconds());
        let (store, agent) = (self.store, self.agent);
        Ok(match self.population().await? {
            None => store.online_users(agent, since).await?,
            Some(users) => store
                .online_user_keys(agent, since)
                .await?
                .iter()
                .filter(|user| users.contains(user))
                .count() as u64,
        })
    }

    /// The user ids of the selection's learners (its user table's rows).
    pub async fn learner_ids(&self) -> Result<HashSet<String>> {
        let view = self.view().await?;
        Ok(view
            .users
            .users
            .iter()
            .map(|row| row.user_id.clone())
            .collect())
    }

    /// The counts that do not depend on the period's own facts.
    #[tracing::instrument(level = "debug", skip_all)]
    async fn topline(&self, settings: Settings) -> Result<Topline> {
        let now = to_millis(self.now);
        let month_ago = now - Duration::days(30).num_milliseconds();
        let (previous_start, previous_end) = (
            to_millis(self.period.previous_start),
            to_millis(self.period.previous_end),
        );
        let (online, last_30d, previous) = tokio::try_join!(
            self.online(settings),
            // Active in the last 30 days includes `now` itself: [now - 30 d, now].
            self.active_users_between(month_ago, now + 1),
            self.summary(previous_start, previous_end),
        )?;
        Ok(Topline {
            online,
            active_30d: last_30d,
            previous_active_users: previous.users,
            previous_messages: previous.messages,
        })
    }

    fn overview_of(&self, view: &PeriodView, topline: Topline) -> Overview {
        let tz = self.period.tz;
        Overview {
            online: topline.online,
            active_30d: topline.active_30d,
            // One row per registered learner (of the sections, if any),
            // read with the view under the same data version.
            registered: view.users.users.len() as u64,
            active_users: view.active_users,
            messages: view.messages,
            average_daily_users: view.average_daily_users,
            previous_active_users: topline.previous_active_users,
            previous_messages: topline.previous_messages,
            period: PeriodBounds {
                start: self.period.start.with_timezone(&tz).fixed_offset(),
                end: self.period.end.with_timezone(&tz).fixed_offset(),
            },
            tz: self.tz_name.clone(),
        }
    }
}

/// What a span's summary counts.
#[derive(Debug, Clone, Copy)]
enum Counting {
    UsersAndMessages,
    Users,
}

/// The period-independent part of the overview.
struct Topline {
    online: u64,
    active_30d: u64,
    previous_active_users: u64,
    previous_messages: u64,
}

/// The user table without statuses (each `active` until
/// `Selection::users_with` sets them), and each row's user key.
fn users_of(
    facts: &Facts,
    previous: &Facts,
    members: Vec<RegisteredLearner>,
) -> (Vec<UserKey>, UsersTable) {
    // A user's messages and active days in `facts`.
    let counts = |facts: &Facts, key: UserKey| {
        facts
            .of(key)
            .map_or((0, 0), |user| (user.messages, user.days.len() as u64))
    };
    let keys = members.iter().map(|member| member.key).collect();
    let users = members
        .into_iter()
        .map(|member| {
            let (messages, active_days) = counts(facts, member.key);
            let (previous_messages, previous_active_days) = counts(previous, member.key);
            UserRow {
                messages,
                active_days,
                previous_messages,
                previous_active_days,
                user_id: member.user_id,
                username: member.username,
                name: member.name,
                registered_at: from_millis(member.registered_at.0),
                last_active: member.last_active.map(|at| from_millis(at.0)),
                first_active: member.first_active.map(|at| from_millis(at.0)),
                status: FollowUpStatus::Active,
            }
        })
        .collect();
    (keys, UsersTable { users })
}

/// The trend buckets each learner was active in, grouped into at most
/// `MAX_STRIP_BINS` groups.
fn activity_strips(
    facts: &Facts,
    calendar: &Calendar,
    keys: &[UserKey],
    users: &UsersTable,
) -> ActivityStrips {
    let buckets = calendar.bucket_starts.len().max(1);
    let per_bin = buckets.div_ceil(MAX_STRIP_BINS);
    let bins = buckets.div_ceil(per_bin);
    let strips = keys
        .iter()
        .zip(&users.users)
        .filter_map(|(key, row)| {
            let mut counts = vec![0u32; bins];
            for bucket in &facts.of(*key)?.buckets {
                counts[*bucket as usize / per_bin] += 1;
            }
            let digits = counts
                .iter()
                .map(|count| char::from_digit(*count, 36).unwrap_or('z'))
                .collect();
            Some((row.user_id.clone(), digits))
        })
        .collect();
    ActivityStrips {
        per_bin: per_bin as u32,
        bins: bins as u32,
        strips,
    }
}

fn trend(facts: &Facts, calendar: &Calendar) -> Trend {
    let mut buckets: Vec<TrendBucket> = calendar
        .bucket_starts
        .iter()
        .zip(&facts.bucket_messages)
        .map(|(start, messages)| TrendBucket {
            start: *start,
            active_users: 0,
            messages: *messages,
        })
        .collect();
    for (_, user) in facts.users() {
        for bucket in &user.buckets {
            buckets[*bucket as usize].active_users += 1;
        }
    }
    Trend {
        granularity: calendar.granularity,
        buckets,
    }
}

fn heatmap(facts: &Facts, calendar: &Calendar) -> Heatmap {
    let mut heatmap = Heatmap {
        users: [[0; 24]; 7],
        messages: [[0; 24]; 7],
        occurrences: calendar.occurrences(),
        weekday_users: [0; 7],
        hour_users: [0; 24],
    };
    for (hour, messages) in facts.hour_messages.iter().enumerate() {
        let (weekday, hour) = calendar.hour_cells[hour];
        heatmap.messages[weekday][hour] += messages;
    }
    // One count per distinct (user, local date, local hour) in a cell; the
    // totals count each user once per weekday and once per hour.
    for (_, user) in facts.users() {
        let (mut weekdays, mut hours) = (0u32, 0u32);
        for hour in &user.hours {
            let (weekday, hour) = calendar.hour_cells[*hour as usize];
            heatmap.users[weekday][hour] += 1;
            weekdays |= 1 << weekday;
            hours |= 1 << hour;
        }
        for (weekday, count) in heatmap.weekday_users.iter_mut().enumerate() {
            *count += u64::from(weekdays >> weekday & 1);
        }
        for (hour, count) in heatmap.hour_users.iter_mut().enumerate() {
            *count += u64::from(hours >> hour & 1);
        }
    }
    heatmap
}
