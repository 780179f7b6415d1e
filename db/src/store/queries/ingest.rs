//! Storing events: each batch in one transaction with the rollups it
//! changes, and the rollups rebuilt from the events.

use std::collections::{HashMap, HashSet};

use sqlx::{QueryBuilder, Transaction};

use super::{
    BACKEND, Db, MAX_BINDS, Reach, begin_write, push_list, raise_versions, rows_per_statement,
};
use crate::error::Result;
use crate::ids::{AgentKey, UserKey};
use crate::ingest::{Effects, EventKind, IngestCounts, MAX_BATCH_EVENTS, ValidBatch, ValidEvent};
use crate::learners::Naming;
use crate::store::Backend;
use crate::store::access::Writer;
use crate::time::Millis;

pub async fn ingest(
    db: &Writer<Db>,
    batch: &ValidBatch,
    received_at: Millis,
) -> Result<IngestCounts> {
    if batch.events.is_empty() {
        return Ok(IngestCounts {
            accepted: 0,
            duplicates: batch.repeated_in_batch,
        });
    }
    // Most batches hold only new events: store them all at once and check
    // the count. When some were stored before (a client retrying), or a
    // concurrent transaction stored some meanwhile, roll back and try again,
    // leaving out those stored; each retry finds more of them, so this ends.
    let mut skip_stored = false;
    loop {
        if let Some(accepted) = try_ingest(db, batch, received_at, skip_stored).await? {
            return Ok(IngestCounts {
                accepted,
                duplicates: batch.events.len() as u64 - accepted + batch.repeated_in_batch,
            });
        }
        skip_stored = true;
    }
}

/// Stores the batch's events (with `skip_stored`, only those not stored
/// before) and their rollups in one transaction, and returns how many were
/// new; None, having stored nothing, when some of them were stored already.
async fn try_ingest(
    db: &Writer<Db>,
    batch: &ValidBatch,
    received_at: Millis,
    skip_stored: bool,
) -> Result<Option<u64>> {
    let mut tx = begin_write(db).await?;
    let (agents, users) = ensure_keys(&mut tx, &batch.agent_ids(), &batch.user_ids()).await?;
    let stored = if skip_stored {
        stored_events(&mut tx, batch, &agents).await?
    } else {
        HashSet::new()
    };
    let new_events: Vec<&ValidEvent> = batch
        .events
        .iter()
        .filter(|event| {
            stored.is_empty() || !stored.contains(&(agents[&event.agent_id], event.id.clone()))
        })
        .collect();
    let inserted = insert_events(&mut tx, &new_events, &agents, &users, received_at).await?;
    if inserted != new_events.len() as u64 {
        tx.rollback().await?;
        return Ok(None);
    }
    // Events of closed days (late ones) retire the facts kept of them. By
    // the clock now, with every row written and locked: the commit follows
    // at once, however long the transaction waited before.
    let written_at = Millis::now();
    let changed: Vec<(AgentKey, Reach)> = new_events
        .iter()
        .map(|event| {
            let reach = if crate::time::is_history(event.at, written_at) {
                Reach::History
            } else {
                Reach::OpenDays
            };
            (agents[&event.agent_id], reach)
        })
        .collect();
    let effects = Effects::of(new_events, &agents, &users);
    apply_effects(&mut tx, &effects, Registrations::Automatic(batch.naming)).await?;
    raise_versions(&mut tx, changed).await?;
    tx.commit().await?;
    Ok(Some(inserted))
}

/// Database keys by public id.
type KeyIds<K> = HashMap<String, K>;

// A batch's agents and users are looked up in one statement.
const _: () = assert!(MAX_BATCH_EVENTS <= MAX_BINDS / 2);

