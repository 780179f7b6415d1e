//! The figures of the Users tab, exactly as METRICS.md names them.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// An agent as the agent picker lists it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agent {
    /// Public id, 1 to 64 of `A-Za-z0-9._-`.
    pub agent_id: String,
    /// Display name (its id until one is set).
    pub name: String,
}

/// A half-open interval `[start, end)` in the viewer's offset.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodBounds {
    /// First instant of the period: the start of its first local day.
    pub start: DateTime<FixedOffset>,
    /// End of the period, excluded: the start of the local day after its last,
    /// or `now` if that is earlier.
    pub end: DateTime<FixedOffset>,
}

/// The counts at the top of the Users tab (METRICS.md, "Topline counts" and
/// "Figures of the selected period").
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Overview {
    /// `online`: distinct users with an open session whose latest event is
    /// within the online window (5 minutes by default).
    pub online: u64,
    /// `active_30d`: distinct users with an event in `[now - 30*24h, now]`.
    pub active_30d: u64,
    /// `registered`: the agent's registrations.
    pub registered: u64,
    /// `active_users`: distinct users with an event in the period.
    pub active_users: u64,
    /// `messages`: message events in the period.
    pub messages: u64,
    /// `average_daily_users`: the mean, over the local days the period
    /// touches, of the distinct users active on each day within the period.
    /// Stickiness is this over `active_users` (0 when none).
    pub average_daily_users: f64,
    /// `previous_active_users`: distinct users with an event in the previous
    /// period.
    pub previous_active_users: u64,
    /// `previous_messages`: message events in the previous period.
    pub previous_messages: u64,
    /// The instants the period covers, in the viewer's offset.
    pub period: PeriodBounds,
    /// The viewer's IANA zone, as asked for.
    pub tz: String,
}

/// The size of the trend's buckets: local hours when the period covers at most
/// 2 local days, else local days.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Granularity {
    /// One bucket per local hour and offset: a repeated DST hour comes twice, a
    /// skipped one not at all.
    Hour,
    /// One bucket per local day.
    Day,
}

/// One point of the trend: a local hour or local day of the period.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrendBucket {
    /// The bucket's first instant in the period, in local time with its offset
    /// (RFC 3339).
    pub start: DateTime<FixedOffset>,
    /// Distinct users with an event in the bucket.
    pub active_users: u64,
    /// Message events in the bucket.
    pub messages: u64,
}

/// Active users over time (METRICS.md, "Active users over time").
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trend {
    /// Whether the buckets are local hours or local days.
    pub granularity: Granularity,
    /// Every bucket the period touches, in order, empty ones included.
    pub buckets: Vec<TrendBucket>,
}

/// Rows are local weekdays (0 = Monday), columns local hours 0..23.
pub type HeatmapGrid = [[u64; 24]; 7];

/// The access-times heatmap (METRICS.md): weekday by local hour grids of the
/// period's events, and the distinct-user totals of the `users` grid.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Heatmap {
    /// Learner-hours: distinct (user, local date, local hour) per cell.
    #[cfg_attr(feature = "openapi", schema(schema_with = openapi::grid))]
    pub users: HeatmapGrid,
    /// Message events per cell.
    #[cfg_attr(feature = "openapi", schema(schema_with = openapi::grid))]
    pub messages: HeatmapGrid,
    /// Local (date, hour) pairs of the period per cell: the denominator of an
    /// average per week.
    #[cfg_attr(feature = "openapi", schema(schema_with = openapi::grid))]
    pub occurrences: HeatmapGrid,
    /// Distinct users active on each weekday (0 = Monday) of the period:
    /// the row totals of `users`, which are not sums of its cells.
    #[cfg_attr(feature = "openapi", schema(schema_with = openapi::per_weekday))]
    pub weekday_users: [u64; 7],
    /// Distinct users active in each local hour of the period.
    #[cfg_attr(feature = "openapi", schema(schema_with = openapi::per_hour))]
    pub hour_users: [u64; 24],
}

/// One row of the user details table: a registered user and their figures
/// (METRICS.md, "User details table").
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRow {
    /// Public id of the user.
    pub user_id: String,
    /// Login name, the latest sent; `None` when never sent.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub username: Option<String>,
    /// Display name, the latest sent; `None` when never sent.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub name: Option<String>,
    /// Start of the user's registration for the agent.
    pub registered_at: DateTime<Utc>,
    /// Message events of the user in the period.
    pub messages: u64,
    /// Distinct local days of the period with an event of the user.
    pub active_days: u64,
    /// Instant of the user's latest event on this agent, over all time; `None`
    /// when there is none.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub last_active: Option<DateTime<Utc>>,
    /// Instant of the user's earliest event on this agent, over all time;
    /// `None` when there is none.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub first_active: Option<DateTime<Utc>>,
    /// Message events of the user in the previous period.
    pub previous_messages: u64,
    /// Distinct local days of the previous period with an event of the user.
    pub previous_active_days: u64,
    /// Whom to follow up with, and why (METRICS.md, "Follow-up status").
    pub status: FollowUpStatus,
}

/// The follow-up status of a learner: the first of these that applies.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum FollowUpStatus {
    /// No event on this agent, ever.
    NeverStarted,
    /// No event in the last `inactive_days` days, but earlier ones.
    Stopped,
    /// The first event ever lies in the selected period.
    New,
    /// Active on fewer than half as many days as in the previous period
    /// (which had at least 2).
    Slowing,
    /// None of the above.
    Active,
}

