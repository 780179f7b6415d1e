//! The facts of one period that every figure is computed from: which users
//! were active in which trend bucket, local hour and local day, and where
//! the messages fell.
//!
//! Whole quarter hours come from the rollups: each user's day row says in
//! which quarters of that UTC day they were active, and messages per
//! quarter are kept per agent. Only what the rollups cannot tell apart is
//! read from raw events: the partial quarters at a period's edges (`now` is
//! rarely on a quarter), quarters split by a change of offset (see
//! `Calendar`), and each user's messages in the UTC days a period only
//! partly covers (counted by the database).

use std::collections::HashSet;

use futures::future::try_join_all;
use futures::{StreamExt, TryStreamExt};
use rustc_hash::FxHashMap;

use super::calendar::{Calendar, SlotPlace};
use crate::error::Result;
use crate::ids::UserKey;
use crate::store::{AgentRef, DayRow, RawActivity, Store};
use crate::time::{DAY_MS, Day, Millis, SLOT_MS, SLOTS_PER_DAY, Slot};

/// What every figure of one period is computed from: each user's trend
/// buckets, local hours and local days with activity and their messages,
/// and where the messages fell. Indexes are those of the period's
/// [`Calendar`].
///
/// Kept per user rather than as one list of (index, user) pairs: the
/// figures are counts of distinct users per index, which one pass over the
/// users gives without sorting or hashing pairs, and a year of a large
/// agent's pairs took far more memory (docs/BENCHMARKS.md, "A live agent,
/// and ten times the data (issue 12, session 9)").
#[derive(Debug, Default, Clone)]
pub struct Facts {
    /// Each user's place in `users`.
    index: FxHashMap<UserKey, u32>,
    /// The users with activity or messages, in the order first met.
    users: Vec<(UserKey, UserFacts)>,
    /// Messages per trend bucket.
    pub bucket_messages: Vec<u64>,
    /// Messages per local hour, an index into `Calendar::hour_cells` (the
    /// heatmap's `messages`).
    pub hour_messages: Vec<u64>,
    /// Whether only the per-user facts are kept.
    detail: Detail,
}

/// One user's facts in a period: sorted, distinct indexes of the period's
/// [`Calendar`] once the facts are finished.
#[derive(Debug, Default, Clone)]
pub struct UserFacts {
    /// Trend buckets with an event.
    pub buckets: Vec<u32>,
    /// Local hours with an event (the heatmap's learner-hours).
    pub hours: Vec<u32>,
    /// Local days with an event, from the period's first: `active_days`.
    pub days: Vec<u32>,
    /// Message events in the period (the user table's `messages`).
    pub messages: u64,
}

/// Adds `index` unless it is the last one added: most come in time order,
/// so this keeps the lists short until `finish` sorts them.
fn push_new(indexes: &mut Vec<u32>, index: u32) {
    if indexes.last() != Some(&index) {
        indexes.push(index);
    }
}

/// Which facts a load keeps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Detail {
    /// Everything every figure needs.
    #[default]
    Full,
    /// Only each user's days and messages (`UserFacts::days`, `messages`):
    /// the previous period's columns of the user table.
    PerUser,
}

/// How `[from_ms, to_ms)` splits into whole quarter hours and the rest.
#[derive(Debug, Clone, Copy)]
struct Span {
    from_ms: i64,
    to_ms: i64,
    /// Whole quarters `[first_slot, end_slot)`; empty when first >= end.
    first_slot: i64,
    end_slot: i64,
}

impl Span {
    fn new(from_ms: i64, to_ms: i64) -> Span {
        Span {
            from_ms,
            to_ms,
            first_slot: (from_ms + SLOT_MS - 1).div_euclid(SLOT_MS),
            end_slot: to_ms.div_euclid(SLOT_MS),
        }
    }

    fn has_whole_slots(&self) -> bool {
        self.first_slot < self.end_slot
    }

    /// The partial quarters at both ends, as instant ranges.
    fn partial_edges(&self) -> [(i64, i64); 2] {
        [
            (self.from_ms, self.first_slot * SLOT_MS),
            (self.end_slot * SLOT_MS, self.to_ms),
        ]
    }

    /// UTC days that hold any whole slot: `[first, end)`.
    fn days(&self) -> (i64, i64) {
        (
            self.first_slot.div_euclid(SLOTS_PER_DAY),
            (self.end_slot + SLOTS_PER_DAY - 1).div_euclid(SLOTS_PER_DAY),
        )
    }

