//! The time filter resolved to instants (METRICS.md, "Periods").

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use pulse_model::{PeriodKind, PeriodQuery};

use crate::time::{day_start, local_date, parse_zone, resolve_local};

/// The longest custom range, in local days.
pub const MAX_CUSTOM_DAYS: i64 = 366;

/// A period as instants: `[start, end)` and the previous period to compare with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedPeriod {
    /// The viewer's zone, whose real rules lay out the local days.
    pub tz: Tz,
    /// Which period was asked for.
    pub kind: PeriodKind,
    /// The period's first local day.
    pub first_day: NaiveDate,
    /// The period's length in local days (N of METRICS.md).
    pub days: i64,
    /// First instant of the period: the start of `first_day` in `tz`.
    pub start: DateTime<Utc>,
    /// End of the period, excluded: the start of the local day after its last,
    /// or `now` if that is earlier.
    pub end: DateTime<Utc>,
    /// First instant of the previous period: the start of the local day `days`
    /// days before `first_day`.
    pub previous_start: DateTime<Utc>,
    /// End of the previous period, excluded: `start` for a period that ended,
    /// else the local time of `end` `days` days earlier.
    pub previous_end: DateTime<Utc>,
}

impl ResolvedPeriod {
    /// Resolves what a reader asked for at server time `now`, or says
    /// exactly what is wrong with it.
    pub fn resolve(query: &PeriodQuery, now: DateTime<Utc>) -> Result<ResolvedPeriod, PeriodError> {
        let tz = parse_zone(&query.tz).ok_or_else(|| PeriodError::UnknownZone(query.tz.clone()))?;
        let kind = PeriodKind::parse(&query.period)
            .ok_or_else(|| PeriodError::UnknownPeriod(query.period.clone()))?;
        let today = local_date(tz, now);
        let (first_day, days) = match kind {
            PeriodKind::Custom => custom_days(query, today)?,
            _ if query.from.is_some() || query.to.is_some() => {
                return Err(PeriodError::DatesWithoutCustom);
            }
            PeriodKind::Today => (today, 1),
            PeriodKind::Past7Days => (today - Duration::days(6), 7),
            PeriodKind::PastMonth => (today - Duration::days(29), 30),
        };
        let start = day_start(tz, first_day);
        let full_end = day_start(tz, first_day + Duration::days(days));
        let end = full_end.min(now);
        let previous_start = day_start(tz, first_day - Duration::days(days));
        let previous_end = if end == full_end {
            start
        } else {
            // The same local time of day, N local days earlier.
            let local_now = end.with_timezone(&tz).naive_local();
            resolve_local(tz, local_now - Duration::days(days))
        };
        Ok(ResolvedPeriod {
            tz,
            kind,
            first_day,
            days,
            start,
            end,
            previous_start,
            previous_end,
        })
    }
}

impl ResolvedPeriod {
    /// The local days that the period's instants `[start, end)` touch:
    /// `days` for a period that has ended, fewer for one cut short by `now`
    /// (a custom range reaching past today). The trend's granularity is
    /// decided on these (docs/METRICS.md, "Active users over time (trend)").
    pub fn days_so_far(&self) -> i64 {
        if self.end <= self.start {
            return 1;
        }
        let last = local_date(self.tz, self.end - Duration::milliseconds(1));
        (last - self.first_day).num_days() + 1
    }
}

/// What is wrong with the period a reader asked for; the text is the
/// answer's message, so it names the parameter and the value at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    /// `tz` is not an IANA zone name; holds the text sent.
    #[error("unknown time zone {0:?}: use an IANA name such as Europe/Paris")]
    UnknownZone(String),
    /// `period` is none of `today`, `7d`, `30d`, `custom`; holds the text sent.
    #[error("unknown period {0:?}: use today, 7d, 30d or custom")]
    UnknownPeriod(String),
    /// `from` or `to` was sent with a period other than `custom`.
    #[error("from and to go only with period=custom")]
    DatesWithoutCustom,
    /// A `custom` period without this parameter (`from` or `to`).
    #[error("{0} is required with period=custom (YYYY-MM-DD)")]
    MissingDate(&'static str),
    /// A date that is not a real date written `YYYY-MM-DD`.
    #[error("{field} must be a date written YYYY-MM-DD, not {text:?}")]
    BadDate {
        /// The parameter at fault, `from` or `to`.
        field: &'static str,
        /// The text sent.
        text: String,
    },
    /// A custom range whose first day comes after its last.
    #[error("from ({from}) must not be after to ({to})")]
    Reversed {
        /// The first day asked for.
        from: NaiveDate,
        /// The last day asked for.
        to: NaiveDate,
    },
    /// A custom range longer than [`MAX_CUSTOM_DAYS`]; holds its length in
    /// days.
    #[error("a custom range may cover at most {MAX_CUSTOM_DAYS} days, not {0}")]
    TooLong(i64),
    /// A number of retention weeks outside 1 to 26; holds the value sent.
    #[error("weeks must be a whole number from 1 to 26, not {0:?}")]
    Weeks(String),
    /// An `inactive_days` outside 1 to 3650; holds the value sent.
    #[error("inactive_days must be a whole number from 1 to 3650, not {0:?}")]
    InactiveDays(String),
    /// A custom range that starts after the viewer's local today.
    #[error("from ({from}) must not be after today ({today})")]
    InTheFuture {
        /// The first day asked for.
        from: NaiveDate,
        /// The viewer's local date at `now`.
        today: NaiveDate,
    },
}