impl FollowUpStatus {
    /// Every status, in the order they are tried (METRICS.md).
    pub const ALL: &'static [FollowUpStatus] = <FollowUpStatus as strum::VariantArray>::VARIANTS;
}

/// How many days without an event make a learner `stopped`, unless the
/// reader says otherwise (`inactive_days`).
pub const DEFAULT_INACTIVE_DAYS: u32 = 14;

/// The range `inactive_days` may take.
pub const INACTIVE_DAYS_RANGE: std::ops::RangeInclusive<u32> = 1..=3650;

/// One local day of a learner's period (METRICS.md, "One learner").
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LearnerDay {
    /// The local date.
    pub date: NaiveDate,
    /// The learner's message events in the period on that day.
    pub messages: u64,
    /// Distinct local clock hours (0-23) of that day with an event of the
    /// learner in the period; a repeated DST hour counts once.
    pub active_hours: u64,
}

/// One of a learner's sessions (the events of one `session_id`).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LearnerSession {
    /// The session's id as the host platform sent it.
    pub session_id: String,
    /// Its earliest event, over all time.
    pub start: DateTime<Utc>,
    /// Its latest event, over all time.
    pub end: DateTime<Utc>,
    /// Its message events.
    pub messages: u64,
    /// Whether it has a `session_end` event.
    pub ended: bool,
}

/// The median over an agent's registered users of their period figures.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AgentMedian {
    /// Median `messages` (the mean of the two middle values for an even count).
    pub messages: f64,
    /// Median `active_days`.
    pub active_days: f64,
}

/// Everything the learner view shows of one learner for one selection.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LearnerView {
    /// The learner's row of the user table.
    pub user: UserRow,
    /// Whether the learner is online now: an open session with an event
    /// within the online window (as `online` of the overview).
    pub online: bool,
    /// One entry per local day the period touches, in order.
    pub days: Vec<LearnerDay>,
    /// The access-times heatmap of this learner alone.
    pub heatmap: Heatmap,
    /// Sessions with an event in the period, newest first, at most 50.
    pub sessions: Vec<LearnerSession>,
    /// The agent's median learner, to compare with.
    pub agent_median: AgentMedian,
}

/// The most sessions a learner view lists.
pub const LEARNER_SESSIONS_SHOWN: usize = 50;

/// The user details table (METRICS.md): one row per registered user, active or
/// not.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsersTable {
    /// The rows, by user id; the browser sorts and filters them.
    pub users: Vec<UserRow>,
}

/// Everything the Users tab shows for one selection, computed from one
/// pass over the data so the panels always agree with each other.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    /// The topline counts and the period's totals.
    pub overview: Overview,
    /// Active users and messages over the period.
    pub trend: Trend,
    /// When in the week the learners come.
    pub heatmap: Heatmap,
    /// Every registered user with their figures.
    pub users: UsersTable,
}

/// Schemas of the fixed-size arrays, which utoipa would describe without
/// their lengths.
#[cfg(feature = "openapi")]
mod openapi {
    use utoipa::openapi::schema::{
        Array, ArrayBuilder, KnownFormat, ObjectBuilder, SchemaFormat, Type,
    };

    fn counts(length: usize) -> ArrayBuilder {
        let count = ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
            .minimum(Some(0));
        ArrayBuilder::new()
            .items(count)
            .min_items(Some(length))
            .max_items(Some(length))
    }

    /// 7 rows (local weekdays, 0 = Monday) of 24 local hours.
    pub fn grid() -> Array {
        ArrayBuilder::new()
            .items(counts(24))
            .min_items(Some(7))
            .max_items(Some(7))
            .description(Some(
                "7 rows, local weekdays from Monday, of 24 columns, local hours 0 to 23",
            ))
            .build()
    }

    pub fn per_weekday() -> Array {
        counts(7).build()
    }

    pub fn per_hour() -> Array {
        counts(24).build()
    }
}

/// Each learner's activity across the period, coarse enough to draw as a
/// sparkline on every row of a 50,000-row table: the period's trend buckets
/// (hours or days) grouped `per_bin` at a time, and per learner the number
/// of buckets of each group in which they were active.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ActivityStrips {
    /// Trend buckets per group (the last group may have fewer).
    pub per_bin: u32,
    /// How many groups there are.
    pub bins: u32,
    /// (user id, one base-36 digit per group) of every learner active in
    /// the period; those not listed were active in none.
    pub strips: Vec<(String, String)>,
}

/// The most groups an activity strip has.
pub const MAX_STRIP_BINS: usize = 40;

/// One agent's headline figures for the agents table: those of its Users
/// tab over the Past Month (`30d`) in the viewer's zone.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentFigures {
    /// Currently logged in.
    pub online: u64,
    /// Active in the last 30 days.
    pub active_30d: u64,
    /// Registered users.
    pub registered: u64,
    /// Messages in the Past Month period.
    pub messages: u64,
    /// Messages in the 30 local days before it, to the same time of day.
    pub previous_messages: u64,
    /// Unique active users of each local day of the period, oldest first.
    pub daily_users: Vec<u64>,
}

/// An agent as `GET /api/v1/agents` lists it; with `figures=30d`, with
/// its figures.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentListing {
    /// Public id, 1 to 64 of `A-Za-z0-9._-`.
    pub agent_id: String,
    /// Display name (its id until one is set).
    pub name: String,
    /// Its figures, when asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub figures: Option<AgentFigures>,
}