    /// Whether all of UTC day `day` lies in the whole slots.
    fn covers_day(&self, day: i64) -> bool {
        day * SLOTS_PER_DAY >= self.first_slot && (day + 1) * SLOTS_PER_DAY <= self.end_slot
    }

    /// The quarters of `row`'s day that lie in the whole slots, as a mask.
    fn mask(&self, day: i64) -> u128 {
        let day_first = day * SLOTS_PER_DAY;
        let from = (self.first_slot - day_first).clamp(0, SLOTS_PER_DAY) as u32;
        let to = (self.end_slot - day_first).clamp(0, SLOTS_PER_DAY) as u32;
        let below = |n: u32| {
            if n >= 128 {
                u128::MAX
            } else {
                (1u128 << n) - 1
            }
        };
        below(to) & !below(from)
    }

    /// The instants of the whole slots in the days the span covers only in part.
    fn partial_days(&self) -> Vec<(i64, i64)> {
        let (first, end) = self.days();
        let (start, stop) = (self.first_slot * SLOT_MS, self.end_slot * SLOT_MS);
        let mut ranges: Vec<(i64, i64)> = [first, end - 1]
            .into_iter()
            .filter(|&day| !self.covers_day(day))
            .map(|day| (start.max(day * DAY_MS), stop.min((day + 1) * DAY_MS)))
            .collect();
        ranges.dedup();
        ranges
    }
}

impl UserFacts {
    fn sort_and_dedup(&mut self) {
        for indexes in [&mut self.buckets, &mut self.hours, &mut self.days] {
            indexes.sort_unstable();
            indexes.dedup();
        }
    }

    /// An event (or an active quarter) at `place`.
    fn present(&mut self, place: SlotPlace, detail: Detail) {
        push_new(&mut self.days, place.day);
        if detail == Detail::Full {
            push_new(&mut self.buckets, place.bucket);
            push_new(&mut self.hours, place.hour);
        }
    }
}

/// The slots in which `row`'s user was active, within `mask`.
fn row_slots(row: &DayRow, mask: u128) -> impl Iterator<Item = i64> + '_ {
    let mut quarters = row.activity.quarters & mask;
    std::iter::from_fn(move || {
        if quarters == 0 {
            return None;
        }
        let bit = quarters.trailing_zeros();
        quarters &= quarters - 1;
        Some(row.day.first_slot().0 + i64::from(bit))
    })
}

/// UTC days read in one query: a month of a large agent's rows is a few
/// megabytes of text, and a year is a dozen queries.
const DAYS_PER_READ: i64 = 32;

/// `[first_day, end_day)` in runs of at most `DAYS_PER_READ` days.
fn day_runs(first_day: i64, end_day: i64) -> impl Iterator<Item = (i64, i64)> {
    (first_day..end_day)
        .step_by(DAYS_PER_READ as usize)
        .map(move |from| (from, (from + DAYS_PER_READ).min(end_day)))
}

