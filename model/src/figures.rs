//! The figures of the Users tab, exactly as METRICS.md names them.

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agent {
    pub agent_id: String,
    pub name: String,
}

/// A half-open interval `[start, end)` in the viewer's offset.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodBounds {
    pub start: DateTime<FixedOffset>,
    pub end: DateTime<FixedOffset>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Granularity {
    Hour,
    Day,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrendBucket {
    pub start: DateTime<FixedOffset>,
    pub active_users: u64,
    pub messages: u64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trend {
    pub granularity: Granularity,
    pub buckets: Vec<TrendBucket>,
}

/// Rows are local weekdays (0 = Monday), columns local hours 0..23.
pub type HeatmapGrid = [[u64; 24]; 7];

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Heatmap {
    /// Learner-hours: distinct (user, local date, local hour) per cell.
    #[cfg_attr(feature = "openapi", schema(schema_with = openapi::grid))]
    pub users: HeatmapGrid,
    #[cfg_attr(feature = "openapi", schema(schema_with = openapi::grid))]
    pub messages: HeatmapGrid,
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

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRow {
    pub user_id: String,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub username: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub name: Option<String>,
    pub registered_at: DateTime<Utc>,
    pub messages: u64,
    pub active_days: u64,
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub last_active: Option<DateTime<Utc>>,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
