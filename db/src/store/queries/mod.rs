//! The store's SQL, written once and compiled once per backend: this folder
//! is the module `queries` of both `store::sqlite` and `store::postgres`,
//! which set `Db` to their sqlx database type and `BACKEND` to match. Where
//! the dialects differ, the text is chosen by `BACKEND`; placeholders are
//! `$N`, which both read. Queries that write take a [`Writer`], the others
//! a [`Reader`].

pub mod accounts;
pub mod analytics;
pub mod annotations;
pub mod api_keys;
pub mod backup;
pub mod contact_marks;
pub mod erasure;
pub mod ingest;
pub mod registry;
pub mod sections;
pub mod share_links;

use sqlx::{QueryBuilder, Transaction};

use super::{BACKEND, Db};
use crate::error::Result;
use crate::ids::AgentKey;
use crate::store::Backend;
use crate::store::access::{Reader, Writer};

/// The text aggregate of this backend (`STRING_AGG(text, separator)`).
const STRING_AGG: &str = match BACKEND {
    Backend::Sqlite => "group_concat",
    Backend::Postgres => "string_agg",
};

/// Values bound per statement: under SQLite's limit (32,766) and
/// PostgreSQL's (65,535). Each statement costs a round trip, so a
/// multi-row statement takes as many rows as fit.
const MAX_BINDS: usize = 30_000;

/// Rows of `columns` bound values that fit in one statement.
const fn rows_per_statement(columns: usize) -> usize {
    MAX_BINDS / columns
}

/// `ids` in runs that fit one `IN (...)` list each, beside a statement's
/// few other values (MAX_BINDS leaves room for them under both limits).
fn in_lists<T>(ids: &[T]) -> std::slice::Chunks<'_, T> {
    ids.chunks(rows_per_statement(1))
}

pub async fn ping(db: &Reader<Db>) -> Result<()> {
    sqlx::query("SELECT 1").execute(db.pool()).await?;
    Ok(())
}

pub async fn after_bulk_load(db: &Writer<Db>) -> Result<()> {
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
    sqlx::raw_sql(sql).execute(db.pool()).await?;
    Ok(())
}

/// A transaction that will write. SQLite's is IMMEDIATE: it takes the write
/// lock first, so reads made before the first write cannot go stale when
/// another process writes meanwhile (which would fail with SQLITE_BUSY).
async fn begin_write(db: &Writer<Db>) -> Result<Transaction<'static, Db>> {
    Ok(match BACKEND {
        Backend::Sqlite => db.pool().begin_with("BEGIN IMMEDIATE").await?,
        Backend::Postgres => db.pool().begin().await?,
    })
}

/// How far back a write changed an agent's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Reach {
    /// Only events of the open days (`time::is_history` false for each).
    OpenDays,
    /// Anything, closed days' activity included.
    History,
}

/// Raises the data and history versions of each agent (see the analytics
/// cache and migration 0011) inside the transaction that changes their
/// figures, so that no reader sees the new version without the new data.
async fn raise_data_versions(tx: &mut Transaction<'_, Db>, agents: &[AgentKey]) -> Result<()> {
    let changes: Vec<(AgentKey, Reach)> = agents
        .iter()
        .map(|agent| (*agent, Reach::History))
        .collect();
    raise_versions(tx, changes).await
}

/// Raises each agent's data version, and its history version where the
/// write reached it (once per agent, the widest reach). Sorted, so that
/// concurrent writers lock the agents' rows in one order.
async fn raise_versions(
    tx: &mut Transaction<'_, Db>,
    mut changes: Vec<(AgentKey, Reach)>,
) -> Result<()> {
    changes.sort_unstable();
    changes.dedup_by(|next, kept| {
        let same = next.0 == kept.0;
        if same {
            kept.1 = kept.1.max(next.1);
        }
        same
    });
    for (agent, reach) in changes {
        let sql = match reach {
            Reach::OpenDays => "UPDATE agents SET data_version = data_version + 1 WHERE id = $1",
            Reach::History => {
                "UPDATE agents SET data_version = data_version + 1,
                                   history_version = history_version + 1 WHERE id = $1"
            }
        };
        sqlx::query(sql).bind(agent).execute(&mut **tx).await?;
    }
    Ok(())
}

/// Binds a list for `IN (...)`; an empty list matches nothing (PostgreSQL
/// rejects `IN ()`).
fn push_list<'t, T>(query: &mut QueryBuilder<Db>, keys: &[T])
where
    T: Copy + sqlx::Encode<'t, Db> + sqlx::Type<Db>,
{
    if keys.is_empty() {
        query.push("NULL");
    }
    let mut list = query.separated(", ");
    for key in keys {
        list.push_bind(*key);
    }
}