impl Facts {
    /// The facts of the instants `[from_ms, to_ms)` laid out by `calendar`.
    pub async fn load(
        store: &Store,
        agent: &AgentRef,
        calendar: &Calendar,
        (from_ms, to_ms): (i64, i64),
        detail: Detail,
    ) -> Result<Facts> {
        let mut facts = Facts {
            detail,
            ..Facts::empty(calendar)
        };
        let span = Span::new(from_ms, to_ms);
        if !span.has_whole_slots() {
            let events = raw_ranges(store, agent, &[(from_ms, to_ms)]).await?;
            facts.add_raw(calendar, &events, true);
            return Ok(facts.finish());
        }
        let mut splits: Vec<i64> = calendar
            .splits
            .keys()
            .copied()
            .filter(|s| (span.first_slot..span.end_slot).contains(s))
            .collect();
        splits.sort_unstable();
        // A binary search of (almost always) nothing: this runs for every
        // active quarter of the period.
        let is_split = |slot: i64| !splits.is_empty() && splits.binary_search(&slot).is_ok();
        let split_ranges: Vec<(i64, i64)> = splits
            .iter()
            .map(|slot| (slot * SLOT_MS, (slot + 1) * SLOT_MS))
            .collect();
        // Independent reads, at once (each is a round trip to the database).
        let (first_day, end_day) = span.days();
        let (edges, edge_days) = (span.partial_edges(), span.partial_days());
        let detail = facts.detail;
        // The day rows come in runs of days, each added while the next is
        // read: a year of a large agent is many rows, which read at once
        // took much memory (the database's packed text, its copy here and
        // the rows parsed from it) for a moment (docs/BENCHMARKS.md,
        // "Fewer round trips, bounded memory, compression by reuse (issue
        // 12, session 10)").
        let day_rows = async {
            let mut runs = futures::stream::iter(day_runs(first_day, end_day))
                .map(|(from, to)| store.day_activity(agent, Day(from), Day(to)))
                .buffered(2);
            while let Some(rows) = runs.try_next().await? {
                facts.add_day_rows(calendar, &span, &rows, &is_split, detail);
            }
            Ok(())
        };
        let (edge_events, (), edge_day_messages, slot_messages, split_events) = tokio::try_join!(
            raw_ranges(store, agent, &edges),
            day_rows,
            user_messages_of(store, agent, &edge_days),
            store.message_slots(agent, Slot(span.first_slot), Slot(span.end_slot)),
            raw_ranges(store, agent, &split_ranges),
        )?;
        facts.add_raw(calendar, &edge_events, true);
        for (user, messages) in edge_day_messages {
            facts.user(user).messages += messages as u64;
        }
        for (Slot(slot), messages) in slot_messages {
            if !is_split(slot) {
                facts.messages_at(calendar.place_of(slot, false), messages as u64);
            }
        }
        // The users' messages of split slots are counted above already.
        facts.add_raw(calendar, &split_events, false);
        Ok(facts.finish())
    }

    /// The rollup rows `rows`, of the whole slots of `span` (slots that are
    /// split are read raw).
    fn add_day_rows(
        &mut self,
        calendar: &Calendar,
        span: &Span,
        rows: &[DayRow],
        is_split: &impl Fn(i64) -> bool,
        detail: Detail,
    ) {
        for row in rows {
            let user = self.user(row.user);
            if span.covers_day(row.day.0) {
                user.messages += row.activity.messages as u64;
            }
            let mut last: Option<SlotPlace> = None;
            for slot in row_slots(row, span.mask(row.day.0)).filter(|slot| !is_split(*slot)) {
                let place = calendar.place_of(slot, false);
                // Consecutive quarters of one hour are one fact.
                if last != Some(place) {
                    user.present(place, detail);
                    last = Some(place);
                }
            }
        }
    }

    fn add_raw(&mut self, calendar: &Calendar, events: &[RawActivity], count_user_messages: bool) {
        let detail = self.detail;
        for event in events {
            let place = calendar.place_at(event.at.0);
            let user = self.user(event.user);
            user.present(place, detail);
            if event.is_message && count_user_messages {
                user.messages += 1;
            }
            if event.is_message {
                self.messages_at(place, 1);
            }
        }
    }

    /// `key`'s facts, empty when first met.
    fn user(&mut self, key: UserKey) -> &mut UserFacts {
        let next = self.users.len() as u32;
        let index = *self.index.entry(key).or_insert(next);
        if index == next {
            self.users.push((key, UserFacts::default()));
        }
        &mut self.users[index as usize].1
    }

    fn messages_at(&mut self, place: SlotPlace, messages: u64) {
        if self.detail == Detail::PerUser {
            return;
        }
        self.bucket_messages[place.bucket as usize] += messages;
        self.hour_messages[place.hour as usize] += messages;
    }

    fn finish(mut self) -> Facts {
        for (_, user) in &mut self.users {
            user.sort_and_dedup();
        }
        self
    }

    /// Each user with an event in the period, and their facts.
    pub fn users(&self) -> impl Iterator<Item = (UserKey, &UserFacts)> {
        self.users
            .iter()
            .filter(|(_, user)| !user.days.is_empty())
            .map(|(key, user)| (*key, user))
    }

    /// `key`'s facts, if they had an event in the period.
    pub fn of(&self, key: UserKey) -> Option<&UserFacts> {
        let index = *self.index.get(&key)?;
        Some(&self.users[index as usize].1).filter(|user| !user.days.is_empty())
    }

