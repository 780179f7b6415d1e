//! Sections of an agent, their members, and grants limited to sections.

use std::collections::{BTreeSet, HashMap};

use pulse_model::{MAX_SECTIONS_PER_AGENT, Section};
use sqlx::{QueryBuilder, Transaction};

use super::ingest::{NEW_MEMBERSHIP_BINDS, NewMembership, ensure_keys, push_new_memberships};
use super::{Db, begin_write, push_list, raise_data_versions};
use crate::error::{Result, StoreError};
use crate::ids::{AgentKey, UserKey};
use crate::learners::Naming;
use crate::sections::RosterLine;
use crate::store::access::{Reader, Writer};
use crate::time::Millis;

pub async fn list_sections(db: &Reader<Db>, agent: AgentKey) -> Result<Vec<Section>> {
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT s.section_key, s.name, COUNT(m.user_id)
         FROM sections s LEFT JOIN section_members m ON m.section_id = s.id
         WHERE s.agent_id = $1
         GROUP BY s.id, s.section_key, s.name
         ORDER BY s.name, s.section_key",
    )
    .bind(agent)
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(section_id, name, members)| Section {
            section_id,
            name,
            members: members as u64,
        })
        .collect())
}

/// Creates the section or renames it; true when it was created.
pub async fn put_section(
    db: &Writer<Db>,
    agent: AgentKey,
    section_id: &str,
    name: &str,
) -> Result<bool> {
    let mut tx = begin_write(db).await?;
    let created = upsert_section(&mut tx, agent, section_id, Some(name)).await?;
    tx.commit().await?;
    Ok(created)
}

/// The section's database key, created (named `name`, else its id) when
/// missing, renamed when `name` is given; and whether it was created.
async fn upsert_section(
    tx: &mut Transaction<'_, Db>,
    agent: AgentKey,
    section_id: &str,
    name: Option<&str>,
) -> Result<bool> {
    let existing: Option<i64> =
        sqlx::query_scalar("SELECT id FROM sections WHERE agent_id = $1 AND section_key = $2")
            .bind(agent)
            .bind(section_id)
            .fetch_optional(&mut **tx)
            .await?;
    match (existing, name) {
        (Some(_), None) => Ok(false),
        (Some(id), Some(name)) => {
            sqlx::query("UPDATE sections SET name = $1 WHERE id = $2")
                .bind(name)
                .bind(id)
                .execute(&mut **tx)
                .await?;
            Ok(false)
        }
        (None, name) => {
            let count: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM sections WHERE agent_id = $1")
                    .bind(agent)
                    .fetch_one(&mut **tx)
                    .await?;
            if count as u64 >= MAX_SECTIONS_PER_AGENT {
                return Err(StoreError::LimitReached(format!(
                    "an agent may have at most {MAX_SECTIONS_PER_AGENT} sections; \
                     delete one before making {section_id:?}"
                )));
            }
            sqlx::query("INSERT INTO sections (agent_id, section_key, name) VALUES ($1, $2, $3)")
                .bind(agent)
                .bind(section_id)
                .bind(name.unwrap_or(section_id))
                .execute(&mut **tx)
                .await?;
            Ok(true)
        }
    }
}

/// Deletes the section with its list of members; false when there was none.
pub async fn delete_section(db: &Writer<Db>, agent: AgentKey, section_id: &str) -> Result<bool> {
    let mut tx = begin_write(db).await?;
    let Some(id) = section_key(&mut tx, agent, section_id).await? else {
        return Ok(false);
    };
    sqlx::query("DELETE FROM section_members WHERE section_id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM sections WHERE id = $1")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    // A section's figures are kept under the agent's data version.
    raise_data_versions(&mut tx, &[agent]).await?;
    tx.commit().await?;
    Ok(true)
}

async fn section_key(
    tx: &mut Transaction<'_, Db>,
    agent: AgentKey,
    section_id: &str,
) -> Result<Option<i64>> {
    Ok(
        sqlx::query_scalar("SELECT id FROM sections WHERE agent_id = $1 AND section_key = $2")
            .bind(agent)
            .bind(section_id)
            .fetch_optional(&mut **tx)
            .await?,
    )
}

