//! Where each quarter-hour slot of a period falls in the viewer's local
//! time: its trend bucket, its local hour and its local day. Computed from
//! the zone's rules once per request; the figures then only look slots up.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Offset, TimeZone, Timelike};
use chrono_tz::Tz;
use pulse_model::{Granularity, HeatmapGrid};

use crate::time::{SLOT_MS, from_millis};

/// The local placement of one slot.
#[derive(Debug, Clone, Copy)]
pub struct SlotPlace {
    pub bucket: u32,
    /// Index of the local (date, hour) pair: the repeated hour of a
    /// fall-back night is one local hour, unlike its two trend buckets.
    /// Not always one run of slots: Chatham's 03:45 -> 02:45 repeats part
    /// of two hours, so the same hour comes back after another.
    pub hour: u32,
    pub day: u32,
}

#[derive(Debug, Clone)]
pub struct Calendar {
    pub granularity: Granularity,
    pub first_slot: i64,
    /// One entry per slot from `first_slot` on.
    pub places: Vec<SlotPlace>,
    /// Label (first instant, local offset) of each trend bucket.
    pub bucket_starts: Vec<DateTime<FixedOffset>>,
    /// (weekday from Monday, hour) of each local hour.
    pub hour_cells: Vec<(usize, usize)>,
    pub day_count: u32,
}

impl Calendar {
    /// Lays out `[start_ms, end_ms)` in `tz`, with hourly trend buckets or daily ones.
    pub fn new(tz: Tz, start_ms: i64, end_ms: i64, granularity: Granularity) -> Calendar {
        let first_slot = start_ms.div_euclid(SLOT_MS);
        let end_slot = (end_ms + SLOT_MS - 1).div_euclid(SLOT_MS);
        let mut calendar = Calendar {
            granularity,
            first_slot,
            places: Vec::with_capacity((end_slot - first_slot).max(0) as usize),
            bucket_starts: Vec::new(),
            hour_cells: Vec::new(),
            day_count: 0,
        };
        let mut hour_index: HashMap<(NaiveDate, u32), u32> = HashMap::new();
        let mut last: Option<(BucketKey, NaiveDate)> = None;
        for slot in first_slot..end_slot {
            // The first instant of the period within this slot.
            let at = from_millis((slot * SLOT_MS).max(start_ms)).with_timezone(&tz);
            let local = at.naive_local();
            let offset = tz.offset_from_utc_datetime(&at.naive_utc()).fix();
            let date = local.date();
            let bucket_key = match granularity {
                Granularity::Hour => BucketKey::Hour(date, local.hour(), offset.local_minus_utc()),
                Granularity::Day => BucketKey::Day(date),
            };
            let (new_bucket, new_day) = match &last {
                None => (true, true),
                Some((bucket, day)) => (*bucket != bucket_key, *day != date),
            };
            if new_bucket {
                calendar.bucket_starts.push(at.with_timezone(&offset));
            }
            if new_day {
                calendar.day_count += 1;
            }
            let hour_cells = &mut calendar.hour_cells;
            let hour = *hour_index.entry((date, local.hour())).or_insert_with(|| {
                hour_cells.push((
                    date.weekday().num_days_from_monday() as usize,
                    local.hour() as usize,
                ));
                hour_cells.len() as u32 - 1
            });
            calendar.places.push(SlotPlace {
                bucket: calendar.bucket_starts.len() as u32 - 1,
                hour,
                day: calendar.day_count - 1,
            });
            last = Some((bucket_key, date));
        }
        calendar
    }

    pub fn place(&self, slot: i64) -> SlotPlace {
        self.places[(slot - self.first_slot) as usize]
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
