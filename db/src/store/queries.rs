// The store's queries, written once and compiled once per backend: this
// file is `include!`d by `store/mod.rs` with `Db` set to the backend's
// sqlx database type. Placeholders are `$N`, which both backends read.

use std::collections::{HashMap, HashSet};

use pulse_model::Agent;
use sqlx::{Pool, QueryBuilder, Row, Transaction};

use super::Backend;
use super::records::{AgentRef, DayRow, Member, MemberSeed, RawActivity};
use crate::accounts::{ABSOLUTE_TIMEOUT_MS, Account, AccountChange, IDLE_TIMEOUT_MS, Role};
use crate::error::Result;
use crate::ingest::{
    DayActivity, Effects, EventKind, IngestCounts, MAX_BATCH_EVENTS, Naming, ValidBatch, ValidEvent,
};
use crate::keys::{KeyRecord, KeyScope, NewKey, Revocation};

/// Values bound per statement: under SQLite's limit (32,766) and
/// PostgreSQL's (65,535). Each statement costs a round trip, so a
/// multi-row statement takes as many rows as fit.
const MAX_BINDS: usize = 30_000;

/// Rows of `columns` bound values that fit in one statement.
const fn rows_per_statement(columns: usize) -> usize {
    MAX_BINDS / columns
}

pub async fn ping(pool: &Pool<Db>) -> Result<()> {
    sqlx::query("SELECT 1").execute(pool).await?;
    Ok(())
}

pub async fn after_bulk_load(pool: &Pool<Db>) -> Result<()> {
    let sql = match BACKEND {
        Backend::Sqlite => "ANALYZE",
        // VACUUM also marks the pages all-visible, which index-only scans
        // (the dashboard's distinct users per day) need to skip the heap.
        // Pulse's own tables only: a database-wide VACUUM warns for every
        // system catalog when the role is not a superuser.
        Backend::Postgres => {
            "VACUUM (ANALYZE) events, activity_days, message_quarters, last_activity, sessions, \
             memberships, users, agents"
        }
    };
    // Simple protocol: VACUUM refuses to run as a prepared statement's
    // implicit transaction on some servers.
    sqlx::raw_sql(sql).execute(pool).await?;
    Ok(())
}

pub async fn list_agents(pool: &Pool<Db>) -> Result<Vec<Agent>> {
    let rows = sqlx::query("SELECT agent_key, name FROM agents ORDER BY name, agent_key")
        .fetch_all(pool)
        .await?;
    Ok(rows
        .iter()
        .map(|row| Agent {
            agent_id: row.get(0),
            name: row.get(1),
        })
        .collect())
}

pub async fn find_agent(pool: &Pool<Db>, agent_key: &str) -> Result<Option<AgentRef>> {
    let row = sqlx::query("SELECT id, agent_key, name FROM agents WHERE agent_key = $1")
        .bind(agent_key)
        .fetch_optional(pool)
        .await?;
    Ok(row.map(|row| AgentRef {
        pk: row.get(0),
        agent_id: row.get(1),
        name: row.get(2),
    }))
}

