//! Loading who was active when: whole quarter-hour slots come from the
//! rollup, the partial slots at the edges of an interval from raw events.

use std::collections::{BTreeMap, HashSet};

use crate::error::Result;
use crate::store::{AgentRef, SlotActivity, Store};
use crate::time::SLOT_MS;

/// Activity of an interval as (slot, user, messages) rows ordered by slot
/// then user, restricted exactly to the interval's instants.
#[derive(Debug, Default)]
pub struct Activity {
    pub rows: Vec<SlotActivity>,
}

impl Activity {
    /// The activity of the instants `[from_ms, to_ms)`.
    pub async fn load(
        store: &Store,
        agent: &AgentRef,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Activity> {
        if from_ms >= to_ms {
            return Ok(Activity::default());
        }
        let first_whole = (from_ms + SLOT_MS - 1).div_euclid(SLOT_MS);
        let end_whole = to_ms.div_euclid(SLOT_MS);
        if first_whole >= end_whole {
            return Ok(Activity {
                rows: raw_rows(store, agent, from_ms, to_ms).await?,
            });
        }
        let mut rows = raw_rows(store, agent, from_ms, first_whole * SLOT_MS).await?;
        rows.extend(store.slot_activity(agent, first_whole, end_whole).await?);
        rows.extend(raw_rows(store, agent, end_whole * SLOT_MS, to_ms).await?);
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

/// Raw events of `[from_ms, to_ms)` folded into slot rows.
async fn raw_rows(
    store: &Store,
    agent: &AgentRef,
    from_ms: i64,
    to_ms: i64,
) -> Result<Vec<SlotActivity>> {
    if from_ms >= to_ms {
        return Ok(Vec::new());
    }
    let mut folded: BTreeMap<(i64, i64), i64> = BTreeMap::new();
    for event in store.raw_activity(agent, from_ms, to_ms).await? {
        *folded
            .entry((event.at.div_euclid(SLOT_MS), event.user))
            .or_default() += i64::from(event.is_message);
    }
    Ok(folded
        .into_iter()
        .map(|((slot, user), messages)| SlotActivity {
            slot,
            user,
            messages,
        })
        .collect())
}