/// Adds the user to the section (registering them for the agent from `now`
/// when they are not); `None` when there is no such section, else whether
/// they were not a member yet.
pub async fn add_member(
    db: &Writer<Db>,
    agent: AgentKey,
    section_id: &str,
    user_id: &str,
    (now, naming): (Millis, Naming),
) -> Result<Option<bool>> {
    let mut tx = begin_write(db).await?;
    let Some(section) = section_key(&mut tx, agent, section_id).await? else {
        return Ok(None);
    };
    let (_, users) = ensure_keys(&mut tx, &[], &[user_id]).await?;
    let added = insert_members(&mut tx, agent, &[(section, users[user_id])], (now, naming)).await?;
    raise_data_versions(&mut tx, &[agent]).await?;
    tx.commit().await?;
    Ok(Some(added > 0))
}

/// Registers each user for the agent when needed (from `now`, named as
/// `naming` allows) and adds the (section, user) pairs; returns how many
/// pairs were new.
async fn insert_members(
    tx: &mut Transaction<'_, Db>,
    agent: AgentKey,
    pairs: &[(i64, UserKey)],
    (now, naming): (Millis, Naming),
) -> Result<u64> {
    let users: BTreeSet<UserKey> = pairs.iter().map(|(_, user)| *user).collect();
    let users: Vec<UserKey> = users.into_iter().collect();
    for chunk in users.chunks(super::rows_per_statement(NEW_MEMBERSHIP_BINDS)) {
        let mut query = QueryBuilder::<Db>::new("");
        let rows = chunk.iter().map(|user| NewMembership {
            agent,
            user: *user,
            registered_at: now,
            automatic: false,
        });
        // A registration stays as it was, but for the platform's word
        // that the learner is enrolled.
        push_new_memberships(&mut query, rows, naming).push(
            " ON CONFLICT (agent_id, user_id) DO UPDATE SET vouched = 1
              WHERE excluded.vouched = 1 AND memberships.vouched = 0",
        );
        query.build().execute(&mut **tx).await?;
    }
    let mut added = 0;
    for chunk in pairs.chunks(super::rows_per_statement(2)) {
        let mut query =
            QueryBuilder::<Db>::new("INSERT INTO section_members (section_id, user_id) ");
        query.push_values(chunk, |mut row, (section, user)| {
            row.push_bind(*section).push_bind(*user);
        });
        query.push(" ON CONFLICT DO NOTHING");
        added += query.build().execute(&mut **tx).await?.rows_affected();
    }
    Ok(added)
}

/// Removes the user from the section (they stay registered); `None` when
/// there is no such section, else whether they were a member.
pub async fn remove_member(
    db: &Writer<Db>,
    agent: AgentKey,
    section_id: &str,
    user_id: &str,
) -> Result<Option<bool>> {
    let mut tx = begin_write(db).await?;
    let Some(section) = section_key(&mut tx, agent, section_id).await? else {
        return Ok(None);
    };
    let done = sqlx::query(
        "DELETE FROM section_members
         WHERE section_id = $1 AND user_id = (SELECT id FROM users WHERE user_key = $2)",
    )
    .bind(section)
    .bind(user_id)
    .execute(&mut *tx)
    .await?;
    let removed = done.rows_affected() > 0;
    if removed {
        raise_data_versions(&mut tx, &[agent]).await?;
    }
    tx.commit().await?;
    Ok(Some(removed))
}

/// Makes `user_ids` the section's members, in one transaction (each
/// registered for the agent from `now` when not yet); `None` when there is
/// no such section.
pub async fn replace_members(
    db: &Writer<Db>,
    agent: AgentKey,
    section_id: &str,
    user_ids: &[&str],
    (now, naming): (Millis, Naming),
) -> Result<Option<()>> {
    let mut tx = begin_write(db).await?;
    let Some(section) = section_key(&mut tx, agent, section_id).await? else {
        return Ok(None);
    };
    let (_, users) = ensure_keys(&mut tx, &[], user_ids).await?;
    sqlx::query("DELETE FROM section_members WHERE section_id = $1")
        .bind(section)
        .execute(&mut *tx)
        .await?;
    let pairs: Vec<(i64, UserKey)> = user_ids
        .iter()
        .map(|user| (section, users[*user]))
        .collect();
    insert_members(&mut tx, agent, &pairs, (now, naming)).await?;
    raise_data_versions(&mut tx, &[agent]).await?;
    tx.commit().await?;
    Ok(Some(()))
}

/// The user ids of the section's members, sorted; `None` when there is no
/// such section.
pub async fn member_ids(
    db: &Reader<Db>,
    agent: AgentKey,
    section_id: &str,
) -> Result<Option<Vec<String>>> {
    let rows: Vec<(Option<String>,)> = sqlx::query_as(
        "SELECT u.user_key
         FROM sections s
         LEFT JOIN section_members m ON m.section_id = s.id
         LEFT JOIN users u ON u.id = m.user_id
         WHERE s.agent_id = $1 AND s.section_key = $2
         ORDER BY u.user_key",
    )
    .bind(agent)
    .bind(section_id)
    .fetch_all(db.pool())
    .await?;
    if rows.is_empty() {
        return Ok(None);
    }
    Ok(Some(rows.into_iter().filter_map(|(user,)| user).collect()))
}