pub async fn put_agent(pool: &Pool<Db>, agent_key: &str, name: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO agents (agent_key, name) VALUES ($1, $2)
         ON CONFLICT (agent_key) DO UPDATE SET name = excluded.name",
    )
    .bind(agent_key)
    .bind(name)
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn put_user(
    pool: &Pool<Db>,
    user_key: &str,
    username: Option<&str>,
    name: Option<&str>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO users (user_key, username, name) VALUES ($1, $2, $3)
         ON CONFLICT (user_key) DO UPDATE SET
             username = COALESCE(excluded.username, users.username),
             name = COALESCE(excluded.name, users.name)",
    )
    .bind(user_key)
    .bind(username)
    .bind(name)
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn register(
    pool: &Pool<Db>,
    agent: i64,
    user_key: &str,
    registered_at: i64,
) -> Result<()> {
    let mut tx = pool.begin().await?;
    let (_, users) = ensure_keys(&mut tx, &[], &[user_key]).await?;
    sqlx::query(
        "INSERT INTO memberships (agent_id, user_id, registered_at, automatic) VALUES ($1, $2, $3, 0)
         ON CONFLICT (agent_id, user_id) DO UPDATE SET
             registered_at = excluded.registered_at, automatic = 0",
    )
    .bind(agent)
    .bind(users[user_key])
    .bind(registered_at)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn import_members(
    pool: &Pool<Db>,
    agent_key: &str,
    agent_name: &str,
    members: &[MemberSeed],
) -> Result<()> {
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO agents (agent_key, name) VALUES ($1, $2)
         ON CONFLICT (agent_key) DO UPDATE SET name = excluded.name",
    )
    .bind(agent_key)
    .bind(agent_name)
    .execute(&mut *tx)
    .await?;
    let keys: Vec<&str> = members
        .iter()
        .map(|member| member.user_id.as_str())
        .collect();
    let (agents, users) = ensure_keys(&mut tx, &[agent_key], &keys).await?;
    let agent = agents[agent_key];
    for member in members {
        sqlx::query("UPDATE users SET username = $1, name = $2 WHERE id = $3")
            .bind(member.username.as_deref())
            .bind(member.name.as_deref())
            .bind(users[&member.user_id])
            .execute(&mut *tx)
            .await?;
    }
    for chunk in members.chunks(rows_per_statement(4)) {
        let mut query = QueryBuilder::<Db>::new(
            "INSERT INTO memberships (agent_id, user_id, registered_at, automatic) ",
        );
        query.push_values(chunk, |mut row, member| {
            row.push_bind(agent)
                .push_bind(users[&member.user_id])
                .push_bind(member.registered_at)
                .push_bind(0_i64);
        });
        query.push(
            " ON CONFLICT (agent_id, user_id) DO UPDATE SET registered_at = excluded.registered_at, automatic = 0",
        );
        query.build().execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

pub async fn unregister(pool: &Pool<Db>, agent: i64, user_key: &str) -> Result<bool> {
    let done = sqlx::query(
        "DELETE FROM memberships
         WHERE agent_id = $1 AND user_id = (SELECT id FROM users WHERE user_key = $2)",
    )
    .bind(agent)
    .bind(user_key)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() > 0)
}

// ---- ingestion -----------------------------------------------------------

pub async fn ingest(pool: &Pool<Db>, batch: &ValidBatch, received_at: i64) -> Result<IngestCounts> {
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
        if let Some(accepted) = try_ingest(pool, batch, received_at, skip_stored).await? {
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
    pool: &Pool<Db>,
    batch: &ValidBatch,
    received_at: i64,
    skip_stored: bool,
) -> Result<Option<u64>> {
    let mut tx = begin_write(pool).await?;
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
    let mut effects = Effects::of(new_events, &agents, &users);
    if let Naming::WithinAgents(allowed) = &batch.naming {
        let others = users_of_other_agents(&mut tx, effects.names.keys(), allowed).await?;
        effects.names.retain(|user, _| !others.contains(user));
    }
    apply_effects(&mut tx, &effects).await?;
    tx.commit().await?;
    Ok(Some(inserted))
}

/// A transaction that will write. SQLite's is IMMEDIATE: it takes the write
/// lock first, so reads made before the first write cannot go stale when
/// another process writes meanwhile (which would fail with SQLITE_BUSY).
async fn begin_write(pool: &Pool<Db>) -> Result<Transaction<'static, Db>> {
    Ok(match BACKEND {
        Backend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await?,
        Backend::Postgres => pool.begin().await?,
    })
}

type KeyIds = HashMap<String, i64>;

// A batch's agents and users are looked up in one statement.
const _: () = assert!(MAX_BATCH_EVENTS <= MAX_BINDS / 2);

/// Makes sure a row exists for each public agent and user id (a new agent
/// is named after its id) and returns the database key of each. Looks
/// first: usually every id is known, and one statement does.
async fn ensure_keys(
    tx: &mut Transaction<'_, Db>,
    agent_keys: &[&str],
    user_keys: &[&str],
) -> Result<(KeyIds, KeyIds)> {
    let (mut agents, mut users) = known_keys(tx, agent_keys, user_keys).await?;
    let missing_agents = missing(agent_keys, &agents);
    let missing_users = missing(user_keys, &users);
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

fn missing<'k>(keys: &[&'k str], ids: &KeyIds) -> Vec<&'k str> {
    keys.iter()
        .copied()
        .filter(|key| !ids.contains_key(*key))
        .collect()
}

/// The database keys of those agents and users that have a row. Both
/// tables in one statement when the lists fit, as a batch's always do.
async fn known_keys(
    tx: &mut Transaction<'_, Db>,
    agent_keys: &[&str],
    user_keys: &[&str],
) -> Result<(KeyIds, KeyIds)> {
    let (mut agents, mut users) = (KeyIds::new(), KeyIds::new());
    let mut agent_chunks = agent_keys.chunks(MAX_BINDS / 2);
    let mut user_chunks = user_keys.chunks(MAX_BINDS / 2);
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
        for row in query.build().fetch_all(&mut **tx).await? {
            let ids = if row.get::<i32, _>(0) == 0 {
                &mut agents
            } else {
                &mut users
            };
            ids.insert(row.get::<String, _>(2), row.get::<i64, _>(1));
        }
    }
}