/// Makes sure a row exists for each public agent and user id (a new agent
/// is named after its id) and returns the database key of each. Looks
/// first: usually every id is known, and one statement does.
pub(super) async fn ensure_keys(
    tx: &mut Transaction<'_, Db>,
    agent_ids: &[&str],
    user_ids: &[&str],
) -> Result<(KeyIds<AgentKey>, KeyIds<UserKey>)> {
    let (mut agents, mut users) = known_keys(tx, agent_ids, user_ids).await?;
    let missing_agents = missing(agent_ids, &agents);
    let missing_users = missing(user_ids, &users);
    if missing_agents.is_empty() && missing_users.is_empty() {
        return Ok((agents, users));
    }
    for chunk in missing_agents.chunks(rows_per_statement(2)) {
        let mut query = QueryBuilder::<Db>::new("INSERT INTO agents (agent_key, name) ");
        query.push_values(chunk, |mut row, key| {
            row.push_bind(*key).push_bind(*key);
        });
        query.push(" ON CONFLICT DO NOTHING");
        query.build().execute(&mut **tx).await?;
    }
    for chunk in missing_users.chunks(rows_per_statement(1)) {
        let mut query = QueryBuilder::<Db>::new("INSERT INTO users (user_key) ");
        query.push_values(chunk, |mut row, key| {
            row.push_bind(*key);
        });
        query.push(" ON CONFLICT DO NOTHING");
        query.build().execute(&mut **tx).await?;
    }
    let (new_agents, new_users) = known_keys(tx, &missing_agents, &missing_users).await?;
    agents.extend(new_agents);
    users.extend(new_users);
    Ok((agents, users))
}

fn missing<'k, K>(ids: &[&'k str], known: &KeyIds<K>) -> Vec<&'k str> {
    ids.iter()
        .copied()
        .filter(|id| !known.contains_key(*id))
        .collect()
}

/// The database keys of those agents and users that have a row. Both
/// tables in one statement when the lists fit, as a batch's always do.
async fn known_keys(
    tx: &mut Transaction<'_, Db>,
    agent_ids: &[&str],
    user_ids: &[&str],
) -> Result<(KeyIds<AgentKey>, KeyIds<UserKey>)> {
    let (mut agents, mut users) = (KeyIds::new(), KeyIds::new());
    let mut agent_chunks = agent_ids.chunks(MAX_BINDS / 2);
    let mut user_chunks = user_ids.chunks(MAX_BINDS / 2);
    loop {
        let (agent_chunk, user_chunk) = (agent_chunks.next(), user_chunks.next());
        if agent_chunk.is_none() && user_chunk.is_none() {
            return Ok((agents, users));
        }
        let mut query =
            QueryBuilder::<Db>::new("SELECT 0, id, agent_key FROM agents WHERE agent_key IN (");
        push_list(&mut query, agent_chunk.unwrap_or_default());
        query.push(") UNION ALL SELECT 1, id, user_key FROM users WHERE user_key IN (");
        push_list(&mut query, user_chunk.unwrap_or_default());
        query.push(")");
        let rows: Vec<(i32, i64, String)> = query.build_query_as().fetch_all(&mut **tx).await?;
        for (table, key, id) in rows {
            if table == 0 {
                agents.insert(id, AgentKey(key));
            } else {
                users.insert(id, UserKey(key));
            }
        }
    }
}

/// Which of the batch's events are stored already, as (agent key, event id).
/// (Cheaper than having the insert return every new row: sqlx hands
/// SQLite's rows over one at a time.)
async fn stored_events(
    tx: &mut Transaction<'_, Db>,
    batch: &ValidBatch,
    agents: &KeyIds<AgentKey>,
) -> Result<HashSet<(AgentKey, String)>> {
    let agent_keys: Vec<AgentKey> = agents.values().copied().collect();
    let event_keys: Vec<&str> = batch.events.iter().map(|event| event.id.as_str()).collect();
    let mut stored = HashSet::new();
    // A bulk load's batches are larger than one statement's binds allow:
    // each statement takes a share of both lists.
    for agent_keys in agent_keys.chunks(MAX_BINDS / 2) {
        for event_keys in event_keys.chunks(MAX_BINDS / 2) {
            let mut query = QueryBuilder::<Db>::new(
                "SELECT agent_id, event_key FROM events WHERE agent_id IN (",
            );
            push_list(&mut query, agent_keys);
            query.push(") AND event_key IN (");
            push_list(&mut query, event_keys);
            query.push(")");
            let rows: Vec<(AgentKey, String)> = query.build_query_as().fetch_all(&mut **tx).await?;
            stored.extend(rows);
        }
    }
    Ok(stored)
}