/// Those of `user_ids` who are members of any of `section_ids`.
pub async fn members_among(
    db: &Reader<Db>,
    agent: AgentKey,
    section_ids: &[&str],
    user_ids: &[&str],
) -> Result<std::collections::HashSet<String>> {
    let mut found = std::collections::HashSet::new();
    for chunk in super::in_lists(user_ids) {
        let mut query = QueryBuilder::<Db>::new(
            "SELECT DISTINCT u.user_key
             FROM section_members m
             JOIN sections s ON s.id = m.section_id
             JOIN users u ON u.id = m.user_id
             WHERE s.agent_id = ",
        );
        query.push_bind(agent).push(" AND s.section_key IN (");
        push_list(&mut query, section_ids);
        query.push(") AND u.user_key IN (");
        push_list(&mut query, chunk);
        query.push(")");
        let rows: Vec<(String,)> = query.build_query_as().fetch_all(db.pool()).await?;
        found.extend(rows.into_iter().map(|(user,)| user));
    }
    Ok(found)
}

/// The members of each of `section_ids` that exists, by section id.
pub async fn section_members(
    db: &Reader<Db>,
    agent: AgentKey,
    section_ids: &[&str],
) -> Result<HashMap<String, Vec<UserKey>>> {
    let mut query = QueryBuilder::<Db>::new(
        "SELECT s.section_key, m.user_id
         FROM sections s LEFT JOIN section_members m ON m.section_id = s.id
         WHERE s.agent_id = ",
    );
    query.push_bind(agent).push(" AND s.section_key IN (");
    push_list(&mut query, section_ids);
    query.push(")");
    let rows: Vec<(String, Option<UserKey>)> = query.build_query_as().fetch_all(db.pool()).await?;
    let mut members: HashMap<String, Vec<UserKey>> = HashMap::new();
    for (section, user) in rows {
        let keys = members.entry(section).or_default();
        keys.extend(user);
    }
    Ok(members)
}

/// Loads a roster in one transaction: sections created (or renamed when a
/// line names them), users created, registered when they are not, added to
/// their sections, and named on this agent (and as the platform's word:
/// rosters come from the command line) when a line names them.
pub async fn import_roster(
    db: &Writer<Db>,
    agent: AgentKey,
    lines: &[RosterLine],
    now: Millis,
) -> Result<u64> {
    let mut tx = begin_write(db).await?;
    let mut sections: HashMap<&str, i64> = HashMap::new();
    for line in lines {
        let id = line.section_id.as_str();
        if line.section_name.is_some() || !sections.contains_key(id) {
            upsert_section(&mut tx, agent, id, line.section_name.as_deref()).await?;
            let key = section_key(&mut tx, agent, id)
                .await?
                .expect("the section was just upserted");
            sections.insert(id, key);
        }
    }
    let user_ids: Vec<&str> = lines.iter().map(|line| line.user_id.as_str()).collect();
    let (_, users) = ensure_keys(&mut tx, &[], &user_ids).await?;
    let pairs: Vec<(i64, UserKey)> = lines
        .iter()
        .map(|line| {
            (
                sections[line.section_id.as_str()],
                users[line.user_id.as_str()],
            )
        })
        .collect();
    let added = insert_members(&mut tx, agent, &pairs, (now, Naming::Platform)).await?;
    for line in lines
        .iter()
        .filter(|line| line.username.is_some() || line.name.is_some())
    {
        let user = users[line.user_id.as_str()];
        sqlx::query(
            "UPDATE users SET username = COALESCE($1, username), name = COALESCE($2, name)
             WHERE id = $3",
        )
        .bind(line.username.as_deref())
        .bind(line.name.as_deref())
        .bind(user)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE memberships SET username = COALESCE($1, username), name = COALESCE($2, name)
             WHERE agent_id = $3 AND user_id = $4",
        )
        .bind(line.username.as_deref())
        .bind(line.name.as_deref())
        .bind(agent)
        .bind(user)
        .execute(&mut *tx)
        .await?;
    }
    raise_data_versions(&mut tx, &[agent]).await?;
    tx.commit().await?;
    Ok(added)
}