/// Binds a list for `IN (...)`; an empty list matches nothing (PostgreSQL
/// rejects `IN ()`).
fn push_list(query: &mut QueryBuilder<Db>, keys: &[&str]) {
    if keys.is_empty() {
        query.push("NULL");
    }
    let mut list = query.separated(", ");
    for key in keys {
        list.push_bind(*key);
    }
}

/// Which of the batch's events are stored already, as (agent key, event id).
/// (Cheaper than having the insert return every new row: sqlx hands
/// SQLite's rows over one at a time.)
async fn stored_events(
    tx: &mut Transaction<'_, Db>,
    batch: &ValidBatch,
    agents: &KeyIds,
) -> Result<HashSet<(i64, String)>> {
    let agent_keys: Vec<i64> = agents.values().copied().collect();
    let event_keys: Vec<&str> = batch.events.iter().map(|event| event.id.as_str()).collect();
    let mut query =
        QueryBuilder::<Db>::new("SELECT agent_id, event_key FROM events WHERE agent_id IN (");
    let mut list = query.separated(", ");
    for agent in agent_keys {
        list.push_bind(agent);
    }
    query.push(") AND event_key IN (");
    push_list(&mut query, &event_keys);
    query.push(")");
    let rows = query.build().fetch_all(&mut **tx).await?;
    Ok(rows
        .iter()
        .map(|row| (row.get::<i64, _>(0), row.get::<String, _>(1)))
        .collect())
}

