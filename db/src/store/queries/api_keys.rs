//! API keys: stored by hash, named by prefix.

use super::{BACKEND, Db, STRING_AGG, begin_write};
use crate::error::{Result, StoreError};
use crate::keys::{KeyRecord, KeyScope, NewKey, Revocation};
use crate::store::Backend;
use crate::store::access::{Reader, Writer};

/// Stores the key; false (nothing stored) when another key has its prefix.
pub async fn insert_key(db: &Writer<Db>, key: &NewKey) -> Result<bool> {
    let mut tx = begin_write(db).await?;
    if BACKEND == Backend::Postgres {
        // Two instances must not both find a prefix free.
        sqlx::query("LOCK TABLE api_keys IN SHARE ROW EXCLUSIVE MODE")
            .execute(&mut *tx)
            .await?;
    }
    let taken: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM api_keys WHERE prefix = $1")
        .bind(key.prefix.as_str())
        .fetch_one(&mut *tx)
        .await?;
    if taken > 0 {
        return Ok(false);
    }
    let id: i64 = sqlx::query_scalar(
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
    .await?;
    for (agent, section) in &key.sections.0 {
        sqlx::query(
            "INSERT INTO api_key_sections (key_id, agent_key, section_key) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(agent.as_str())
        .bind(section.as_str())
        .execute(&mut *tx)
        .await?;
    }
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

/// A row of `api_keys` with its agents and sections, as selected by
/// [`key_select`].
#[derive(sqlx::FromRow)]
struct KeyRow {
    id: i64,
    prefix: String,
    scope: String,
    all_agents: i64,
    label: Option<String>,
    created_at: i64,
    revoked_at: Option<i64>,
    /// The agents of a key limited to some, `a,b`; none when it has none.
    agents: Option<String>,
    /// The sections it is limited to, `agent/section,agent/section`.
    sections: Option<String>,
}

/// `SELECT` of keys with their agents and sections packed in text, so that
/// a key is read in one query: every API request reads its key first, and
/// on PostgreSQL each query is a round trip. Neither separator can be in
/// an agent or section id (letters, digits, `.`, `_` and `-`).
fn key_select() -> String {
    format!(
        "SELECT id, prefix, scope, all_agents, label, created_at, revoked_at,
           (SELECT {STRING_AGG}(agent_key, ',') FROM api_key_agents
             WHERE key_id = api_keys.id) AS agents,
           (SELECT {STRING_AGG}(agent_key || '/' || section_key, ',') FROM api_key_sections
             WHERE key_id = api_keys.id) AS sections
         FROM api_keys"
    )
}

pub async fn key_by_hash(db: &Reader<Db>, key_hash: &str) -> Result<Option<KeyRecord>> {
    let sql = sqlx::AssertSqlSafe(format!("{} WHERE key_hash = $1", key_select()));
    let row: Option<KeyRow> = sqlx::query_as(sql)
        .bind(key_hash)
        .fetch_optional(db.pool())
        .await?;
    row.map(key_record).transpose()
}

pub async fn list_keys(db: &Reader<Db>) -> Result<Vec<KeyRecord>> {
    let sql = sqlx::AssertSqlSafe(format!("{} ORDER BY id", key_select()));
    let rows: Vec<KeyRow> = sqlx::query_as(sql).fetch_all(db.pool()).await?;
    rows.into_iter().map(key_record).collect()
}

fn key_record(row: KeyRow) -> Result<KeyRecord> {
    let corrupt = |what: String| StoreError::Corrupt(format!("key {} has {what}", row.id));
    let scope = KeyScope::parse(&row.scope)
        .ok_or_else(|| corrupt(format!("the unknown scope {:?}", row.scope)))?;
    let listed = |text: &Option<String>| -> Vec<String> {
        let mut items: Vec<String> = text
            .iter()
            .flat_map(|text| text.split(','))
            .map(str::to_owned)
            .collect();
        items.sort_unstable();
        items
    };
    let agents = (row.all_agents != 1).then(|| listed(&row.agents));
    let mut sections = listed(&row.sections)
        .into_iter()
        .map(|pair| match pair.split_once('/') {
            Some((agent, section)) => Ok((agent.to_owned(), section.to_owned())),
            None => Err(corrupt(format!("the section {pair:?}"))),
        })
        .collect::<Result<Vec<_>>>()?;
    sections.sort_unstable();
    Ok(KeyRecord {
        prefix: row.prefix,
        scope,
        agents,
        sections: crate::sections::SectionLimits(sections),
        label: row.label,
        created_at: row.created_at,
        revoked_at: row.revoked_at,
    })
}

/// Revokes the active key with this prefix. Several may share it (only
/// keys made before prefixes were kept unique): then none is revoked,
/// unless `all` says to revoke them all.
pub async fn revoke_key(db: &Writer<Db>, prefix: &str, all: bool, at: i64) -> Result<Revocation> {
    let mut tx = begin_write(db).await?;
    let active: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM api_keys WHERE prefix = $1 AND revoked_at IS NULL",
    )
    .bind(prefix)
    .fetch_one(&mut *tx)
    .await?;
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
