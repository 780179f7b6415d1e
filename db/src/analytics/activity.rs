//! Loading who was active when: whole quarter-hour slots come from the
//! rollup, the partial slots at the edges of an interval (and slots split
//! by a change of offset) from raw events.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::calendar::Split;
use crate::error::Result;
use crate::store::{AgentRef, SlotActivity, Store};
use crate::time::SLOT_MS;

/// Activity of an interval as rows ordered by slot, part of slot, then
/// user, restricted exactly to the interval's instants.
#[derive(Debug, Default)]
pub struct Activity {
    pub rows: Vec<SlotActivity>,
}

impl Activity {
    /// The activity of the instants `[from_ms, to_ms)`, for figures that
    /// do not depend on local time.
    pub async fn load(
        store: &Store,
        agent: &AgentRef,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Activity> {
        Activity::load_placed(store, agent, from_ms, to_ms, &HashMap::new()).await
    }

    /// The same, with the slots that `splits` cuts in two read from raw
    /// events so that each part can be placed in its own local hour.
    pub async fn load_placed(
        store: &Store,
        agent: &AgentRef,
        from_ms: i64,
        to_ms: i64,
        splits: &HashMap<i64, Split>,
    ) -> Result<Activity> {
        if from_ms >= to_ms {
            return Ok(Activity::default());
        }
        let first_whole = (from_ms + SLOT_MS - 1).div_euclid(SLOT_MS);
        let end_whole = to_ms.div_euclid(SLOT_MS);
        if first_whole >= end_whole {
            return Ok(Activity {
                rows: raw_rows(store, agent, from_ms, to_ms, splits).await?,
            });
        }
        let mut rows = raw_rows(store, agent, from_ms, first_whole * SLOT_MS, splits).await?;
        let whole = store.slot_activity(agent, first_whole, end_whole).await?;
        let mut split_slots: Vec<i64> = splits
            .keys()
            .copied()
            .filter(|slot| (first_whole..end_whole).contains(slot))
            .collect();
        split_slots.sort_unstable();
        let mut pending = split_slots.iter().peekable();
        for row in whole {
            // Before each split slot's rollup rows, its raw events instead.
            while let Some(&&slot) = pending.peek()
                && slot <= row.slot
            {
                rows.extend(
                    raw_rows(store, agent, slot * SLOT_MS, (slot + 1) * SLOT_MS, splits).await?,
                );
                pending.next();
            }
            if !splits.contains_key(&row.slot) {
                rows.push(row);
            }
        }
        for &slot in pending {
            rows.extend(
                raw_rows(store, agent, slot * SLOT_MS, (slot + 1) * SLOT_MS, splits).await?,
            );
        }
        rows.extend(raw_rows(store, agent, end_whole * SLOT_MS, to_ms, splits).await?);
        Ok(Activity { rows })
    }

    pub fn distinct_users(&self) -> u64 {
        self.rows
            .iter()
            .map(|row| row.user)
            .collect::<HashSet<_>>()
            .len() as u64
    }

    pub fn messages(&self) -> u64 {
        self.rows.iter().map(|row| row.messages as u64).sum()
    }
}

/// Raw events of `[from_ms, to_ms)` folded into rows.
async fn raw_rows(
    store: &Store,
    agent: &AgentRef,
    from_ms: i64,
    to_ms: i64,
    splits: &HashMap<i64, Split>,
) -> Result<Vec<SlotActivity>> {
    if from_ms >= to_ms {
        return Ok(Vec::new());
    }
    let mut folded: BTreeMap<(i64, bool, i64), i64> = BTreeMap::new();
    for event in store.raw_activity(agent, from_ms, to_ms).await? {
        let slot = event.at.div_euclid(SLOT_MS);
        let late = splits
            .get(&slot)
            .is_some_and(|split| event.at >= split.at_ms);
        *folded.entry((slot, late, event.user)).or_default() += i64::from(event.is_message);
    }
    Ok(folded
        .into_iter()
        .map(|((slot, late, user), messages)| SlotActivity {
            slot,
            late,
            user,
            messages,
        })
        .collect())
}