/// Inserts events not stored before and returns how many rows were written:
/// fewer than given when a concurrent transaction stored some meanwhile.
async fn insert_events(
    tx: &mut Transaction<'_, Db>,
    events: &[&ValidEvent],
    agents: &HashMap<String, i64>,
    users: &HashMap<String, i64>,
    received_at: i64,
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

/// Those of `users` who are registered for, or have events on, an agent
/// other than `agents` (by public id).
async fn users_of_other_agents(
    tx: &mut Transaction<'_, Db>,
    users: impl Iterator<Item = &i64>,
    agents: &[String],
) -> Result<HashSet<i64>> {
    let users: Vec<i64> = users.copied().collect();
    if users.is_empty() {
        return Ok(HashSet::new());
    }
    let mut query = QueryBuilder::<Db>::new("");
    for (index, table) in ["memberships", "last_activity"].into_iter().enumerate() {
        if index > 0 {
            query.push(" UNION ");
        }
        query.push(format_args!(
            "SELECT user_id FROM {table} WHERE user_id IN ("
        ));
        let mut list = query.separated(", ");
        for user in &users {
            list.push_bind(*user);
        }
        query.push(") AND agent_id NOT IN (SELECT id FROM agents WHERE agent_key IN (");
        let agents: Vec<&str> = agents.iter().map(String::as_str).collect();
        push_list(&mut query, &agents);
        query.push("))");
    }
    let rows = query.build().fetch_all(&mut **tx).await?;
    Ok(rows.iter().map(|row| row.get::<i64, _>(0)).collect())
}

async fn apply_effects(tx: &mut Transaction<'_, Db>, effects: &Effects) -> Result<()> {
    let mut script = Script::new();
    for (user, (username, name)) in &effects.names {
        script
            .statement(tx, 3)
            .await?
            .push("UPDATE users SET username = COALESCE(")
            .push_bind(username.as_deref())
            .push(", username), name = COALESCE(")
            .push_bind(name.as_deref())
            .push(", name) WHERE id = ")
            .push_bind(*user);
    }
    let first_seen: Vec<_> = effects.first_seen.iter().collect();
    for chunk in first_seen.chunks(rows_per_statement(4)) {
        script
            .statement(tx, chunk.len() * 4)
            .await?
            .push("INSERT INTO memberships (agent_id, user_id, registered_at, automatic) ")
            .push_values(chunk, |mut row, ((agent, user), at)| {
                row.push_bind(*agent)
                    .push_bind(*user)
                    .push_bind(**at)
                    .push_bind(1_i64);
            })
            .push(" ON CONFLICT (agent_id, user_id) DO NOTHING");
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
    let last_active: Vec<_> = effects.last_active.iter().collect();
    for chunk in last_active.chunks(rows_per_statement(3)) {
        script
            .statement(tx, chunk.len() * 3)
            .await?
            .push("INSERT INTO last_activity (agent_id, user_id, at) ")
            .push_values(chunk, |mut row, ((agent, user), at)| {
                row.push_bind(*agent).push_bind(*user).push_bind(**at);
            })
            .push(
                " ON CONFLICT (agent_id, user_id) DO UPDATE SET at = excluded.at
                  WHERE excluded.at > last_activity.at",
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
pub async fn rebuild_rollups(pool: &Pool<Db>) -> Result<u64> {
    const CHUNK: i64 = 20_000;
    let mut tx = pool.begin().await?;
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
        let rows = sqlx::query(
            "SELECT id, kind, agent_id, user_id, at, session_key FROM events
             WHERE id > $1 ORDER BY id LIMIT $2",
        )
        .bind(after)
        .bind(CHUNK)
        .fetch_all(&mut *tx)
        .await?;
        let Some(last) = rows.last() else { break };
        after = last.get(0);
        let mut effects = Effects::default();
        for row in &rows {
            // A code no version wrote: rebuilding would silently miscount it.
            let kind = EventKind::from_code(row.get(1)).ok_or_else(|| {
                crate::error::StoreError::Corrupt(format!(
                    "event {} has the unknown kind code {}",
                    row.get::<i64, _>(0),
                    row.get::<i64, _>(1)
                ))
            })?;
            let event = ValidEvent {
                id: String::new(),
                kind,
                agent_id: String::new(),
                user_id: String::new(),
                at: row.get(4),
                session_id: row.get(5),
                username: None,
                name: None,
            };
            effects.add(row.get(2), row.get(3), &event);
        }
        effects.first_seen.clear();
        apply_effects(&mut tx, &effects).await?;
        total += rows.len() as u64;
    }
    tx.commit().await?;
    Ok(total)
}

// ---- API keys ------------------------------------------------------------

/// Stores the key; false (nothing stored) when another key has its prefix.
pub async fn insert_key(pool: &Pool<Db>, key: &NewKey) -> Result<bool> {
    let mut tx = begin_write(pool).await?;
    if BACKEND == Backend::Postgres {
        // Two instances must not both find a prefix free.
        sqlx::query("LOCK TABLE api_keys IN SHARE ROW EXCLUSIVE MODE")
            .execute(&mut *tx)
            .await?;
    }
    let taken: i64 = sqlx::query("SELECT COUNT(*) FROM api_keys WHERE prefix = $1")
        .bind(key.prefix.as_str())
        .fetch_one(&mut *tx)
        .await?
        .get(0);
    if taken > 0 {
        return Ok(false);
    }
    let id: i64 = sqlx::query(
        "INSERT INTO api_keys (key_hash, prefix, scope, all_agents, label, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(key.hash.as_str())
    .bind(key.prefix.as_str())
    .bind(key.scope.as_str())
    .bind(i64::from(key.agents.is_none()))
    .bind(key.label.as_deref())
    .bind(key.created_at)
    .fetch_one(&mut *tx)
    .await?
    .get(0);
    for agent in key.agents.iter().flatten() {
        sqlx::query(
            "INSERT INTO api_key_agents (key_id, agent_key) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(agent.as_str())
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(true)
}

const KEY_COLUMNS: &str = "id, prefix, scope, all_agents, label, created_at, revoked_at";

pub async fn key_by_hash(pool: &Pool<Db>, key_hash: &str) -> Result<Option<KeyRecord>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {KEY_COLUMNS} FROM api_keys WHERE key_hash = $1"
    ));
    let row = sqlx::query(sql).bind(key_hash).fetch_optional(pool).await?;
    match row {
        Some(row) => Ok(Some(key_record(pool, &row).await?)),
        None => Ok(None),
    }
}

pub async fn list_keys(pool: &Pool<Db>) -> Result<Vec<KeyRecord>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {KEY_COLUMNS} FROM api_keys ORDER BY id"));
    let rows = sqlx::query(sql).fetch_all(pool).await?;
    let mut keys = Vec::with_capacity(rows.len());
    for row in &rows {
        keys.push(key_record(pool, row).await?);
    }
    Ok(keys)
}

async fn key_record(pool: &Pool<Db>, row: &<Db as sqlx::Database>::Row) -> Result<KeyRecord> {
    let id: i64 = row.get(0);
    let all_agents: i64 = row.get(3);
    let agents = if all_agents == 1 {
        None
    } else {
        let rows = sqlx::query(
            "SELECT agent_key FROM api_key_agents WHERE key_id = $1 ORDER BY agent_key",
        )
        .bind(id)
        .fetch_all(pool)
        .await?;
        Some(rows.iter().map(|row| row.get::<String, _>(0)).collect())
    };
    let scope: String = row.get(2);
    Ok(KeyRecord {
        prefix: row.get(1),
        scope: KeyScope::parse(&scope).unwrap_or(KeyScope::Read),
        agents,
        label: row.get(4),
        created_at: row.get(5),
        revoked_at: row.get(6),
    })
}

/// Revokes the active key with this prefix. Several may share it (only
/// keys made before prefixes were kept unique): then none is revoked,
/// unless `all` says to revoke them all.
pub async fn revoke_key(pool: &Pool<Db>, prefix: &str, all: bool, at: i64) -> Result<Revocation> {
    let mut tx = begin_write(pool).await?;
    let active: i64 =
        sqlx::query("SELECT COUNT(*) FROM api_keys WHERE prefix = $1 AND revoked_at IS NULL")
            .bind(prefix)
            .fetch_one(&mut *tx)
            .await?
            .get(0);
    if active == 0 || (active > 1 && !all) {
        return Ok(if active == 0 {
            Revocation::NoActiveKey
        } else {
            Revocation::Ambiguous(active as u64)
        });
    }
    sqlx::query("UPDATE api_keys SET revoked_at = $1 WHERE prefix = $2 AND revoked_at IS NULL")
        .bind(at)
        .bind(prefix)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Revocation::Revoked(active as u64))
}

// ---- analytics reads -----------------------------------------------------

/// The text aggregate of this backend.
const STRING_AGG: &str = match BACKEND {
    Backend::Sqlite => "group_concat",
    Backend::Postgres => "string_agg",
};

/// Runs `SELECT columns FROM rest` with the agent and a `[from, to)` range
/// bound as $1..$3, the database packing the integer rows into one text
/// (`a,b;c,d`) that is parsed back here. Thousands of rows cost about 2 us
/// each through the SQLite driver's row channel, the one text a few
/// milliseconds for them all (docs/BENCHMARKS.md).
async fn packed_rows<const N: usize>(
    pool: &Pool<Db>,
    columns: [&str; N],
    rest: &str,
    (agent, from, to): (i64, i64, i64),
) -> Result<Vec<[i64; N]>> {
    let row = columns
        .map(|column| format!("CAST({column} AS TEXT)"))
        .join(" || ',' || ");
    let sql = format!("SELECT {STRING_AGG}({row}, ';') {rest}");
    let packed: Option<String> = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(agent)
        .bind(from)
        .bind(to)
        .fetch_one(pool)
        .await?
        .get(0);
    let Some(packed) = packed else {
        return Ok(Vec::new());
    };
    packed
        .split(';')
        .map(|text| {
            let mut fields = text.split(',').map(str::parse::<i64>);
            let mut values = [0; N];
            for value in &mut values {
                *value = match fields.next() {
                    Some(Ok(number)) => number,
                    _ => {
                        return Err(crate::error::StoreError::Corrupt(format!(
                            "packed row {text:?}"
                        )));
                    }
                };
            }
            Ok(values)
        })
        .collect()
}

/// The rollup rows of the UTC days `[day_from, day_to)`.
pub async fn day_activity(
    pool: &Pool<Db>,
    agent: i64,
    day_from: i64,
    day_to: i64,
) -> Result<Vec<DayRow>> {
    let rows = packed_rows(
        pool,
        ["day", "user_id", "quarters_am", "quarters_pm", "messages"],
        "FROM activity_days WHERE agent_id = $1 AND day >= $2 AND day < $3",
        (agent, day_from, day_to),
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|[day, user, am, pm, messages]| DayRow {
            day,
            user,
            activity: DayActivity::from_halves(am, pm, messages),
        })
        .collect())
}

pub async fn day_users(
    pool: &Pool<Db>,
    agent: i64,
    day_from: i64,
    day_to: i64,
) -> Result<Vec<i64>> {
    // DISTINCT in a subquery: string_agg(DISTINCT ...) has no separator form in SQLite.
    let rows = packed_rows(
        pool,
        ["user_id"],
        "FROM (SELECT DISTINCT user_id FROM activity_days WHERE agent_id = $1 AND day >= $2 AND day < $3) AS active",
        (agent, day_from, day_to),
    )
    .await?;
    Ok(rows.into_iter().map(|[user]| user).collect())
}

pub async fn message_total(
    pool: &Pool<Db>,
    agent: i64,
    slot_from: i64,
    slot_to: i64,
) -> Result<u64> {
    let total: i64 = sqlx::query(
        "SELECT CAST(COALESCE(SUM(messages), 0) AS BIGINT) FROM message_quarters
         WHERE agent_id = $1 AND slot >= $2 AND slot < $3",
    )
    .bind(agent)
    .bind(slot_from)
    .bind(slot_to)
    .fetch_one(pool)
    .await?
    .get(0);
    Ok(total as u64)
}

pub async fn user_messages(
    pool: &Pool<Db>,
    agent: i64,
    from_ms: i64,
    to_ms: i64,
) -> Result<Vec<(i64, i64)>> {
    let rows = sqlx::query(
        "SELECT user_id, COUNT(*) FROM events
         WHERE agent_id = $1 AND at >= $2 AND at < $3 AND kind = $4
         GROUP BY user_id",
    )
    .bind(agent)
    .bind(from_ms)
    .bind(to_ms)
    .bind(EventKind::Message.code())
    .fetch_all(pool)
    .await?;
    Ok(rows.iter().map(|row| (row.get(0), row.get(1))).collect())
}

pub async fn message_slots(
    pool: &Pool<Db>,
    agent: i64,
    slot_from: i64,
    slot_to: i64,
) -> Result<Vec<(i64, i64)>> {
    let rows = packed_rows(
        pool,
        ["slot", "messages"],
        "FROM message_quarters WHERE agent_id = $1 AND slot >= $2 AND slot < $3",
        (agent, slot_from, slot_to),
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|[slot, messages]| (slot, messages))
        .collect())
}