fn custom_days(query: &PeriodQuery, today: NaiveDate) -> Result<(NaiveDate, i64), PeriodError> {
    let from = parse_date("from", query.from.as_deref())?;
    let to = parse_date("to", query.to.as_deref())?;
    if from > to {
        return Err(PeriodError::Reversed { from, to });
    }
    let days = (to - from).num_days() + 1;
    if days > MAX_CUSTOM_DAYS {
        return Err(PeriodError::TooLong(days));
    }
    if from > today {
        return Err(PeriodError::InTheFuture { from, today });
    }
    Ok((from, days))
}

fn parse_date(field: &'static str, text: Option<&str>) -> Result<NaiveDate, PeriodError> {
    let text = text.ok_or(PeriodError::MissingDate(field))?;
    let valid_shape = text.len() == 10 && text.as_bytes()[4] == b'-' && text.as_bytes()[7] == b'-';
    match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        Ok(date) if valid_shape => Ok(date),
        _ => Err(PeriodError::BadDate {
            field,
            text: text.to_owned(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn query(period: &str, from: Option<&str>, to: Option<&str>, tz: &str) -> PeriodQuery {
        PeriodQuery {
            period: period.into(),
            from: from.map(Into::into),
            to: to.map(Into::into),
            tz: tz.into(),
            section: None,
        }
    }

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn today_compares_with_yesterday_up_to_the_same_time() {
        let now = utc("2026-03-10T10:30:00Z");
        let period = ResolvedPeriod::resolve(&query("today", None, None, "UTC"), now).unwrap();
        assert_eq!(period.start, utc("2026-03-10T00:00:00Z"));
        assert_eq!(period.end, now);
        assert_eq!(period.previous_start, utc("2026-03-09T00:00:00Z"));
        assert_eq!(period.previous_end, utc("2026-03-09T10:30:00Z"));
    }

    #[test]
    fn a_custom_range_compares_with_the_days_before_it() {
        let now = utc("2026-06-01T00:00:00Z");
        let period = ResolvedPeriod::resolve(
            &query("custom", Some("2026-03-01"), Some("2026-03-10"), "UTC"),
            now,
        )
        .unwrap();
        assert_eq!(period.days, 10);
        assert_eq!(period.end, utc("2026-03-11T00:00:00Z"));
        assert_eq!(period.previous_start, utc("2026-02-19T00:00:00Z"));
        assert_eq!(period.previous_end, period.start);
    }

    #[test]
    fn a_range_reaching_past_today_covers_the_days_so_far() {
        // 6 December, 21:00 in New York: 5 to 11 December has two local days so far.
        let now = utc("2026-12-07T02:00:00Z");
        let period = ResolvedPeriod::resolve(
            &query(
                "custom",
                Some("2026-12-05"),
                Some("2026-12-11"),
                "America/New_York",
            ),
            now,
        )
        .unwrap();
        assert_eq!((period.days, period.days_so_far()), (7, 2));
        assert_eq!(period.end, now);
        // The comparison still shifts by the whole range's seven days.
        assert_eq!(period.previous_start, utc("2026-11-28T05:00:00Z"));
        let ended = ResolvedPeriod::resolve(
            &query(
                "custom",
                Some("2026-11-05"),
                Some("2026-11-11"),
                "America/New_York",
            ),
            now,
        )
        .unwrap();
        assert_eq!(ended.days_so_far(), 7);
    }

    #[test]
    fn local_days_follow_the_zone() {
        let now = utc("2026-11-27T20:00:00Z");
        let period =
            ResolvedPeriod::resolve(&query("7d", None, None, "Asia/Kolkata"), now).unwrap();
        // 2026-11-28 01:30 in Kolkata: the week starts on the 22nd, local midnight.
        assert_eq!(
            period.start,
            chrono_tz::Asia::Kolkata
                .with_ymd_and_hms(2026, 11, 22, 0, 0, 0)
                .unwrap()
        );
    }

    #[test]
    fn bad_input_is_named() {
        let now = utc("2026-06-01T00:00:00Z");
        let cases = [
            (query("week", None, None, "UTC"), "unknown period"),
            (query("7d", None, None, "Mars/Olympus"), "unknown time zone"),
            (
                query("custom", None, Some("2026-01-01"), "UTC"),
                "from is required",
            ),
            (
                query("custom", Some("2026-1-01"), Some("2026-01-02"), "UTC"),
                "from must be a date",
            ),
            (
                query("custom", Some("2026-02-01"), Some("2026-01-02"), "UTC"),
                "must not be after to",
            ),
            (
                query("custom", Some("2024-01-01"), Some("2025-01-01"), "UTC"),
                "at most 366 days",
            ),
            (
                query("custom", Some("2026-06-02"), Some("2026-06-03"), "UTC"),
                "after today",
            ),
            (
                query("today", Some("2026-06-02"), None, "UTC"),
                "only with period=custom",
            ),
        ];
        for (query, expected) in cases {
            let error = ResolvedPeriod::resolve(&query, now).unwrap_err();
            assert!(error.to_string().contains(expected), "{query:?}: {error}");
        }
    }
}