    /// These facts with `later`'s, the facts of the instants right after
    /// these laid out by `calendar`, whose indexes these share (they were
    /// laid out from the same first instant, zone and granularity).
    pub fn merged_with(&self, later: Facts, calendar: &Calendar) -> Facts {
        let mut merged = self.clone();
        for (key, user) in later.users {
            let into = merged.user(key);
            into.buckets.extend(user.buckets);
            into.hours.extend(user.hours);
            into.days.extend(user.days);
            into.messages += user.messages;
            // A local hour or day may straddle the two.
            into.sort_and_dedup();
        }
        merged
            .bucket_messages
            .resize(calendar.bucket_starts.len(), 0);
        merged.hour_messages.resize(calendar.hour_cells.len(), 0);
        for (sum, more) in merged.bucket_messages.iter_mut().zip(later.bucket_messages) {
            *sum += more;
        }
        for (sum, more) in merged.hour_messages.iter_mut().zip(later.hour_messages) {
            *sum += more;
        }
        merged
    }

    /// Whether these facts are laid out by `calendar`'s numbers of trend
    /// buckets and local hours (facts kept from a longer period are not).
    pub fn fits(&self, calendar: &Calendar) -> bool {
        self.bucket_messages.len() == calendar.bucket_starts.len()
            && self.hour_messages.len() == calendar.hour_cells.len()
    }

    /// Gives back the lists' spare room: for facts kept a long time.
    pub fn compact(mut self) -> Facts {
        for (_, user) in &mut self.users {
            for indexes in [&mut user.buckets, &mut user.hours, &mut user.days] {
                indexes.shrink_to_fit();
            }
        }
        self.users.shrink_to_fit();
        self
    }

    /// About how many bytes these facts take.
    pub fn weight(&self) -> u64 {
        let indexes: usize = self
            .users
            .iter()
            .map(|(_, user)| user.buckets.capacity() + user.hours.capacity() + user.days.capacity())
            .sum();
        let vectors = self.bucket_messages.len() + self.hour_messages.len();
        (indexes * 4 + self.users.len() * 112 + vectors * 8) as u64
    }

    /// Distinct users active in the period.
    pub fn active_users(&self) -> u64 {
        self.users().count() as u64
    }

    /// No facts yet, laid out by `calendar`.
    fn empty(calendar: &Calendar) -> Facts {
        Facts {
            bucket_messages: vec![0; calendar.bucket_starts.len()],
            hour_messages: vec![0; calendar.hour_cells.len()],
            ..Facts::default()
        }
    }

    /// The facts of raw events alone (one learner's, for the learner view).
    pub fn of_events(calendar: &Calendar, events: &[RawActivity]) -> Facts {
        Facts::of_events_with(calendar, events, Detail::Full)
    }

    /// The `detail` facts of raw events alone (a section's learners).
    pub fn of_events_with(calendar: &Calendar, events: &[RawActivity], detail: Detail) -> Facts {
        let mut facts = Facts {
            detail,
            ..Facts::empty(calendar)
        };
        facts.add_raw(calendar, events, true);
        facts.finish()
    }

    /// The mean over the period's `days` local days of each day's distinct
    /// users (the sum of each user's distinct days): 0 for no day.
    pub fn average_daily_users(&self, days: u32) -> f64 {
        if days == 0 {
            return 0.0;
        }
        let user_days: usize = self.users().map(|(_, user)| user.days.len()).sum();
        user_days as f64 / f64::from(days)
    }

    /// Message events in the period: the sum over its trend buckets.
    pub fn messages(&self) -> u64 {
        self.bucket_messages.iter().sum()
    }
}

/// The raw events of each non-empty range, together.
async fn raw_ranges(
    store: &Store,
    agent: &AgentRef,
    ranges: &[(i64, i64)],
) -> Result<Vec<RawActivity>> {
    // At once: each is a round trip, dear on PostgreSQL.
    let reads = ranges
        .iter()
        .filter(|(from, to)| from < to)
        .map(|&(from, to)| store.raw_activity(agent, Millis(from), Millis(to)));
    Ok(try_join_all(reads).await?.concat())
}

/// Messages per user in each range, together.
async fn user_messages_of(
    store: &Store,
    agent: &AgentRef,
    ranges: &[(i64, i64)],
) -> Result<Vec<(UserKey, i64)>> {
    let reads = ranges
        .iter()
        .map(|&(from, to)| store.user_messages(agent, Millis(from), Millis(to)));
    Ok(try_join_all(reads).await?.concat())
}

