use serde::{Deserialize, Serialize};
use std::fmt;

/// The time filter of the Users tab (METRICS.md, "Periods").
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum PeriodKind {
    #[serde(rename = "today")]
    Today,
    #[default]
    #[serde(rename = "7d")]
    Past7Days,
    #[serde(rename = "30d")]
    PastMonth,
    #[serde(rename = "custom")]
    Custom,
}

impl PeriodKind {
    pub const ALL: [PeriodKind; 4] = [
        PeriodKind::Today,
        PeriodKind::Past7Days,
        PeriodKind::PastMonth,
        PeriodKind::Custom,
    ];

    /// The name used in URLs and the API (`today`, `7d`, `30d`, `custom`).
    pub fn as_str(self) -> &'static str {
        match self {
            PeriodKind::Today => "today",
            PeriodKind::Past7Days => "7d",
            PeriodKind::PastMonth => "30d",
            PeriodKind::Custom => "custom",
        }
    }

    pub fn parse(text: &str) -> Option<PeriodKind> {
        PeriodKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            PeriodKind::Today => "Today",
            PeriodKind::Past7Days => "Past 7 Days",
            PeriodKind::PastMonth => "Past Month",
            PeriodKind::Custom => "Custom",
        }
    }
}

impl fmt::Display for PeriodKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a reader asks for: a period and the viewer's IANA time zone, as
/// text, exactly as it arrives in a URL. The server validates it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PeriodQuery {
    #[serde(default = "default_period")]
    pub period: String,
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
    #[serde(default = "default_tz")]
    pub tz: String,
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
        }
    }
}
