//! The facts of one period that every figure is computed from: which users
//! were active in which trend bucket, local hour and local day, and where
//! the messages fell. Whole UTC days come from the rollups; the partial days
//! at a period's edges, and quarter hours split by a change of offset (see
//! `Calendar`), come from raw events, each placed by its own instant.

use std::collections::{HashMap, HashSet};

use super::calendar::{Calendar, SlotPlace};
use crate::error::Result;
use crate::store::{AgentRef, Store};
use crate::time::{DAY_MS, SLOT_MS, SLOTS_PER_DAY};

#[derive(Debug, Default)]
pub struct Facts {
    pub users: HashSet<i64>,
    /// Distinct (trend bucket, user), (local hour, user) and (local day, user) pairs.
    pub user_buckets: Vec<(u32, i64)>,
    pub user_hours: Vec<(u32, i64)>,
    pub user_days: Vec<(u32, i64)>,
    pub user_messages: HashMap<i64, u64>,
    /// Messages per trend bucket and per local hour.
    pub bucket_messages: Vec<u64>,
    pub hour_messages: Vec<u64>,
}

impl Facts {
    /// The facts of the instants `[from_ms, to_ms)` laid out by `calendar`.
    pub async fn load(
        store: &Store,
        agent: &AgentRef,
        calendar: &Calendar,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Facts> {
        let mut facts = Facts {
            bucket_messages: vec![0; calendar.bucket_starts.len()],
            hour_messages: vec![0; calendar.hour_cells.len()],
            ..Facts::default()
        };
        let (first_day, end_day) = whole_days(from_ms, to_ms);
        if first_day >= end_day {
            facts
                .add_raw(store, agent, calendar, from_ms, to_ms, true)
                .await?;
            return Ok(facts.finish());
        }
        facts
            .add_raw(store, agent, calendar, from_ms, first_day * DAY_MS, true)
            .await?;
        facts
            .add_raw(store, agent, calendar, end_day * DAY_MS, to_ms, true)
            .await?;
        let is_split = |slot: i64| calendar.splits.contains_key(&slot);
        for row in store.day_activity(agent, first_day, end_day).await? {
            *facts.user_messages.entry(row.user).or_default() += row.activity.messages as u64;
            let mut last: Option<SlotPlace> = None;
            let mut quarters = row.activity.quarters;
            while quarters != 0 {
                let slot = row.day * SLOTS_PER_DAY + i64::from(quarters.trailing_zeros());
                quarters &= quarters - 1;
                if is_split(slot) {
                    continue;
                }
                let place = calendar.place_of(slot, false);
                // Consecutive quarters of one hour are one fact.
                if last != Some(place) {
                    facts.present(place, row.user);
                    last = Some(place);
                }
            }
        }
        let (first_slot, end_slot) = (first_day * SLOTS_PER_DAY, end_day * SLOTS_PER_DAY);
        for (slot, messages) in store.message_slots(agent, first_slot, end_slot).await? {
            if !is_split(slot) {
                facts.messages_at(calendar.place_of(slot, false), messages as u64);
            }
        }
        let mut splits: Vec<i64> = calendar
            .splits
            .keys()
            .copied()
            .filter(|s| (first_slot..end_slot).contains(s))
            .collect();
        splits.sort_unstable();
        for slot in splits {
            // The day rows counted these users' messages already.
            facts
                .add_raw(
                    store,
                    agent,
                    calendar,
                    slot * SLOT_MS,
                    (slot + 1) * SLOT_MS,
                    false,
                )
                .await?;
        }
        Ok(facts.finish())
    }

    async fn add_raw(
        &mut self,
        store: &Store,
        agent: &AgentRef,
        calendar: &Calendar,
        from_ms: i64,
        to_ms: i64,
        count_user_messages: bool,
    ) -> Result<()> {
        if from_ms >= to_ms {
            return Ok(());
        }
        for event in store.raw_activity(agent, from_ms, to_ms).await? {
            let place = calendar.place_at(event.at);
            self.present(place, event.user);
            if event.is_message {
                self.messages_at(place, 1);
                if count_user_messages {
                    *self.user_messages.entry(event.user).or_default() += 1;
                }
            }
        }
        Ok(())
    }

    fn present(&mut self, place: SlotPlace, user: i64) {
        self.users.insert(user);
        self.user_buckets.push((place.bucket, user));
        self.user_hours.push((place.hour, user));
        self.user_days.push((place.day, user));
    }

    fn messages_at(&mut self, place: SlotPlace, messages: u64) {
        self.bucket_messages[place.bucket as usize] += messages;
        self.hour_messages[place.hour as usize] += messages;
    }

    fn finish(mut self) -> Facts {
        for pairs in [
            &mut self.user_buckets,
            &mut self.user_hours,
            &mut self.user_days,
        ] {
            pairs.sort_unstable();
            pairs.dedup();
        }
        self
    }

    pub fn messages(&self) -> u64 {
        self.bucket_messages.iter().sum()
    }
}

/// Distinct users and messages of `[from_ms, to_ms)`, for figures that do
/// not depend on local time (previous period, last 30 days).
pub async fn summary(
    store: &Store,
    agent: &AgentRef,
    from_ms: i64,
    to_ms: i64,
) -> Result<(HashSet<i64>, u64)> {
    let mut users = HashSet::new();
    let mut messages = 0;
    let mut add_raw = async |from: i64, to: i64| -> Result<()> {
        if from < to {
            for event in store.raw_activity(agent, from, to).await? {
                users.insert(event.user);
                messages += u64::from(event.is_message);
            }
        }
        Ok(())
    };
    let (first_day, end_day) = whole_days(from_ms, to_ms);
    if first_day >= end_day {
        add_raw(from_ms, to_ms).await?;
    } else {
        add_raw(from_ms, first_day * DAY_MS).await?;
        add_raw(end_day * DAY_MS, to_ms).await?;
        let (day_users, day_messages) = store.day_summary(agent, first_day, end_day).await?;
        users.extend(day_users);
        messages += day_messages;
    }
    Ok((users, messages))
}

/// The whole UTC days `[first, end)` inside `[from_ms, to_ms)`.
fn whole_days(from_ms: i64, to_ms: i64) -> (i64, i64) {
    (
        (from_ms + DAY_MS - 1).div_euclid(DAY_MS),
        to_ms.div_euclid(DAY_MS),
    )
}
