//! Everything that defines what the Users tab shows, kept in the URL so a
//! copied link opens the same view and Back and Forward work.

use leptos_router::params::ParamsMap;
use pulse_model::{FollowUpStatus, PeriodKind, PeriodQuery};

/// A column of the user table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Name,
    Username,
    Messages,
    ActiveDays,
    LastActive,
    Status,
    Contacted,
}

impl Column {
    pub const ALL: [Column; 7] = [
        Column::Name,
        Column::Username,
        Column::Messages,
        Column::ActiveDays,
        Column::LastActive,
        Column::Status,
        Column::Contacted,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Column::Name => "name",
            Column::Username => "username",
            Column::Messages => "messages",
            Column::ActiveDays => "days",
            Column::LastActive => "last",
            Column::Status => "status",
            Column::Contacted => "contacted",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Column::Name => "Name",
            Column::Username => "Username",
            Column::Messages => "Messages",
            Column::ActiveDays => "Active days",
            Column::LastActive => "Last active",
            Column::Status => "Status",
            Column::Contacted => "Contacted",
        }
    }

    fn parse(text: &str) -> Option<Column> {
        Column::ALL.into_iter().find(|column| column.key() == text)
    }
}

/// The table's quick filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuickFilter {
    All,
    /// Not active for at least `inactive_days` days (or never).
    Inactive,
    Never,
    ActiveInPeriod,
    TopSenders,
}

impl QuickFilter {
    pub const ALL: [QuickFilter; 5] = [
        QuickFilter::All,
        QuickFilter::Inactive,
        QuickFilter::Never,
        QuickFilter::ActiveInPeriod,
        QuickFilter::TopSenders,
    ];

