//! Where each quarter-hour slot of a period falls in the viewer's local
//! time: its trend bucket, its local hour and its local day. Computed from
//! the zone's rules once per request; the figures then only look slots up.
//!
//! Since 2000 every zone's offset is a multiple of 15 minutes, so a slot
//! normally lies in one local hour. A few transitions happen one minute past
//! a quarter hour (America/St_Johns and Goose_Bay until 2011, Gaza and
//! Hebron in 2010-2011, Antarctica/Casey until 2022): such a slot is *split*
//! at the transition, and its activity is read from raw events, each placed
//! by its own instant.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Offset, TimeZone, Timelike};
use chrono_tz::Tz;
use pulse_model::{Granularity, HeatmapGrid};

use crate::time::{SLOT_MS, from_millis};

/// The local placement of (part of) one slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotPlace {
    pub bucket: u32,
    /// Index of the local (date, hour) pair: the repeated hour of a
    /// fall-back night is one local hour, unlike its two trend buckets.
    /// Not always one run of slots: Chatham's 03:45 -> 02:45 repeats part
    /// of two hours, so the same hour comes back after another.
    pub hour: u32,
    pub day: u32,
}

/// A slot in which the offset changes: from `at_ms` on, it is placed at `place`.
#[derive(Debug, Clone, Copy)]
pub struct Split {
    pub at_ms: i64,
    pub place: SlotPlace,
}

/// How the quarter-hour slots of one period fall in the viewer's local time:
/// the trend buckets, local hours and local days the period touches. Built once
/// per request from the zone's rules.
#[derive(Debug, Clone)]
pub struct Calendar {
    /// Whether the trend's buckets are local hours or local days.
    pub granularity: Granularity,
    /// The slot (UTC quarter hours since the epoch) holding the period's first
    /// instant: `places[0]` is its place.
    pub first_slot: i64,
    /// The place of each slot's (first part's) instants, from `first_slot` on.
    pub places: Vec<SlotPlace>,
    /// The second part of each split slot.
    pub splits: HashMap<i64, Split>,
    /// Label (first instant, local offset) of each trend bucket.
    pub bucket_starts: Vec<DateTime<FixedOffset>>,
    /// (weekday from Monday, hour) of each local hour.
    pub hour_cells: Vec<(usize, usize)>,
    /// The local day (index) of each local hour.
    pub hour_days: Vec<u32>,
    /// The date of each local day.
    pub day_dates: Vec<NaiveDate>,
    /// How many local days the period touches; local days are numbered from 0
    /// in `SlotPlace::day`.
    pub day_count: u32,
}

/// Builds the calendar one part of a slot at a time, in time order.
struct Layout {
    tz: Tz,
    calendar: Calendar,
    hour_index: HashMap<(NaiveDate, u32), u32>,
    /// The last local hour placed and its index: most slots share it.
    last_hour: Option<((NaiveDate, u32), u32)>,
    last: Option<(BucketKey, NaiveDate)>,
}

impl Layout {
    /// Where the instant `at_ms` falls, opening a new bucket, hour or day
    /// when it starts one.
    fn place_at(&mut self, at_ms: i64, offset_seconds: i32) -> SlotPlace {
        // Local time by arithmetic: the offset is already known.
        let offset = FixedOffset::east_opt(offset_seconds).expect("a valid offset");
        let at = from_millis(at_ms).with_timezone(&offset);
        let local = at.naive_local();
        let date = local.date();
        let calendar = &mut self.calendar;
        let bucket_key = match calendar.granularity {
            Granularity::Hour => BucketKey::Hour(date, local.hour(), offset_seconds),
            Granularity::Day => BucketKey::Day(date),
        };
        let (new_bucket, new_day) = match &self.last {
            None => (true, true),
            Some((bucket, day)) => (*bucket != bucket_key, *day != date),
        };
        if new_bucket {
            calendar.bucket_starts.push(at);
        }
        if new_day {
            calendar.day_count += 1;
            calendar.day_dates.push(date);
        }
        let hour_key = (date, local.hour());
        let hour = match self.last_hour {
            Some((key, index)) if key == hour_key => index,
            _ => {
                let (hour_cells, hour_days) = (&mut calendar.hour_cells, &mut calendar.hour_days);
                let day = calendar.day_count - 1;
                *self.hour_index.entry(hour_key).or_insert_with(|| {
                    hour_cells.push((
                        date.weekday().num_days_from_monday() as usize,
                        local.hour() as usize,
                    ));
                    hour_days.push(day);
                    hour_cells.len() as u32 - 1
                })
            }
        };
        self.last_hour = Some((hour_key, hour));
        self.last = Some((bucket_key, date));
        SlotPlace {
            bucket: calendar.bucket_starts.len() as u32 - 1,
            hour,
            day: calendar.day_count - 1,
        }
    }