/// Inserts events not stored before and returns how many rows were written:
/// fewer than given when a concurrent transaction stored some meanwhile.
async fn insert_events(
    tx: &mut Transaction<'_, Db>,
    events: &[&ValidEvent],
    agents: &KeyIds<AgentKey>,
    users: &KeyIds<UserKey>,
    received_at: Millis,
) -> Result<u64> {
    let mut inserted = 0;
    for chunk in events.chunks(rows_per_statement(7)) {
        let mut query = QueryBuilder::<Db>::new(
            "INSERT INTO events (event_key, kind, agent_id, user_id, at, session_key, received_at) ",
        );
        query.push_values(chunk, |mut row, event| {
            row.push_bind(event.id.as_str())
                .push_bind(event.kind.code())
                .push_bind(agents[&event.agent_id])
                .push_bind(users[&event.user_id])
                .push_bind(event.at)
                .push_bind(event.session_id.as_deref())
                .push_bind(received_at);
        });
        query.push(" ON CONFLICT (agent_id, event_key) DO NOTHING");
        inserted += query.build().execute(&mut **tx).await?.rows_affected();
    }
    Ok(inserted)
}

/// Statements sent to the database together where the backend allows it.
/// Each call into sqlx's SQLite driver is a round trip to its worker
/// thread, which costs more than a small upsert itself; SQLite runs a
/// `;`-separated script in one call, with `$N` numbered across the whole
/// script (hence the bind budget). PostgreSQL takes one statement per call.
struct Script {
    query: QueryBuilder<Db>,
    binds: usize,
    pending: bool,
}

impl Script {
    fn new() -> Script {
        Script {
            query: QueryBuilder::new(""),
            binds: 0,
            pending: false,
        }
    }

    /// Where to write the next statement, which binds `binds` values; sends
    /// what is pending first when the two cannot go in one call.
    async fn statement(
        &mut self,
        tx: &mut Transaction<'_, Db>,
        binds: usize,
    ) -> Result<&mut QueryBuilder<Db>> {
        let fits = BACKEND == Backend::Sqlite && self.binds + binds <= MAX_BINDS;
        if self.pending && !fits {
            self.send(tx).await?;
        }
        if self.pending {
            self.query.push(";\n");
        }
        self.pending = true;
        self.binds += binds;
        Ok(&mut self.query)
    }

    async fn send(&mut self, tx: &mut Transaction<'_, Db>) -> Result<()> {
        if self.pending {
            self.query.build().execute(&mut **tx).await?;
            self.query.reset();
            self.pending = false;
            self.binds = 0;
        }
        Ok(())
    }
}

/// Whether merging effects registers users for the agents they were seen on:
/// new events do, named as their sender may (crate::learners); rebuilding
/// rollups changes no registration.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Registrations {
    Automatic(Naming),
    Unchanged,
}

/// `UPDATE table SET` the names given (a field not given stays), `WHERE`
/// they change something: an event repeating the names it had (most of
/// them) writes no row. The caller adds which row.
fn push_rename<'q>(
    query: &'q mut QueryBuilder<Db>,
    table: &str,
    (username, name): &(Option<String>, Option<String>),
) -> &'q mut QueryBuilder<Db> {
    query.push(format_args!("UPDATE {table} SET username = COALESCE("));
    query
        .push_bind(username.clone())
        .push(", username), name = COALESCE(");
    query
        .push_bind(name.clone())
        .push(", name) WHERE (username IS DISTINCT FROM COALESCE(");
    query
        .push_bind(username.clone())
        .push(", username) OR name IS DISTINCT FROM COALESCE(");
    query.push_bind(name.clone()).push(", name))")
}

/// Registers each user for the agents the effects saw them on, where they
/// are not yet; a registration by the platform starts with its names.
async fn register_seen(
    tx: &mut Transaction<'_, Db>,
    script: &mut Script,
    effects: &Effects,
    naming: Naming,
) -> Result<()> {
    let first_seen: Vec<_> = effects.active_span.iter().collect();
    for chunk in first_seen.chunks(rows_per_statement(NEW_MEMBERSHIP_BINDS)) {
        let rows = chunk
            .iter()
            .map(|((agent, user), (first, _))| NewMembership {
                agent: *agent,
                user: *user,
                registered_at: *first,
                automatic: true,
            });
        push_new_memberships(
            script
                .statement(tx, chunk.len() * NEW_MEMBERSHIP_BINDS)
                .await?,
            rows,
            naming,
        )
        .push(" ON CONFLICT (agent_id, user_id) DO NOTHING");
    }
    Ok(())
}

/// A registration to insert with [`push_new_memberships`].
pub(super) struct NewMembership {
    pub agent: AgentKey,
    pub user: UserKey,
    pub registered_at: Millis,
    /// Made by the learner's activity, not by the platform or an administrator.
    pub automatic: bool,
}

