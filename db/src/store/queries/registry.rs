//! Agents, users and registrations.

use pulse_model::Agent;
use sqlx::QueryBuilder;

use super::ingest::{NewMembership, ensure_keys, push_new_memberships};
use super::{Db, begin_write, raise_data_versions, rows_per_statement};
use crate::error::Result;
use crate::ids::AgentKey;
use crate::learners::Naming;
use crate::store::access::{Reader, Writer};
use crate::store::records::{AgentRef, LearnerSeed};
use crate::time::Millis;

pub async fn list_agents(db: &Reader<Db>) -> Result<Vec<Agent>> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT agent_key, name FROM agents ORDER BY name, agent_key")
            .fetch_all(db.pool())
            .await?;
    Ok(rows
        .into_iter()
        .map(|(agent_id, name)| Agent { agent_id, name })
        .collect())
}

pub async fn find_agent(db: &Reader<Db>, agent_id: &str) -> Result<Option<AgentRef>> {
    Ok(sqlx::query_as(
        "SELECT id AS key, agent_key AS agent_id, name, data_version, history_version,
                (SELECT version FROM names_version) AS names_version
         FROM agents WHERE agent_key = $1",
    )
    .bind(agent_id)
    .fetch_optional(db.pool())
    .await?)
}

pub async fn put_agent(db: &Writer<Db>, agent_id: &str, name: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO agents (agent_key, name) VALUES ($1, $2)
         ON CONFLICT (agent_key) DO UPDATE SET name = excluded.name",
    )
    .bind(agent_id)
    .bind(name)
    .execute(db.pool())
    .await?;
    Ok(())
}

/// The platform's word on a learner's names (a caller for every agent):
/// the names everywhere they are registered, and those a registration the
/// platform makes later starts with (crate::learners).
pub async fn put_user(
    db: &Writer<Db>,
    user_id: &str,
    username: Option<&str>,
    name: Option<&str>,
) -> Result<()> {
    let mut tx = begin_write(db).await?;
    sqlx::query(
        "INSERT INTO users (user_key, username, name) VALUES ($1, $2, $3)
         ON CONFLICT (user_key) DO UPDATE SET
             username = COALESCE(excluded.username, users.username),
             name = COALESCE(excluded.name, users.name)",
    )
    .bind(user_id)
    .bind(username)
    .bind(name)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE memberships SET username = COALESCE($1, username), name = COALESCE($2, name)
         WHERE user_id = (SELECT id FROM users WHERE user_key = $3)",
    )
    .bind(username)
    .bind(name)
    .bind(user_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Registers the user for the agent from `registered_at` (a new
/// registration named as `naming` allows), or moves an earlier one.
pub async fn register(
    db: &Writer<Db>,
    agent: AgentKey,
    user_id: &str,
    registered_at: Millis,
    naming: Naming,
) -> Result<()> {
    let mut tx = begin_write(db).await?;
    let (_, users) = ensure_keys(&mut tx, &[], &[user_id]).await?;
    let mut query = QueryBuilder::<Db>::new("");
    let membership = NewMembership {
        agent,
        user: users[user_id],
        registered_at,
        automatic: false,
    };
    push_new_memberships(&mut query, [membership], naming).push(
        " ON CONFLICT (agent_id, user_id) DO UPDATE SET
             registered_at = excluded.registered_at, automatic = 0,
             vouched = CASE WHEN excluded.vouched = 1 THEN 1 ELSE memberships.vouched END",
    );
    query.build().execute(&mut *tx).await?;
    raise_data_versions(&mut tx, &[agent]).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn import_learners(
    db: &Writer<Db>,
    agent_id: &str,
    agent_name: &str,
    learners: &[LearnerSeed],
) -> Result<()> {
    let mut tx = begin_write(db).await?;
    sqlx::query(
        "INSERT INTO agents (agent_key, name) VALUES ($1, $2)
         ON CONFLICT (agent_key) DO UPDATE SET name = excluded.name",
    )
    .bind(agent_id)
    .bind(agent_name)
    .execute(&mut *tx)
    .await?;
    let user_ids: Vec<&str> = learners
        .iter()
        .map(|learner| learner.user_id.as_str())
        .collect();
    let (agents, users) = ensure_keys(&mut tx, &[agent_id], &user_ids).await?;
    let agent = agents[agent_id];
    for learner in learners {
        sqlx::query("UPDATE users SET username = $1, name = $2 WHERE id = $3")
            .bind(learner.username.as_deref())
            .bind(learner.name.as_deref())
            .bind(users[&learner.user_id])
            .execute(&mut *tx)
            .await?;
    }
    for chunk in learners.chunks(rows_per_statement(6)) {
        let mut query = QueryBuilder::<Db>::new(
            "INSERT INTO memberships (agent_id, user_id, registered_at, automatic, username, name) ",
        );
        query.push_values(chunk, |mut row, learner| {
            row.push_bind(agent)
                .push_bind(users[&learner.user_id])
                .push_bind(learner.registered_at)
                .push_bind(0_i64)
                .push_bind(learner.username.as_deref())
                .push_bind(learner.name.as_deref());
        });
        query.push(
            " ON CONFLICT (agent_id, user_id) DO UPDATE SET registered_at = excluded.registered_at,
                 automatic = 0, username = excluded.username, name = excluded.name",
        );
        query.build().execute(&mut *tx).await?;
    }
    raise_data_versions(&mut tx, &[agent]).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn unregister(db: &Writer<Db>, agent: AgentKey, user_id: &str) -> Result<bool> {
    let mut tx = begin_write(db).await?;
    let done = sqlx::query(
        "DELETE FROM memberships
         WHERE agent_id = $1 AND user_id = (SELECT id FROM users WHERE user_key = $2)",
    )
    .bind(agent)
    .bind(user_id)
    .execute(&mut *tx)
    .await?;
    let removed = done.rows_affected() > 0;
    if removed {
        raise_data_versions(&mut tx, &[agent]).await?;
    }
    tx.commit().await?;
    Ok(removed)
}