/// Distinct users and messages of `[from_ms, to_ms)`, for figures that do
/// not depend on local time (previous period, last 30 days).
pub async fn summary(
    store: &Store,
    agent: &AgentRef,
    from_ms: i64,
    to_ms: i64,
) -> Result<(HashSet<UserKey>, u64)> {
    let span = Span::new(from_ms, to_ms);
    let whole_slot_messages = async {
        if span.has_whole_slots() {
            store
                .message_total(agent, Slot(span.first_slot), Slot(span.end_slot))
                .await
        } else {
            Ok(0)
        }
    };
    let ((users, raw_messages), whole_slot_messages) = tokio::try_join!(
        span_users(store, agent, from_ms, to_ms),
        whole_slot_messages
    )?;
    Ok((users, whole_slot_messages + raw_messages))
}

/// Distinct users of `[from_ms, to_ms)` (the last 30 days need no messages:
/// one query fewer, a round trip on PostgreSQL).
pub async fn active_users(
    store: &Store,
    agent: &AgentRef,
    from_ms: i64,
    to_ms: i64,
) -> Result<HashSet<UserKey>> {
    Ok(span_users(store, agent, from_ms, to_ms).await?.0)
}

/// Distinct users of `[from_ms, to_ms)`, and the messages of the parts of
/// it read raw (the partial quarters at its edges; all of it when it has no
/// whole quarter).
async fn span_users(
    store: &Store,
    agent: &AgentRef,
    from_ms: i64,
    to_ms: i64,
) -> Result<(HashSet<UserKey>, u64)> {
    let span = Span::new(from_ms, to_ms);
    if !span.has_whole_slots() {
        let events = raw_ranges(store, agent, &[(from_ms, to_ms)]).await?;
        return Ok(raw_summary(&events));
    }
    let (first_day, end_day) = span.days();
    let whole_first = if span.covers_day(first_day) {
        first_day
    } else {
        first_day + 1
    };
    let whole_end = if span.covers_day(end_day - 1) {
        end_day
    } else {
        end_day - 1
    };
    let mut edge_days = vec![first_day, end_day - 1];
    edge_days.dedup();
    edge_days.retain(|day| !span.covers_day(*day));
    let whole_days = async {
        if whole_first < whole_end {
            store
                .day_users(agent, Day(whole_first), Day(whole_end))
                .await
        } else {
            Ok(Vec::new())
        }
    };
    let edge_day_rows = async {
        let reads = edge_days
            .iter()
            .map(|&day| store.day_activity(agent, Day(day), Day(day + 1)));
        Ok::<_, crate::error::StoreError>(try_join_all(reads).await?.concat())
    };
    // Independent reads, at once (each is a round trip to the database).
    let edges = span.partial_edges();
    let (edge_events, whole_day_users, edge_day_rows) =
        tokio::try_join!(raw_ranges(store, agent, &edges), whole_days, edge_day_rows,)?;
    let (mut users, edge_messages) = raw_summary(&edge_events);
    users.extend(whole_day_users);
    users.extend(
        edge_day_rows
            .iter()
            .filter(|row| row.activity.quarters & span.mask(row.day.0) != 0)
            .map(|row| row.user),
    );
    Ok((users, edge_messages))
}

/// Distinct users and messages of raw events.
pub fn raw_summary(events: &[RawActivity]) -> (HashSet<UserKey>, u64) {
    let users = events.iter().map(|event| event.user).collect();
    let messages = events.iter().filter(|event| event.is_message).count() as u64;
    (users, messages)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_runs_cover_the_days_once_in_order() {
        for (first, end) in [(0, 0), (5, 6), (10, 42), (10, 43), (-400, 0), (3, 400)] {
            let runs: Vec<(i64, i64)> = day_runs(first, end).collect();
            let mut next = first;
            for &(from, to) in &runs {
                assert_eq!(from, next, "{first}..{end}: no gap or overlap");
                assert!(
                    from < to && to - from <= DAYS_PER_READ,
                    "{first}..{end}: {from}..{to}"
                );
                next = to;
            }
            assert_eq!(next, end, "{first}..{end}: every day");
            let expected = (end - first + DAYS_PER_READ - 1) / DAYS_PER_READ;
            assert_eq!(
                runs.len() as i64,
                expected,
                "{first}..{end}: as few reads as can be"
            );
        }
    }
}