/// Values bound per row by [`push_new_memberships`].
pub(super) const NEW_MEMBERSHIP_BINDS: usize = 5;

/// `INSERT INTO memberships` of `rows`, named with the platform-wide names
/// when `naming` starts named (crate::learners), vouched as it vouches; the
/// caller adds its `ON CONFLICT`. The names come from a join, not from a
/// subquery per row: SQLite opens a cursor for each subquery of a statement
/// and walks the open ones at every open, which made a bulk load's
/// thousands of registrations per statement quadratic
/// (docs/BENCHMARKS.md, "Bulk import").
pub(super) fn push_new_memberships(
    query: &mut QueryBuilder<Db>,
    rows: impl IntoIterator<Item = NewMembership>,
    naming: Naming,
) -> &mut QueryBuilder<Db> {
    query.push("WITH new_members (agent_id, user_id, registered_at, automatic, vouched) AS (");
    query.push_values(rows, |mut row, membership| {
        row.push_bind(membership.agent)
            .push_bind(membership.user)
            .push_bind(membership.registered_at)
            .push_bind(i64::from(membership.automatic))
            .push_bind(i64::from(naming.vouches()));
    });
    let names = if naming.starts_named() {
        "users.username, users.name"
    } else {
        "NULL, NULL"
    };
    // `WHERE true`: SQLite's parser needs it before an upsert's ON CONFLICT.
    query.push(format_args!(
        ") INSERT INTO memberships (agent_id, user_id, registered_at, automatic, username, name, vouched)
           SELECT new_members.agent_id, new_members.user_id, new_members.registered_at,
                  new_members.automatic, {names}, new_members.vouched
           FROM new_members JOIN users ON users.id = new_members.user_id WHERE true"
    ))
}

async fn apply_effects(
    tx: &mut Transaction<'_, Db>,
    effects: &Effects,
    registrations: Registrations,
) -> Result<()> {
    let mut script = Script::new();
    let naming = match registrations {
        Registrations::Automatic(naming) => Some(naming),
        Registrations::Unchanged => None,
    };
    // The platform's word first: a registration it makes below starts
    // from these names.
    let platform = naming == Some(Naming::Platform);
    if platform {
        for (user, names) in &effects.user_names {
            push_rename(script.statement(tx, 5).await?, "users", names)
                .push(" AND id = ")
                .push_bind(*user);
        }
    }
    if let Some(naming) = naming {
        register_seen(tx, &mut script, effects, naming).await?;
    }
    if platform {
        // Names the platform sends are the learner's names on every agent.
        for (user, names) in &effects.user_names {
            push_rename(script.statement(tx, 5).await?, "memberships", names)
                .push(" AND user_id = ")
                .push_bind(*user);
        }
    } else {
        // A sender limited to some agents names learners only where it
        // sent the names (crate::learners).
        for ((agent, user), names) in &effects.names {
            push_rename(script.statement(tx, 6).await?, "memberships", names)
                .push(" AND agent_id = ")
                .push_bind(*agent)
                .push(" AND user_id = ")
                .push_bind(*user);
        }
    }
    let days: Vec<_> = effects.days.iter().collect();
    for chunk in days.chunks(rows_per_statement(6)) {
        script
            .statement(tx, chunk.len() * 6)
            .await?
            .push(
                "INSERT INTO activity_days (agent_id, day, user_id, quarters_am, quarters_pm, messages) ",
            )
            .push_values(chunk, |mut row, ((agent, day, user), activity)| {
                let (am, pm) = activity.halves();
                row.push_bind(*agent)
                    .push_bind(*day)
                    .push_bind(*user)
                    .push_bind(am)
                    .push_bind(pm)
                    .push_bind(activity.messages);
            })
            .push(
                " ON CONFLICT (agent_id, day, user_id) DO UPDATE SET
                     quarters_am = activity_days.quarters_am | excluded.quarters_am,
                     quarters_pm = activity_days.quarters_pm | excluded.quarters_pm,
                     messages = activity_days.messages + excluded.messages",
            );
    }
    let message_slots: Vec<_> = effects.message_slots.iter().collect();
    for chunk in message_slots.chunks(rows_per_statement(3)) {
        script
            .statement(tx, chunk.len() * 3)
            .await?
            .push("INSERT INTO message_quarters (agent_id, slot, messages) ")
            .push_values(chunk, |mut row, ((agent, slot), messages)| {
                row.push_bind(*agent).push_bind(*slot).push_bind(**messages);
            })
            .push(
                " ON CONFLICT (agent_id, slot) DO UPDATE SET
                     messages = message_quarters.messages + excluded.messages",
            );
    }
    let active_spans: Vec<_> = effects.active_span.iter().collect();
    for chunk in active_spans.chunks(rows_per_statement(4)) {
        script
            .statement(tx, chunk.len() * 4)
            .await?
            .push("INSERT INTO last_activity (agent_id, user_id, first_at, at) ")
            .push_values(chunk, |mut row, ((agent, user), (first, last))| {
                row.push_bind(*agent)
                    .push_bind(*user)
                    .push_bind(*first)
                    .push_bind(*last);
            })
            // Late events are the norm: either end may move.
            .push(
                " ON CONFLICT (agent_id, user_id) DO UPDATE SET
                     at = CASE WHEN excluded.at > last_activity.at
                               THEN excluded.at ELSE last_activity.at END,
                     first_at = CASE WHEN excluded.first_at < last_activity.first_at
                                     THEN excluded.first_at ELSE last_activity.first_at END
                  WHERE excluded.at > last_activity.at OR excluded.first_at < last_activity.first_at",
            );
    }
    let sessions: Vec<_> = effects.sessions.iter().collect();
    for chunk in sessions.chunks(rows_per_statement(5)) {
        script
            .statement(tx, chunk.len() * 5)
            .await?
            .push("INSERT INTO sessions (agent_id, user_id, session_key, last_at, ended) ")
            .push_values(chunk, |mut row, ((agent, user, session), (at, ended))| {
                row.push_bind(*agent)
                    .push_bind(*user)
                    .push_bind(session.as_str())
                    .push_bind(*at)
                    .push_bind(i64::from(*ended));
            })
            // A later event replaces the state; at the same instant session_end wins.
            .push(
                " ON CONFLICT (agent_id, user_id, session_key) DO UPDATE SET
                     last_at = excluded.last_at, ended = excluded.ended
                  WHERE excluded.last_at > sessions.last_at
                     OR (excluded.last_at = sessions.last_at AND excluded.ended > sessions.ended)",
            );
    }
    script.send(tx).await
}