    fn offset_at(&self, at_ms: i64) -> i32 {
        let at = from_millis(at_ms).naive_utc();
        self.tz
            .offset_from_utc_datetime(&at)
            .fix()
            .local_minus_utc()
    }

    /// The first millisecond of `(from, to]` with the offset of `to`.
    fn transition(&self, mut from: i64, mut to: i64) -> i64 {
        let after = self.offset_at(to);
        while to - from > 1 {
            let middle = from + (to - from) / 2;
            if self.offset_at(middle) == after {
                to = middle;
            } else {
                from = middle;
            }
        }
        to
    }
}

impl Calendar {
    /// Lays out `[start_ms, end_ms)` in `tz`, with hourly trend buckets or daily ones.
    pub fn new(tz: Tz, start_ms: i64, end_ms: i64, granularity: Granularity) -> Calendar {
        let first_slot = start_ms.div_euclid(SLOT_MS);
        let end_slot = (end_ms + SLOT_MS - 1).div_euclid(SLOT_MS);
        let calendar = Calendar {
            granularity,
            first_slot,
            places: Vec::with_capacity((end_slot - first_slot).max(0) as usize),
            splits: HashMap::new(),
            bucket_starts: Vec::new(),
            hour_cells: Vec::new(),
            hour_days: Vec::new(),
            day_dates: Vec::new(),
            day_count: 0,
        };
        let mut layout = Layout {
            tz,
            calendar,
            hour_index: HashMap::new(),
            last_hour: None,
            last: None,
        };
        // One zone lookup per slot: the offset at each slot's first instant.
        // Where it differs from the next slot's, the change may fall inside
        // this slot (then it is split) or exactly on the boundary.
        let mut offset = layout.offset_at(start_ms);
        for slot in first_slot..end_slot {
            // The part of the slot inside the period.
            let first = (slot * SLOT_MS).max(start_ms);
            let end = ((slot + 1) * SLOT_MS).min(end_ms);
            let place = layout.place_at(first, offset);
            layout.calendar.places.push(place);
            let next_offset = layout.offset_at(if end < end_ms { end } else { end - 1 });
            if next_offset != offset {
                let last_offset = if end < end_ms {
                    layout.offset_at(end - 1)
                } else {
                    next_offset
                };
                if last_offset != offset {
                    let at_ms = layout.transition(first, end - 1);
                    let place = layout.place_at(at_ms, last_offset);
                    layout.calendar.splits.insert(slot, Split { at_ms, place });
                }
            }
            offset = next_offset;
        }
        layout.calendar
    }

    /// Where the instants of a slot fall; `late`: the part after the change
    /// of offset, in a split slot.
    pub fn place_of(&self, slot: i64, late: bool) -> SlotPlace {
        if late && let Some(split) = self.splits.get(&slot) {
            return split.place;
        }
        self.places[(slot - self.first_slot) as usize]
    }

    /// Where the instant `at_ms` falls.
    pub fn place_at(&self, at_ms: i64) -> SlotPlace {
        let slot = at_ms.div_euclid(SLOT_MS);
        let late = self
            .splits
            .get(&slot)
            .is_some_and(|split| at_ms >= split.at_ms);
        self.place_of(slot, late)
    }

    /// How many local (date, hour) pairs of each weekday and hour the period touches.
    pub fn occurrences(&self) -> HeatmapGrid {
        let mut grid = [[0; 24]; 7];
        for &(weekday, hour) in &self.hour_cells {
            grid[weekday][hour] += 1;
        }
        grid
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BucketKey {
    Hour(NaiveDate, u32, i32),
    Day(NaiveDate),
}
