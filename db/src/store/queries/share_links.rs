//! Share links: made, listed, found by token hash, opened, revoked.

use super::Db;
use crate::error::Result;
use crate::share_links::{NewLinkRow, ShareLinkRecord};
use crate::store::access::{Reader, Writer};

const COLUMNS: &str = "id, agent_key AS agent_id, section_key AS section_id, period, from_date, \
                       to_date, tz, min_count, password_hash, created_by, created_at, expires_at, revoked_at, \
                       last_opened_at, views";

pub async fn create_share_link(db: &Writer<Db>, link: &NewLinkRow<'_>) -> Result<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO share_links (token_hash, agent_key, section_key, period, from_date, to_date,
             tz, min_count, password_hash, created_by, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    )
    .bind(link.token_hash)
    .bind(link.agent_id)
    .bind(link.section)
    .bind(link.period)
    .bind(link.from)
    .bind(link.to)
    .bind(link.tz)
    .bind(i64::from(link.min_count))
    .bind(link.password_hash)
    .bind(link.created_by)
    .bind(link.created_at)
    .bind(link.expires_at)
    .fetch_one(db.pool())
    .await?;
    Ok(id)
}

pub async fn list_share_links(db: &Reader<Db>) -> Result<Vec<ShareLinkRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM share_links ORDER BY created_at DESC, id DESC");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .fetch_all(db.pool())
        .await?)
}

pub async fn share_link_by_hash(
    db: &Reader<Db>,
    token_hash: &str,
) -> Result<Option<ShareLinkRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM share_links WHERE token_hash = $1");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(token_hash)
        .fetch_optional(db.pool())
        .await?)
}

pub async fn share_link_by_id(db: &Reader<Db>, id: i64) -> Result<Option<ShareLinkRecord>> {
    let sql = format!("SELECT {COLUMNS} FROM share_links WHERE id = $1");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(db.pool())
        .await?)
}

pub async fn record_share_view(db: &Writer<Db>, id: i64, at: i64) -> Result<()> {
    sqlx::query("UPDATE share_links SET views = views + 1, last_opened_at = $2 WHERE id = $1")
        .bind(id)
        .bind(at)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Revokes a link that works; false when there is none, or it was revoked.
pub async fn revoke_share_link(db: &Writer<Db>, id: i64, at: i64) -> Result<bool> {
    let done =
        sqlx::query("UPDATE share_links SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
            .bind(id)
            .bind(at)
            .execute(db.pool())
            .await?;
    Ok(done.rows_affected() == 1)
}
