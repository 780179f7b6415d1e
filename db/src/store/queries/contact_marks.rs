//! Contact marks: who contacted which learner of an agent, when.

use std::collections::HashMap;

use super::{Db, begin_write};
use crate::error::Result;
use crate::ids::{AgentKey, UserKey};
use crate::store::access::{Reader, Writer};
use crate::store::records::ContactRow;
use crate::time::Millis;

/// The keys of those of `user_ids` registered for the agent.
pub async fn registered_keys(
    db: &Reader<Db>,
    agent: AgentKey,
    user_ids: &[String],
) -> Result<HashMap<String, UserKey>> {
    let mut found = HashMap::new();
    for chunk in super::in_lists(user_ids) {
        let mut query = sqlx::QueryBuilder::<Db>::new(
            "SELECT u.user_key, u.id FROM memberships m JOIN users u ON u.id = m.user_id
             WHERE m.agent_id = ",
        );
        query.push_bind(agent).push(" AND u.user_key IN (");
        let ids: Vec<&str> = chunk.iter().map(String::as_str).collect();
        super::push_list(&mut query, &ids);
        query.push(")");
        let rows: Vec<(String, UserKey)> = query.build_query_as().fetch_all(db.pool()).await?;
        found.extend(rows);
    }
    Ok(found)
}

/// Those of `users` (registered for the agent) whom only an administrator
/// registered, by hand, and who never used the agent: no reminder goes to
/// them (crate::learners).
pub async fn unvouched(db: &Reader<Db>, agent: AgentKey, users: &[UserKey]) -> Result<Vec<String>> {
    let mut found = Vec::new();
    for chunk in super::in_lists(users) {
        let mut query = sqlx::QueryBuilder::<Db>::new(
            "SELECT u.user_key FROM memberships m JOIN users u ON u.id = m.user_id
             WHERE m.vouched = 0
               AND NOT EXISTS (SELECT 1 FROM last_activity l
                               WHERE l.agent_id = m.agent_id AND l.user_id = m.user_id)
               AND m.agent_id = ",
        );
        query.push_bind(agent).push(" AND m.user_id IN (");
        super::push_list(&mut query, chunk);
        query.push(") ORDER BY u.user_key");
        let rows: Vec<(String,)> = query.build_query_as().fetch_all(db.pool()).await?;
        found.extend(rows.into_iter().map(|(user,)| user));
    }
    Ok(found)
}

/// Marks every one of `users` as contacted, in one transaction.
pub async fn mark_contacted(
    db: &Writer<Db>,
    agent: AgentKey,
    users: &[UserKey],
    (at, by, note, reminder): (Millis, &str, Option<&str>, bool),
) -> Result<()> {
    let mut tx = begin_write(db).await?;
    for chunk in users.chunks(super::rows_per_statement(6)) {
        let mut query = sqlx::QueryBuilder::<Db>::new(
            "INSERT INTO contact_marks (agent_id, user_id, marked_at, marked_by, note, reminder) ",
        );
        query.push_values(chunk, |mut row, user| {
            row.push_bind(agent)
                .push_bind(*user)
                .push_bind(at)
                .push_bind(by)
                .push_bind(note)
                .push_bind(i64::from(reminder));
        });
        query.build().execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Each learner's latest mark on the agent.
pub async fn latest_marks(db: &Reader<Db>, agent: AgentKey) -> Result<Vec<ContactRow>> {
    Ok(sqlx::query_as(
        "SELECT u.user_key AS user_id, c.marked_at, c.marked_by, c.note, c.reminder
         FROM contact_marks c JOIN users u ON u.id = c.user_id
         WHERE c.agent_id = $1 AND c.id = (
             SELECT MAX(l.id) FROM contact_marks l
             WHERE l.agent_id = c.agent_id AND l.user_id = c.user_id)
         ORDER BY u.user_key",
    )
    .bind(agent)
    .fetch_all(db.pool())
    .await?)
}

/// One learner's marks on the agent, newest first, at most `limit`.
pub async fn learner_marks(
    db: &Reader<Db>,
    agent: AgentKey,
    user_id: &str,
    limit: i64,
) -> Result<Vec<ContactRow>> {
    Ok(sqlx::query_as(
        "SELECT u.user_key AS user_id, c.marked_at, c.marked_by, c.note, c.reminder
         FROM contact_marks c JOIN users u ON u.id = c.user_id
         WHERE c.agent_id = $1 AND u.user_key = $2
         ORDER BY c.id DESC LIMIT $3",
    )
    .bind(agent)
    .bind(user_id)
    .bind(limit)
    .fetch_all(db.pool())
    .await?)
}
