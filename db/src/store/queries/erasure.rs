//! Removing data: one learner on request (erasure) and events past the
//! purge period (`PULSE_RETENTION_DAYS`). Each removes, in the transaction that deletes the
//! events, every rollup row derived from them, so that the figures
//! afterwards equal those of a data set that never held them.

use std::collections::BTreeSet;

use sqlx::{QueryBuilder, Transaction};

use super::{BACKEND, Db, begin_write, raise_data_versions, rows_per_statement};
use crate::error::Result;
use crate::error::StoreError;
use crate::ids::{AgentKey, UserKey};
use crate::ingest::{Effects, EventKind, ValidEvent};
use crate::store::Backend;
use crate::store::access::Writer;
use crate::store::records::Erasure;
use crate::time::{Day, Millis};

/// Removes the learner `user_id` from every agent, logged as erased by
/// `erased_by` at `at`; `None` (nothing written) when no such user exists.
pub async fn forget_user(
    db: &Writer<Db>,
    user_id: &str,
    erased_by: &str,
    at: Millis,
) -> Result<Option<Erasure>> {
    let mut tx = begin_write(db).await?;
    let user: Option<(UserKey,)> = sqlx::query_as("SELECT id FROM users WHERE user_key = $1")
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?;
    let Some((user,)) = user else {
        return Ok(None);
    };
    // Every agent, not only those the rollups name: a learner's events are
    // found through the (agent, user) index whatever the rollups say.
    let agents: Vec<(AgentKey,)> = sqlx::query_as("SELECT id FROM agents ORDER BY id")
        .fetch_all(&mut *tx)
        .await?;
    let mut touched = BTreeSet::new();
    let mut events = 0;
    for (agent,) in agents {
        let removed = forget_on_agent(&mut tx, agent, user).await?;
        if removed.any {
            touched.insert(agent);
        }
        events += removed.events;
    }
    let registry: Vec<(AgentKey,)> = sqlx::query_as(
        "SELECT agent_id FROM memberships WHERE user_id = $1
         UNION SELECT s.agent_id FROM section_members m JOIN sections s ON s.id = m.section_id
               WHERE m.user_id = $1",
    )
    .bind(user)
    .fetch_all(&mut *tx)
    .await?;
    touched.extend(registry.into_iter().map(|(agent,)| agent));
    for sql in [
        "DELETE FROM memberships WHERE user_id = $1",
        "DELETE FROM section_members WHERE user_id = $1",
        "DELETE FROM users WHERE id = $1",
    ] {
        sqlx::query(sql).bind(user).execute(&mut *tx).await?;
    }
    sqlx::query(
        "INSERT INTO erasures (user_key, erased_by, erased_at, events) VALUES ($1, $2, $3, $4)",
    )
    .bind(user_id)
    .bind(erased_by)
    .bind(at)
    .bind(i64::try_from(events).unwrap_or(i64::MAX))
    .execute(&mut *tx)
    .await?;
    let touched: Vec<AgentKey> = touched.into_iter().collect();
    raise_data_versions(&mut tx, &touched).await?;
    tx.commit().await?;
    // The erased rows are zeros in the file (secure_delete), but the
    // write-ahead log still holds the pages as they were until a
    // checkpoint empties it: one now, at best (readers may keep it busy;
    // SQLite's own checkpoints follow within about 1,000 pages).
    if BACKEND == Backend::Sqlite
        && let Err(error) = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(db.pool())
            .await
    {
        tracing::warn!(%error, "no checkpoint after an erasure");
    }
    Ok(Some(Erasure {
        events,
        agents: touched.len() as u64,
    }))
}

/// What was removed of a learner on one agent.
struct Removed {
    events: u64,
    /// Anything at all: events, rollups or contact marks.
    any: bool,
}

