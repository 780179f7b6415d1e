//! Annotations: dated notes of an agent.

use chrono::NaiveDate;
use pulse_model::{Annotation, MAX_ANNOTATIONS_PER_AGENT};

use super::{Db, begin_write};
use crate::error::{Result, StoreError};
use crate::ids::AgentKey;
use crate::store::access::{Reader, Writer};

pub async fn list_annotations(db: &Reader<Db>, agent: AgentKey) -> Result<Vec<Annotation>> {
    let rows: Vec<(String, String, Option<String>, String)> = sqlx::query_as(
        "SELECT annotation_key, date, end_date, label FROM annotations
         WHERE agent_id = $1 ORDER BY date, annotation_key",
    )
    .bind(agent)
    .fetch_all(db.pool())
    .await?;
    let date = |text: &str| {
        text.parse::<NaiveDate>()
            .map_err(|_| StoreError::Corrupt(format!("annotation date {text:?}")))
    };
    rows.into_iter()
        .map(|(id, start, end, label)| {
            Ok(Annotation {
                id,
                date: date(&start)?,
                end_date: end.as_deref().map(date).transpose()?,
                label,
            })
        })
        .collect()
}

/// Stores the notes (new or replacing those with their ids) in one
/// transaction; how many were new.
pub async fn put_annotations(
    db: &Writer<Db>,
    agent: AgentKey,
    notes: &[Annotation],
) -> Result<u64> {
    let mut tx = begin_write(db).await?;
    let count = async |tx: &mut sqlx::Transaction<'_, Db>| -> Result<u64> {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM annotations WHERE agent_id = $1")
            .bind(agent)
            .fetch_one(&mut **tx)
            .await?;
        Ok(count as u64)
    };
    let before = count(&mut tx).await?;
    let mut created = 0;
    for note in notes {
        let existing: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM annotations WHERE agent_id = $1 AND annotation_key = $2",
        )
        .bind(agent)
        .bind(note.id.as_str())
        .fetch_one(&mut *tx)
        .await?;
        if existing == 0 {
            created += 1;
        }
        sqlx::query(
            "INSERT INTO annotations (agent_id, annotation_key, date, end_date, label)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (agent_id, annotation_key) DO UPDATE SET
                 date = excluded.date, end_date = excluded.end_date, label = excluded.label",
        )
        .bind(agent)
        .bind(note.id.as_str())
        .bind(note.date.to_string())
        .bind(note.end_date.map(|end| end.to_string()))
        .bind(note.label.as_str())
        .execute(&mut *tx)
        .await?;
    }
    // Checked on the whole result, before the commit: a calendar that
    // would go past the limit is refused whole. Edits of an agent already
    // past it (from before the limit) that add nothing still go through.
    let after = count(&mut tx).await?;
    if after > MAX_ANNOTATIONS_PER_AGENT && after > before {
        return Err(StoreError::LimitReached(format!(
            "an agent may have at most {MAX_ANNOTATIONS_PER_AGENT} annotations, \
             and this would make {after}; nothing was stored"
        )));
    }
    tx.commit().await?;
    Ok(created)
}

/// Deletes the note; false when there was none.
pub async fn delete_annotation(db: &Writer<Db>, agent: AgentKey, id: &str) -> Result<bool> {
    let done = sqlx::query("DELETE FROM annotations WHERE agent_id = $1 AND annotation_key = $2")
        .bind(agent)
        .bind(id)
        .execute(db.pool())
        .await?;
    Ok(done.rows_affected() > 0)
}