pub async fn raw_activity(
    pool: &Pool<Db>,
    agent: i64,
    from_ms: i64,
    to_ms: i64,
) -> Result<Vec<RawActivity>> {
    let rows = sqlx::query(
        "SELECT at, user_id, kind FROM events WHERE agent_id = $1 AND at >= $2 AND at < $3",
    )
    .bind(agent)
    .bind(from_ms)
    .bind(to_ms)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .iter()
        .map(|row| RawActivity {
            at: row.get(0),
            user: row.get(1),
            is_message: row.get::<i64, _>(2) == EventKind::Message.code(),
        })
        .collect())
}

pub async fn online_users(pool: &Pool<Db>, agent: i64, since_ms: i64) -> Result<u64> {
    let count: i64 = sqlx::query(
        "SELECT COUNT(DISTINCT user_id) FROM sessions WHERE agent_id = $1 AND ended = 0 AND last_at >= $2",
    )
    .bind(agent)
    .bind(since_ms)
    .fetch_one(pool)
    .await?
    .get(0);
    Ok(count as u64)
}

pub async fn event_count(pool: &Pool<Db>, agent: i64) -> Result<u64> {
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM events WHERE agent_id = $1")
        .bind(agent)
        .fetch_one(pool)
        .await?;
    Ok(count as u64)
}

