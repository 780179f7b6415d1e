//! Retention and lifecycle by local week (METRICS.md, "Retention and
//! lifecycle").

use std::ops::RangeInclusive;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// How many weeks a retention answer covers unless asked otherwise.
pub const DEFAULT_RETENTION_WEEKS: u32 = 8;

/// The numbers of weeks one may ask for.
pub const RETENTION_WEEKS_RANGE: RangeInclusive<u32> = 1..=26;

/// The first day of a local week.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Default,
    Serialize,
    Deserialize,
    strum::Display,
    strum::EnumString,
    strum::IntoStaticStr,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum WeekStart {
    /// Weeks from Monday to Sunday (ISO 8601); the default.
    #[default]
    Monday,
    /// Weeks from Sunday to Saturday.
    Sunday,
}

/// One local week of a retention answer.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionWeek {
    /// Its first local day.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub start: NaiveDate,
    /// False for the current week (it holds `now`): its counts may still grow.
    pub complete: bool,
}

/// The learners whose first event on the agent fell in one week, and how
/// many of them were active in each week from then on.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cohort {
    /// Learners whose first event ever fell in the cohort's week.
    pub size: u64,
    /// `active[k]`: how many of them have an event in the k-th week after
    /// theirs (`active[0]` = `size`); as many entries as weeks remain.
    pub active: Vec<u64>,
}

/// New, returning, resurrected and dormant learners of one week.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LifecycleWeek {
    /// First event ever in this week.
    pub new: u64,
    /// An event in this week and in the week before.
    pub returning: u64,
    /// An event in this week, none in the week before, some earlier.
    pub resurrected: u64,
    /// An event in the week before, none in this week.
    pub dormant: u64,
}

/// Weekly cohorts and lifecycle of an agent's learners, oldest week first.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retention {
    /// The weeks, oldest first; the last holds `now`.
    pub weeks: Vec<RetentionWeek>,
    /// One cohort per week, in the same order.
    pub cohorts: Vec<Cohort>,
    /// One entry per week, in the same order.
    pub lifecycle: Vec<LifecycleWeek>,
}