    pub fn key(self) -> &'static str {
        match self {
            QuickFilter::All => "all",
            QuickFilter::Inactive => "inactive",
            QuickFilter::Never => "never",
            QuickFilter::ActiveInPeriod => "active",
            QuickFilter::TopSenders => "top",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            QuickFilter::All => "All users",
            QuickFilter::Inactive => "Inactive",
            QuickFilter::Never => "Never active",
            QuickFilter::ActiveInPeriod => "Active in period",
            QuickFilter::TopSenders => "Top senders",
        }
    }

    fn parse(text: &str) -> Option<QuickFilter> {
        QuickFilter::ALL
            .into_iter()
            .find(|filter| filter.key() == text)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewState {
    pub period: PeriodKind,
    pub from: String,
    pub to: String,
    /// Empty: the browser's zone.
    pub tz: String,
    pub sort: Column,
    pub descending: bool,
    pub search: String,
    pub filter: QuickFilter,
    /// Only learners of this follow-up status.
    pub status: Option<FollowUpStatus>,
    /// Only learners not marked as contacted in the last N days.
    pub uncontacted_days: Option<u32>,
    pub inactive_days: u32,
    /// Only the learners of this section; empty: all the viewer may see.
    pub section: String,
    /// How many weeks the retention panel shows.
    pub retention_weeks: u32,
    /// Heatmap: messages instead of users.
    pub heat_messages: bool,
    /// Heatmap: average per week instead of total.
    pub heat_average: bool,
    pub week_starts_sunday: bool,
}

impl Default for ViewState {
    fn default() -> Self {
        ViewState {
            period: PeriodKind::Past7Days,
            from: String::new(),
            to: String::new(),
            tz: String::new(),
            sort: Column::LastActive,
            descending: true,
            search: String::new(),
            filter: QuickFilter::All,
            status: None,
            uncontacted_days: None,
            inactive_days: 14,
            section: String::new(),
            retention_weeks: pulse_model::DEFAULT_RETENTION_WEEKS,
            heat_messages: false,
            heat_average: false,
            week_starts_sunday: false,
        }
    }
}

impl ViewState {
    pub fn from_query(query: &ParamsMap) -> ViewState {
        let defaults = ViewState::default();
        let text = |key: &str| query.get(key).unwrap_or_default();
        let flag = |key: &str| query.get(key).is_some_and(|value| value == "1");
        ViewState {
            period: query
                .get("period")
                .and_then(|p| PeriodKind::parse(&p))
                .unwrap_or(defaults.period),
            from: text("from"),
            to: text("to"),
            tz: text("tz"),
            sort: query
                .get("sort")
                .and_then(|s| Column::parse(&s))
                .unwrap_or(defaults.sort),
            descending: query
                .get("dir")
                .map_or(defaults.descending, |dir| dir != "asc"),
            search: text("q"),
            filter: query
                .get("filter")
                .and_then(|f| QuickFilter::parse(&f))
                .unwrap_or(defaults.filter),
            status: query.get("status").and_then(|s| FollowUpStatus::parse(&s)),
            uncontacted_days: query
                .get("uncontacted")
                .and_then(|d| d.parse().ok())
                .filter(|d| *d > 0),
            inactive_days: query
                .get("days")
                .and_then(|d| d.parse().ok())
                .filter(|d| pulse_model::INACTIVE_DAYS_RANGE.contains(d))
                .unwrap_or(defaults.inactive_days),
            section: text("section"),
            retention_weeks: query
                .get("weeks")
                .and_then(|w| w.parse().ok())
                .filter(|w| pulse_model::RETENTION_WEEKS_RANGE.contains(w))
                .unwrap_or(defaults.retention_weeks),
            heat_messages: flag("heat_messages"),
            heat_average: flag("heat_avg"),
            week_starts_sunday: flag("sunday"),
        }
    }

    /// The query string of this state, leaving out defaults.
    pub fn to_query(&self) -> String {
        let defaults = ViewState::default();
        let mut pairs: Vec<(&str, String)> = vec![("period", self.period.as_str().to_owned())];
        if self.period == PeriodKind::Custom {
            pairs.push(("from", self.from.clone()));
            pairs.push(("to", self.to.clone()));
        }
        if !self.tz.is_empty() {
            pairs.push(("tz", self.tz.clone()));
        }
        if !self.section.is_empty() {
            pairs.push(("section", self.section.clone()));
        }
        if self.sort != defaults.sort || self.descending != defaults.descending {
            pairs.push(("sort", self.sort.key().to_owned()));
            pairs.push((
                "dir",
                if self.descending { "desc" } else { "asc" }.to_owned(),
            ));
        }
        if !self.search.is_empty() {
            pairs.push(("q", self.search.clone()));
        }
        if self.filter != defaults.filter {
            pairs.push(("filter", self.filter.key().to_owned()));
        }
        if let Some(status) = self.status {
            pairs.push(("status", status.as_str().to_owned()));
        }
        if self.retention_weeks != defaults.retention_weeks {
            pairs.push(("weeks", self.retention_weeks.to_string()));
        }
        if let Some(days) = self.uncontacted_days {
            pairs.push(("uncontacted", days.to_string()));
        }
        if self.inactive_days != defaults.inactive_days {
            pairs.push(("days", self.inactive_days.to_string()));
        }
        for (key, on) in [
            ("heat_messages", self.heat_messages),
            ("heat_avg", self.heat_average),
            ("sunday", self.week_starts_sunday),
        ] {
            if on {
                pairs.push((key, "1".to_owned()));
            }
        }
        pairs
            .into_iter()
            .map(|(key, value)| format!("{key}={}", encode(&value)))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// What the server is asked for; `browser_tz` when no zone is chosen.
    pub fn period_query(&self, browser_tz: &str) -> PeriodQuery {
        let custom = self.period == PeriodKind::Custom;
        PeriodQuery {
            period: self.period.as_str().to_owned(),
            from: custom.then(|| self.from.clone()),
            to: custom.then(|| self.to.clone()),
            tz: if self.tz.is_empty() {
                browser_tz.to_owned()
            } else {
                self.tz.clone()
            },
            section: (!self.section.is_empty()).then(|| self.section.clone()),
        }
    }
}

/// Percent-encodes a path segment: a query value's encoding, `/` too.
pub fn encode_segment(value: &str) -> String {
    encode(value).replace('/', "%2F")
}

/// Percent-encodes a query value (everything but unreserved characters).
fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // leptos_router's ParamsMap decodes through the browser's JavaScript
    // unless built for the server: off wasm, this test needs `ssr` (the
    // workspace's test command has it).
    #[cfg(feature = "ssr")]
    #[test]
    fn a_state_survives_the_round_trip_through_the_url() {
        let state = ViewState {
            period: PeriodKind::Custom,
            from: "2026-03-01".into(),
            to: "2026-03-10".into(),
            tz: "America/New_York".into(),
            sort: Column::Name,
            descending: false,
            search: "zoë & co".into(),
            filter: QuickFilter::Inactive,
            status: Some(FollowUpStatus::Stopped),
            uncontacted_days: Some(7),
            inactive_days: 30,
            section: "period-3".into(),
            retention_weeks: 12,
            heat_messages: true,
            heat_average: true,
            week_starts_sunday: true,
        };
        let query = state.to_query();
        let params: Vec<(String, String)> = query
            .split('&')
            .map(|pair| {
                let (key, value) = pair.split_once('=').unwrap();
                (key.to_owned(), decode(value))
            })
            .collect();
        let map = ParamsMap::from_iter(params);
        assert_eq!(ViewState::from_query(&map), state);
        assert_eq!(ViewState::default().to_query(), "period=7d");
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn unknown_or_out_of_range_values_fall_back_to_the_defaults() {
        let map = ParamsMap::from_iter(
            [
                ("period", "fortnight"),
                ("sort", "shoe_size"),
                ("filter", "everyone"),
                ("status", "asleep"),
                ("uncontacted", "0"),
                ("days", "100000"),
                ("weeks", "0"),
                ("heat_avg", "yes"),
                ("dir", "asc"),
            ]
            .map(|(key, value)| (key.to_owned(), value.to_owned())),
        );
        let state = ViewState::from_query(&map);
        let defaults = ViewState::default();
        assert_eq!(
            state,
            ViewState {
                descending: false,
                ..defaults.clone()
            }
        );
        // Only what differs from the defaults goes back into the URL: the
        // sort column travels with its direction.
        assert_eq!(
            state.to_query(),
            format!("{}&sort=last&dir=asc", defaults.to_query())
        );
    }

    fn decode(value: &str) -> String {
        let bytes = value.as_bytes();
        let mut out = Vec::new();
        let mut index = 0;
        while index < bytes.len() {
            if bytes[index] == b'%' {
                out.push(u8::from_str_radix(&value[index + 1..index + 3], 16).unwrap());
                index += 3;
            } else {
                out.push(bytes[index]);
                index += 1;
            }
        }
        String::from_utf8(out).unwrap()
    }
}
