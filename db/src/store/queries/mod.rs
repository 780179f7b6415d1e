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
pub mod erasure;
pub mod follow_up;
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

/// Values bound per statement: under SQLite's limit (32,766) and
/// PostgreSQL's (65,535). Each statement costs a round trip, so a
/// multi-row statement takes as many rows as fit.
const MAX_BINDS: usize = 30_000;

/// Rows of `columns` bound values that fit in one statement.
const fn rows_per_statement(columns: usize) -> usize {
    MAX_BINDS / columns
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

/// Raises the data version of each agent (see the analytics cache), inside
/// the transaction that changes their figures, so that no reader sees the
/// new version without the new data. Sorted, so that concurrent writers
/// lock the agents' rows in one order.
async fn raise_data_versions(tx: &mut Transaction<'_, Db>, agents: &[AgentKey]) -> Result<()> {
    let mut agents = agents.to_vec();
    agents.sort_unstable();
    agents.dedup();
    for agent in agents {
        sqlx::query("UPDATE agents SET data_version = data_version + 1 WHERE id = $1")
            .bind(agent)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
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