pub async fn registered_count(pool: &Pool<Db>, agent: i64) -> Result<u64> {
    let count: i64 = sqlx::query("SELECT COUNT(*) FROM memberships WHERE agent_id = $1")
        .bind(agent)
        .fetch_one(pool)
        .await?
        .get(0);
    Ok(count as u64)
}

/// Every registered user of the agent, packed by the database into one JSON
/// array for the same reason as `day_activity`.
pub async fn members(pool: &Pool<Db>, agent: i64) -> Result<Vec<Member>> {
    const FROM: &str = "FROM memberships m
         JOIN users u ON u.id = m.user_id
         LEFT JOIN last_activity l ON l.agent_id = m.agent_id AND l.user_id = m.user_id
         WHERE m.agent_id = $1";
    type Fields = (
        i64,
        String,
        Option<String>,
        Option<String>,
        i64,
        Option<i64>,
    );
    let rows: Vec<Fields> = match BACKEND {
        // sqlx hands SQLite's rows over one at a time: thousands of members
        // travel faster as one JSON value.
        Backend::Sqlite => {
            let sql = format!(
                "SELECT json_group_array(json_array(u.id, u.user_key, u.username, u.name, m.registered_at, l.at)) {FROM}"
            );
            let packed: String = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(agent)
                .fetch_one(pool)
                .await?
                .get(0);
            serde_json::from_str(&packed).map_err(|error| {
                crate::error::StoreError::Corrupt(format!("members of agent {agent}: {error}"))
            })?
        }
        // PostgreSQL sends rows in bulk; building JSON there costs more.
        Backend::Postgres => {
            let sql = format!(
                "SELECT u.id, u.user_key, u.username, u.name, m.registered_at, l.at {FROM}"
            );
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(agent)
                .fetch_all(pool)
                .await?
        }
    };
    let mut members: Vec<Member> = rows
        .into_iter()
        .map(
            |(user, user_id, username, name, registered_at, last_active)| Member {
                user,
                user_id,
                username,
                name,
                registered_at,
                last_active,
            },
        )
        .collect();
    members.sort_unstable_by(|a, b| a.user_id.cmp(&b.user_id));
    Ok(members)
}

