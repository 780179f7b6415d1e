use serde::{Deserialize, Serialize};

/// The time filter of the Users tab (METRICS.md, "Periods").
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
// The same names as text (URLs, the command line); each variant says its own.
#[derive(strum::Display, strum::EnumString, strum::IntoStaticStr)]
pub enum PeriodKind {
    /// From the start of today's local day to `now` (`today`).
    #[serde(rename = "today")]
    #[strum(serialize = "today")]
    Today,
    /// The last 7 local days, today included (`7d`); the default.
    #[default]
    #[serde(rename = "7d")]
    #[strum(serialize = "7d")]
    Past7Days,
    /// The last 30 local days, today included (`30d`).
    #[serde(rename = "30d")]
    #[strum(serialize = "30d")]
    PastMonth,
    /// Local days `from` to `to`, both included (`custom`).
    #[serde(rename = "custom")]
    #[strum(serialize = "custom")]
    Custom,
}

impl PeriodKind {
    /// Every period, in the order the time filter offers them.
    pub const ALL: [PeriodKind; 4] = [
        PeriodKind::Today,
        PeriodKind::Past7Days,
        PeriodKind::PastMonth,
        PeriodKind::Custom,
    ];

    /// The period's name on the time filter (`Past 7 Days`, ...).
    pub fn label(self) -> &'static str {
        match self {
            PeriodKind::Today => "Today",
            PeriodKind::Past7Days => "Past 7 Days",
            PeriodKind::PastMonth => "Past Month",
            PeriodKind::Custom => "Custom",
        }
    }
}

/// What a reader asks for: a period and the viewer's IANA time zone, as
/// text, exactly as it arrives in a URL. The server validates it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PeriodQuery {
    /// The period's name: `today`, `7d` (the default), `30d` or `custom`.
    #[serde(default = "default_period")]
    pub period: String,
    /// First local day, `YYYY-MM-DD`; only with `custom`.
    #[serde(default)]
    pub from: Option<String>,
    /// Last local day, included, `YYYY-MM-DD`; only with `custom`.
    #[serde(default)]
    pub to: Option<String>,
    /// The viewer's IANA zone name; `UTC` by default.
    #[serde(default = "default_tz")]
    pub tz: String,
    /// Only the learners of this section of the agent (METRICS.md,
    /// "Sections"); the whole agent when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
}

fn default_period() -> String {
    PeriodKind::default().as_str().to_owned()
}

fn default_tz() -> String {
    "UTC".to_owned()
}

impl Default for PeriodQuery {
    fn default() -> Self {
        PeriodQuery {
            period: default_period(),
            from: None,
            to: None,
            tz: default_tz(),
            section: None,
        }
    }
}
