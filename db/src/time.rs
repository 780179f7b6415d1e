//! Instants and local time: milliseconds since the epoch in storage, IANA
//! zones for every local figure.

use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// Milliseconds in one rollup slot (a UTC quarter hour).
pub const SLOT_MS: i64 = 15 * 60 * 1000;

/// Milliseconds in a UTC day.
pub const DAY_MS: i64 = 24 * 60 * 60 * 1000;
/// Quarter-hour slots in a UTC day.
pub const SLOTS_PER_DAY: i64 = DAY_MS / SLOT_MS;

/// How long after a write's clock a reader may still take the write's open
/// days for closed: the longest write transaction plus the largest clock
/// difference between two servers on one database (see [`closed_until`]).
const CLOSING_MARGIN_MS: i64 = 60 * 60 * 1000;

/// Whether an event at `at`, written at `now`, changes the history of its
/// agent (the days before yesterday, UTC) rather than only its open days:
/// such a write raises the agent's history version (migration 0011).
pub fn is_history(at: i64, now: Millis) -> bool {
    at.div_euclid(DAY_MS) < now.0.div_euclid(DAY_MS) - 1
}

/// The instant before which a reader at `now` takes activity as closed,
/// that is changed only by writes that raise the history version: the
/// start of the UTC day before the day of `now` less the margin. A write
/// that did not raise it (all its events on or after the day before its
/// own clock's day) therefore lies after this instant unless its
/// transaction outlived the margin.
pub fn closed_until(now: Millis) -> Millis {
    Millis(((now.0 - CLOSING_MARGIN_MS).div_euclid(DAY_MS) - 1) * DAY_MS)
}

/// Where the closed part of `[from, to)` ends for a reader at `now`: at
/// [`closed_until`], or at the range's last UTC midnight when that is
/// earlier (a range ending at a moving instant, like Today's previous
/// period, then keeps one closed part all day), never before `from`.
pub fn closed_end(from: i64, to: i64, now: Millis) -> i64 {
    closed_until(now)
        .0
        .min(to.div_euclid(DAY_MS) * DAY_MS)
        .clamp(from, to)
}

/// An instant: milliseconds since the Unix epoch, as every table stores it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, sqlx::Type, serde::Deserialize,
)]
#[sqlx(transparent)]
pub struct Millis(pub i64);

impl From<DateTime<Utc>> for Millis {
    fn from(at: DateTime<Utc>) -> Millis {
        Millis(at.timestamp_millis())
    }
}

/// A UTC day, counted in days since the epoch: the rollups' day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, sqlx::Type)]
#[sqlx(transparent)]
pub struct Day(pub i64);

/// A UTC quarter hour, counted in quarters since the epoch: the rollups' slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, sqlx::Type)]
#[sqlx(transparent)]
pub struct Slot(pub i64);

impl Millis {
    /// The server's clock now.
    pub fn now() -> Millis {
        Millis(Utc::now().timestamp_millis())
    }

    /// The quarter-hour slot holding this instant.
    pub fn slot(self) -> Slot {
        Slot(self.0.div_euclid(SLOT_MS))
    }

    /// The UTC day holding this instant and its quarter hour of that day (0..96).
    pub fn day_and_quarter(self) -> (Day, u32) {
        (
            Day(self.0.div_euclid(DAY_MS)),
            (self.0.rem_euclid(DAY_MS) / SLOT_MS) as u32,
        )
    }
}

impl Day {
    /// The first slot of this day.
    pub fn first_slot(self) -> Slot {
        Slot(self.0 * SLOTS_PER_DAY)
    }
}

impl Slot {
    /// The instant this slot begins.
    pub fn start(self) -> Millis {
        Millis(self.0 * SLOT_MS)
    }
}

/// An instant in milliseconds since the epoch (anything finer is dropped), as
/// the tables store it.
pub fn to_millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

/// The instant `at_ms` milliseconds after the epoch. Panics outside chrono's
/// range (about 262,000 years either way).
pub fn from_millis(at_ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(at_ms).expect("instant within chrono's range")
}

/// Parses an IANA zone name such as `Europe/Paris`.
pub fn parse_zone(name: &str) -> Option<Tz> {
    name.parse().ok()
}

/// The first instant whose local date is `date` in `tz`: local midnight, or
/// the end of the gap when midnight is skipped by a DST change.
pub fn day_start(tz: Tz, date: NaiveDate) -> DateTime<Utc> {
    resolve_local(tz, date.and_hms_opt(0, 0, 0).expect("midnight exists"))
}