// ---- dashboard accounts ----------------------------------------------------

pub async fn create_account(
    pool: &Pool<Db>,
    username: &str,
    password_hash: &str,
    role: Role,
    agents: &[String],
    now: i64,
) -> Result<i64> {
    let mut tx = pool.begin().await?;
    let id: i64 = sqlx::query(
        "INSERT INTO accounts (username, password_hash, role, disabled, created_at)
         VALUES ($1, $2, $3, 0, $4) RETURNING id",
    )
    .bind(username)
    .bind(password_hash)
    .bind(role.as_str())
    .bind(now)
    .fetch_one(&mut *tx)
    .await?
    .get(0);
    for agent in agents {
        sqlx::query("INSERT INTO account_agents (account_id, agent_key) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(id)
            .bind(agent.as_str())
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(id)
}

pub async fn grant_agent(pool: &Pool<Db>, username: &str, agent_key: &str) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO account_agents (account_id, agent_key)
         SELECT id, $2 FROM accounts WHERE username = $1
         ON CONFLICT DO NOTHING",
    )
    .bind(username)
    .bind(agent_key)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() > 0 || account_exists(pool, username).await?)
}

async fn account_exists(pool: &Pool<Db>, username: &str) -> Result<bool> {
    Ok(sqlx::query("SELECT 1 FROM accounts WHERE username = $1")
        .bind(username)
        .fetch_optional(pool)
        .await?
        .is_some())
}

/// The account and its password hash.
pub async fn account_by_username(
    pool: &Pool<Db>,
    username: &str,
) -> Result<Option<(Account, String)>> {
    let row = sqlx::query("SELECT id, password_hash FROM accounts WHERE username = $1")
        .bind(username)
        .fetch_optional(pool)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let account = account_by_id(pool, row.get(0)).await?;
    Ok(account.map(|account| (account, row.get(1))))
}

async fn account_by_id(pool: &Pool<Db>, id: i64) -> Result<Option<Account>> {
    let row = sqlx::query("SELECT id, username, role, disabled FROM accounts WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let agents = sqlx::query(
        "SELECT agent_key FROM account_agents WHERE account_id = $1 ORDER BY agent_key",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    let role: String = row.get(2);
    Ok(Some(Account {
        id: row.get(0),
        username: row.get(1),
        role: Role::parse(&role).unwrap_or(Role::Admin),
        disabled: row.get::<i64, _>(3) != 0,
        agents: agents.iter().map(|agent| agent.get(0)).collect(),
    }))
}

pub async fn create_session(
    pool: &Pool<Db>,
    token_hash: &str,
    account: i64,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO auth_sessions (token_hash, account_id, created_at, last_seen_at) VALUES ($1, $2, $3, $3)",
    )
    .bind(token_hash)
    .bind(account)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}