/// Recomputes every rollup from the raw events, in one transaction.
/// Registrations and names are registry data, not rollups: they stay.
pub async fn rebuild_rollups(db: &Writer<Db>) -> Result<u64> {
    const CHUNK: i64 = 20_000;
    let mut tx = begin_write(db).await?;
    for table in [
        "activity_days",
        "message_quarters",
        "last_activity",
        "sessions",
    ] {
        sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table}")))
            .execute(&mut *tx)
            .await?;
    }
    let (mut after, mut total) = (0_i64, 0_u64);
    loop {
        let rows: Vec<StoredEvent> = sqlx::query_as(
            "SELECT id, kind, agent_id, user_id, at, session_key FROM events
             WHERE id > $1 ORDER BY id LIMIT $2",
        )
        .bind(after)
        .bind(CHUNK)
        .fetch_all(&mut *tx)
        .await?;
        let Some(last) = rows.last() else { break };
        after = last.id;
        let mut effects = Effects::default();
        for row in &rows {
            // A code no version wrote: rebuilding would silently miscount it.
            let kind = EventKind::from_code(row.kind).ok_or_else(|| {
                crate::error::StoreError::Corrupt(format!(
                    "event {} has the unknown kind code {}",
                    row.id, row.kind
                ))
            })?;
            let event = ValidEvent {
                id: String::new(),
                kind,
                agent_id: String::new(),
                user_id: String::new(),
                at: row.at.0,
                session_id: row.session_key.clone(),
                username: None,
                name: None,
            };
            effects.add(row.agent_id, row.user_id, &event);
        }
        apply_effects(&mut tx, &effects, Registrations::Unchanged).await?;
        total += rows.len() as u64;
    }
    sqlx::query(
        "UPDATE agents SET data_version = data_version + 1, history_version = history_version + 1",
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(total)
}

/// An event as stored, for rebuilding the rollups.
#[derive(sqlx::FromRow)]
struct StoredEvent {
    id: i64,
    kind: i64,
    agent_id: AgentKey,
    user_id: UserKey,
    at: Millis,
    session_key: Option<String>,
}
