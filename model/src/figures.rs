//! The figures of the Users tab, exactly as METRICS.md names them.

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agent {
    pub agent_id: String,
    pub name: String,
}

/// A half-open interval `[start, end)` in the viewer's offset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodBounds {
    pub start: DateTime<FixedOffset>,
    pub end: DateTime<FixedOffset>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overview {
    pub online: u64,
    pub active_30d: u64,
    pub registered: u64,
    pub active_users: u64,
    pub messages: u64,
    pub previous_active_users: u64,
    pub previous_messages: u64,
    pub period: PeriodBounds,
    pub tz: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Granularity {
    Hour,
    Day,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrendBucket {
    pub start: DateTime<FixedOffset>,
    pub active_users: u64,
    pub messages: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trend {
    pub granularity: Granularity,
    pub buckets: Vec<TrendBucket>,
}

/// Rows are local weekdays (0 = Monday), columns local hours 0..23.
pub type HeatmapGrid = [[u64; 24]; 7];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Heatmap {
    /// Learner-hours: distinct (user, local date, local hour) per cell.
    pub users: HeatmapGrid,
    pub messages: HeatmapGrid,
    pub occurrences: HeatmapGrid,
    /// Distinct users active on each weekday (0 = Monday) of the period:
    /// the row totals of `users`, which are not sums of its cells.
    pub weekday_users: [u64; 7],
    /// Distinct users active in each local hour of the period.
    pub hour_users: [u64; 24],
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRow {
    pub user_id: String,
    pub username: Option<String>,
    pub name: Option<String>,
    pub registered_at: DateTime<Utc>,
    pub messages: u64,
    pub active_days: u64,
    pub last_active: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsersTable {
    pub users: Vec<UserRow>,
}

/// Everything the Users tab shows for one selection, computed from one
/// pass over the data so the panels always agree with each other.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dashboard {
    pub overview: Overview,
    pub trend: Trend,
    pub heatmap: Heatmap,
    pub users: UsersTable,
}