/// The account of a live session (and the session's last use moves to
/// `now`); expired sessions are deleted.
pub async fn session_account(
    pool: &Pool<Db>,
    token_hash: &str,
    now: i64,
) -> Result<Option<Account>> {
    let row = sqlx::query(
        "SELECT account_id, created_at, last_seen_at FROM auth_sessions WHERE token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let (created, seen): (i64, i64) = (row.get(1), row.get(2));
    if now - seen > IDLE_TIMEOUT_MS || now - created > ABSOLUTE_TIMEOUT_MS {
        delete_session(pool, token_hash).await?;
        return Ok(None);
    }
    sqlx::query("UPDATE auth_sessions SET last_seen_at = $1 WHERE token_hash = $2")
        .bind(now)
        .bind(token_hash)
        .execute(pool)
        .await?;
    account_by_id(pool, row.get(0)).await
}

pub async fn delete_session(pool: &Pool<Db>, token_hash: &str) -> Result<()> {
    sqlx::query("DELETE FROM auth_sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn account_count(pool: &Pool<Db>) -> Result<u64> {
    let count: i64 = sqlx::query("SELECT COUNT(*) FROM accounts")
        .fetch_one(pool)
        .await?
        .get(0);
    Ok(count as u64)
}

/// Records a sign-in attempt for each subject, unless one of them has
/// reached its limit (`None`: no limit) of attempts since `since_ms`:
/// counting and recording are one step, so parallel guesses cannot all pass
/// the check before any is recorded. The counts before this attempt, or
/// None when it is refused.
pub async fn claim_login_attempt(
    pool: &Pool<Db>,
    subjects: &[(String, Option<u64>)],
    at_ms: i64,
    since_ms: i64,
) -> Result<Option<Vec<u64>>> {
    let mut tx = begin_write(pool).await?;
    if BACKEND == Backend::Postgres {
        // Attempts of every instance queue here for the few milliseconds
        // their transaction takes; SQLite's write lock does the same.
        sqlx::query("LOCK TABLE login_failures IN SHARE ROW EXCLUSIVE MODE")
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("DELETE FROM login_failures WHERE at < $1")
        .bind(since_ms)
        .execute(&mut *tx)
        .await?;
    let mut counts = Vec::with_capacity(subjects.len());
    for (subject, limit) in subjects {
        let count: i64 = sqlx::query("SELECT COUNT(*) FROM login_failures WHERE subject = $1")
            .bind(subject.as_str())
            .fetch_one(&mut *tx)
            .await?
            .get(0);
        let count = count as u64;
        if limit.is_some_and(|limit| count >= limit) {
            tx.rollback().await?;
            return Ok(None);
        }
        counts.push(count);
    }
    for (subject, _) in subjects {
        sqlx::query("INSERT INTO login_failures (subject, at) VALUES ($1, $2)")
            .bind(subject.as_str())
            .bind(at_ms)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(Some(counts))
}

/// After a successful sign-in: the failures of the `forgiven` subjects are
/// forgotten, and the attempt claimed at `at_ms` no longer counts against
/// the `withdrawn` ones.
pub async fn login_succeeded(
    pool: &Pool<Db>,
    forgiven: &[String],
    withdrawn: &[String],
    at_ms: i64,
) -> Result<()> {
    let mut tx = begin_write(pool).await?;
    for subject in forgiven {
        sqlx::query("DELETE FROM login_failures WHERE subject = $1")
            .bind(subject.as_str())
            .execute(&mut *tx)
            .await?;
    }
    for subject in withdrawn {
        sqlx::query("DELETE FROM login_failures WHERE subject = $1 AND at = $2")
            .bind(subject.as_str())
            .bind(at_ms)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

pub async fn list_accounts(pool: &Pool<Db>) -> Result<Vec<Account>> {
    let ids = sqlx::query("SELECT id FROM accounts ORDER BY username")
        .fetch_all(pool)
        .await?;
    let mut accounts = Vec::with_capacity(ids.len());
    for row in &ids {
        if let Some(account) = account_by_id(pool, row.get(0)).await? {
            accounts.push(account);
        }
    }
    Ok(accounts)
}

/// Applies every part of `change` in one transaction; false (and nothing
/// changed) when there is no such account. A new password or the disabled
/// flag ends the account's sessions; new agents apply to its next request.
pub async fn update_account(
    pool: &Pool<Db>,
    username: &str,
    change: &AccountChange,
) -> Result<bool> {
    let mut tx = pool.begin().await?;
    let Some(row) = sqlx::query("SELECT id FROM accounts WHERE username = $1")
        .bind(username)
        .fetch_optional(&mut *tx)
        .await?
    else {
        return Ok(false);
    };
    let id: i64 = row.get(0);
    if let Some(agents) = &change.agents {
        sqlx::query("DELETE FROM account_agents WHERE account_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        for agent in agents {
            sqlx::query("INSERT INTO account_agents (account_id, agent_key) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(id)
                .bind(agent.as_str())
                .execute(&mut *tx)
                .await?;
        }
    }
    if let Some(hash) = &change.password_hash {
        sqlx::query("UPDATE accounts SET password_hash = $1 WHERE id = $2")
            .bind(hash.as_str())
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    if let Some(disabled) = change.disabled {
        sqlx::query("UPDATE accounts SET disabled = $1 WHERE id = $2")
            .bind(i64::from(disabled))
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    if change.password_hash.is_some() || change.disabled.is_some() {
        sqlx::query("DELETE FROM auth_sessions WHERE account_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(true)
}