/// The instant of local time `local`: the earlier one when the time occurs
/// twice, and the first instant after the gap when it does not occur.
pub fn resolve_local(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(at) => at.with_timezone(&Utc),
        LocalResult::Ambiguous(earlier, _) => earlier.with_timezone(&Utc),
        LocalResult::None => {
            // Gaps are whole minutes; walk forward to the first local time that exists.
            let mut probe = local;
            for _ in 0..(48 * 60) {
                probe += Duration::minutes(1);
                if let Some(at) = tz.from_local_datetime(&probe).earliest() {
                    return at.with_timezone(&Utc);
                }
            }
            unreachable!("no time zone skips two days")
        }
    }
}

/// Today's local date in `tz` at instant `now`.
pub fn local_date(tz: Tz, at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&tz).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Offset, Timelike};

    fn offset_at(tz: Tz, at: DateTime<Utc>) -> i32 {
        tz.offset_from_utc_datetime(&at.naive_utc())
            .fix()
            .local_minus_utc()
    }

    /// The rollup's premise: since 2000, in every zone, every offset is a
    /// multiple of 15 minutes, so a quarter-hour slot lies in one local hour
    /// unless the offset changes inside it (see analytics::Calendar, which
    /// splits such slots; a few zones changed at one minute past the hour).
    #[test]
    fn every_zone_offset_since_2000_is_a_multiple_of_15_minutes() {
        let end = Utc.with_ymd_and_hms(2038, 1, 1, 0, 0, 0).unwrap();
        let mut off_quarter_changes = 0;
        for tz in chrono_tz::TZ_VARIANTS {
            let mut at = Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).unwrap();
            let mut offset = offset_at(tz, at);
            assert_eq!(offset % 900, 0, "{tz} at {at}");
            while at < end {
                let next_day = at + Duration::days(1);
                let next_offset = offset_at(tz, next_day);
                if next_offset != offset {
                    assert_eq!(next_offset % 900, 0, "{tz} at {next_day}");
                    let (mut before, mut after) = (at, next_day);
                    while after - before > Duration::seconds(1) {
                        let middle = before + (after - before) / 2;
                        if offset_at(tz, middle) == offset {
                            before = middle;
                        } else {
                            after = middle;
                        }
                    }
                    off_quarter_changes += usize::from(after.timestamp() % 900 != 0);
                }
                at = next_day;
                offset = next_offset;
            }
        }
        // The split-slot path is needed: such changes exist (Casey, St Johns...).
        assert!(off_quarter_changes > 0);
    }

    #[test]
    fn a_skipped_midnight_starts_the_day_after_the_gap() {
        // America/Santiago sprang forward at 2022-09-11 00:00 -> 01:00.
        let tz: Tz = "America/Santiago".parse().unwrap();
        let start = day_start(tz, NaiveDate::from_ymd_opt(2022, 9, 11).unwrap()).with_timezone(&tz);
        assert_eq!((start.hour(), start.minute()), (1, 0));
        assert_eq!(
            start.date_naive(),
            NaiveDate::from_ymd_opt(2022, 9, 11).unwrap()
        );
    }

    /// A write that does not raise the history version (every event on or
    /// after the day before its clock's) lies after what any reader whose
    /// clock is at most the margin later takes as closed; around midnights,
    /// at the edges of the margin.
    #[test]
    fn open_day_writes_are_never_in_a_readers_closed_days() {
        let midnight = 20_000 * DAY_MS;
        for writer_now in [midnight - 1, midnight, midnight + 1, midnight + DAY_MS / 2] {
            for late_by in [0, 1, CLOSING_MARGIN_MS / 2, CLOSING_MARGIN_MS] {
                let closed = closed_until(Millis(writer_now + late_by));
                for at in (writer_now - 3 * DAY_MS..writer_now + DAY_MS).step_by(60_000) {
                    if !is_history(at, Millis(writer_now)) {
                        assert!(
                            at >= closed.0,
                            "write at {writer_now}, read {late_by} later"
                        );
                    }
                }
            }
        }
        // And a reader does take the day before yesterday as closed.
        assert_eq!(
            closed_until(Millis(midnight + DAY_MS / 2)),
            Millis(midnight - DAY_MS)
        );
    }
}