/// Removes a learner's events on one agent and what was derived from them:
/// their day rollups, their share of the agent's message slots, their
/// latest activity, sessions and contact marks.
async fn forget_on_agent(
    tx: &mut Transaction<'static, Db>,
    agent: AgentKey,
    user: UserKey,
) -> Result<Removed> {
    let rows: Vec<(i64, Millis)> =
        sqlx::query_as("SELECT kind, at FROM events WHERE agent_id = $1 AND user_id = $2")
            .bind(agent)
            .bind(user)
            .fetch_all(&mut **tx)
            .await?;
    // The rollups the events went into, computed as ingestion computed them.
    let mut effects = Effects::default();
    for (kind, at) in &rows {
        let kind = EventKind::from_code(*kind).ok_or_else(|| {
            StoreError::Corrupt(format!("an event has the unknown kind code {kind}"))
        })?;
        effects.add(agent, user, &stored_event(kind, *at));
    }
    let days: Vec<Day> = effects.days.keys().map(|(_, day, _)| *day).collect();
    for chunk in days.chunks(rows_per_statement(1)) {
        let mut query = QueryBuilder::<Db>::new("DELETE FROM activity_days WHERE agent_id = ");
        query
            .push_bind(agent)
            .push(" AND user_id = ")
            .push_bind(user)
            .push(" AND day IN (");
        super::push_list(&mut query, chunk);
        query.push(")");
        query.build().execute(&mut **tx).await?;
    }
    for ((_, slot), messages) in &effects.message_slots {
        sqlx::query(
            "UPDATE message_quarters SET messages = messages - $3 WHERE agent_id = $1 AND slot = $2",
        )
        .bind(agent)
        .bind(*slot)
        .bind(*messages)
        .execute(&mut **tx)
        .await?;
    }
    // A slot nobody else wrote in is gone, as if never written.
    if !effects.message_slots.is_empty() {
        sqlx::query("DELETE FROM message_quarters WHERE agent_id = $1 AND messages <= 0")
            .bind(agent)
            .execute(&mut **tx)
            .await?;
    }
    let mut any = !rows.is_empty();
    for sql in [
        "DELETE FROM events WHERE agent_id = $1 AND user_id = $2",
        "DELETE FROM last_activity WHERE agent_id = $1 AND user_id = $2",
        "DELETE FROM sessions WHERE agent_id = $1 AND user_id = $2",
        "DELETE FROM contact_marks WHERE agent_id = $1 AND user_id = $2",
    ] {
        let done = sqlx::query(sql)
            .bind(agent)
            .bind(user)
            .execute(&mut **tx)
            .await?;
        any |= done.rows_affected() > 0;
    }
    Ok(Removed {
        events: rows.len() as u64,
        any,
    })
}

/// An event as [`Effects::add`] needs it: kind and instant.
fn stored_event(kind: EventKind, at: Millis) -> ValidEvent {
    ValidEvent {
        id: String::new(),
        kind,
        agent_id: String::new(),
        user_id: String::new(),
        at: at.0,
        session_id: None,
        username: None,
        name: None,
    }
}

/// Deletes every event before the UTC day `first_kept` (and the rollups of
/// those days), agent by agent, each in its own transaction; returns the
/// number of events deleted.
pub async fn purge_before(db: &Writer<Db>, first_kept: Day) -> Result<u64> {
    let cutoff = first_kept.first_slot().start();
    let agents: Vec<(AgentKey,)> = sqlx::query_as("SELECT id FROM agents ORDER BY id")
        .fetch_all(db.pool())
        .await?;
    let mut deleted = 0;
    for (agent,) in agents {
        let mut tx = begin_write(db).await?;
        let events = sqlx::query("DELETE FROM events WHERE agent_id = $1 AND at < $2")
            .bind(agent)
            .bind(cutoff)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if events == 0 {
            // Nothing old: the rollups hold nothing older either.
            tx.rollback().await?;
            continue;
        }
        sqlx::query("DELETE FROM activity_days WHERE agent_id = $1 AND day < $2")
            .bind(agent)
            .bind(first_kept)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM message_quarters WHERE agent_id = $1 AND slot < $2")
            .bind(agent)
            .bind(cutoff.slot())
            .execute(&mut *tx)
            .await?;
        for sql in [
            "DELETE FROM sessions WHERE agent_id = $1 AND last_at < $2",
            "DELETE FROM last_activity WHERE agent_id = $1 AND at < $2",
            // A learner's first event left with the old ones: the first
            // kept one is their first now.
            "UPDATE last_activity SET first_at = (
                 SELECT MIN(e.at) FROM events e
                 WHERE e.agent_id = last_activity.agent_id AND e.user_id = last_activity.user_id)
             WHERE agent_id = $1 AND first_at < $2",
        ] {
            sqlx::query(sql)
                .bind(agent)
                .bind(cutoff)
                .execute(&mut *tx)
                .await?;
        }
        raise_data_versions(&mut tx, &[agent]).await?;
        tx.commit().await?;
        deleted += events;
    }
    Ok(deleted)
}
