//! The reads the figures are computed from: rollups by day and quarter
//! hour, raw events at a period's edges, registrations.

use super::{BACKEND, Db, STRING_AGG};
use crate::error::{Result, StoreError};
use crate::ids::{AgentKey, UserKey};
use crate::ingest::{DayActivity, EventKind};
use crate::store::Backend;
use crate::store::access::Reader;
use crate::store::records::{DayRow, RawActivity, RegisteredLearner, SessionRow};
use crate::time::{Day, Millis, Slot};

/// Runs `SELECT columns FROM rest` with the agent and a `[from, to)` range
/// bound as $1..$3, the database packing the integer rows into one text
/// (`a,b;c,d`) that is parsed back here. Thousands of rows cost far more
/// one by one through the SQLite driver's row channel than as one text
/// (docs/BENCHMARKS.md, "Users-tab dashboard on a year of data (issue 4)").
async fn packed_rows<const N: usize>(
    db: &Reader<Db>,
    columns: [&str; N],
    rest: &str,
    (agent, from, to): (AgentKey, i64, i64),
) -> Result<Vec<[i64; N]>> {
    let row = columns
        .map(|column| format!("CAST({column} AS TEXT)"))
        .join(" || ',' || ");
    let sql = format!("SELECT {STRING_AGG}({row}, ';') {rest}");
    let packed: Option<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(agent)
        .bind(from)
        .bind(to)
        .fetch_one(db.pool())
        .await?;
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
                        return Err(StoreError::Corrupt(format!("packed row {text:?}")));
                    }
                };
            }
            Ok(values)
        })
        .collect()
}

/// The rollup rows of the UTC days `[day_from, day_to)`.
pub async fn day_activity(
    db: &Reader<Db>,
    agent: AgentKey,
    day_from: Day,
    day_to: Day,
) -> Result<Vec<DayRow>> {
    let rows = packed_rows(
        db,
        ["day", "user_id", "quarters_am", "quarters_pm", "messages"],
        "FROM activity_days WHERE agent_id = $1 AND day >= $2 AND day < $3",
        (agent, day_from.0, day_to.0),
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|[day, user, am, pm, messages]| DayRow {
            day: Day(day),
            user: UserKey(user),
            activity: DayActivity::from_halves(am, pm, messages),
        })
        .collect())
}

pub async fn day_users(
    db: &Reader<Db>,
    agent: AgentKey,
    day_from: Day,
    day_to: Day,
) -> Result<Vec<UserKey>> {
    // DISTINCT in a subquery: string_agg(DISTINCT ...) has no separator form in SQLite.
    let rows = packed_rows(
        db,
        ["user_id"],
        "FROM (SELECT DISTINCT user_id FROM activity_days WHERE agent_id = $1 AND day >= $2 AND day < $3) AS active",
        (agent, day_from.0, day_to.0),
    )
    .await?;
    Ok(rows.into_iter().map(|[user]| UserKey(user)).collect())
}

pub async fn message_total(
    db: &Reader<Db>,
    agent: AgentKey,
    slot_from: Slot,
    slot_to: Slot,
) -> Result<u64> {
    let total: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(messages), 0) AS BIGINT) FROM message_quarters
         WHERE agent_id = $1 AND slot >= $2 AND slot < $3",
    )
    .bind(agent)
    .bind(slot_from)
    .bind(slot_to)
    .fetch_one(db.pool())
    .await?;
    Ok(total as u64)
}

pub async fn user_messages(
    db: &Reader<Db>,
    agent: AgentKey,
    from: Millis,
    to: Millis,
) -> Result<Vec<(UserKey, i64)>> {
    Ok(sqlx::query_as(
        "SELECT user_id, COUNT(*) FROM events
         WHERE agent_id = $1 AND at >= $2 AND at < $3 AND kind = $4
         GROUP BY user_id",
    )
    .bind(agent)
    .bind(from)
    .bind(to)
    .bind(EventKind::Message.code())
    .fetch_all(db.pool())
    .await?)
}

pub async fn message_slots(
    db: &Reader<Db>,
    agent: AgentKey,
    slot_from: Slot,
    slot_to: Slot,
) -> Result<Vec<(Slot, i64)>> {
    let rows = packed_rows(
        db,
        ["slot", "messages"],
        "FROM message_quarters WHERE agent_id = $1 AND slot >= $2 AND slot < $3",
        (agent, slot_from.0, slot_to.0),
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|[slot, messages]| (Slot(slot), messages))
        .collect())
}

pub async fn raw_activity(
    db: &Reader<Db>,
    agent: AgentKey,
    from: Millis,
    to: Millis,
) -> Result<Vec<RawActivity>> {
    let rows: Vec<(Millis, UserKey, i64)> = sqlx::query_as(
        "SELECT at, user_id, kind FROM events WHERE agent_id = $1 AND at >= $2 AND at < $3",
    )
    .bind(agent)
    .bind(from)
    .bind(to)
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(at, user, kind)| RawActivity {
            at,
            user,
            is_message: kind == EventKind::Message.code(),
        })
        .collect())
}

/// The open sessions with an event at or after `$2` (online, METRICS.md).
/// SQLite 3.51 prefers the primary key here, to get distinct users without
/// a temporary tree, and so reads every session the agent ever had (more
/// with each term); the recency index reads only the recent ones
/// (docs/BENCHMARKS.md, "Computed once, kept until a write (issue 12)").
const ONLINE_SESSIONS: &str = match BACKEND {
    Backend::Sqlite => {
        "FROM sessions INDEXED BY sessions_by_recency
         WHERE agent_id = $1 AND ended = 0 AND last_at >= $2"
    }
    Backend::Postgres => "FROM sessions WHERE agent_id = $1 AND ended = 0 AND last_at >= $2",
};

pub async fn online_users(db: &Reader<Db>, agent: AgentKey, since: Millis) -> Result<u64> {
    let sql = format!("SELECT COUNT(DISTINCT user_id) {ONLINE_SESSIONS}");
    let count: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(agent)
        .bind(since)
        .fetch_one(db.pool())
        .await?;
    Ok(count as u64)
}

/// Each user's first event on the agent (`last_activity.first_at`).
pub async fn first_events(db: &Reader<Db>, agent: AgentKey) -> Result<Vec<(UserKey, Millis)>> {
    Ok(sqlx::query_as(
        "SELECT user_id, first_at FROM last_activity WHERE agent_id = $1 AND first_at IS NOT NULL",
    )
    .bind(agent)
    .fetch_all(db.pool())
    .await?)
}

/// The users counted by `online_users`.
pub async fn online_user_keys(
    db: &Reader<Db>,
    agent: AgentKey,
    since: Millis,
) -> Result<Vec<UserKey>> {
    let sql = format!("SELECT DISTINCT user_id {ONLINE_SESSIONS}");
    Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(agent)
        .bind(since)
        .fetch_all(db.pool())
        .await?)
}

pub async fn event_count(db: &Reader<Db>, agent: AgentKey) -> Result<u64> {
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM events WHERE agent_id = $1")
        .bind(agent)
        .fetch_one(db.pool())
        .await?;
    Ok(count as u64)
}

pub async fn registered_count(db: &Reader<Db>, agent: AgentKey) -> Result<u64> {
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM memberships WHERE agent_id = $1")
        .bind(agent)
        .fetch_one(db.pool())
        .await?;
    Ok(count as u64)
}

const REGISTERED_FROM: &str = "FROM memberships m
     JOIN users u ON u.id = m.user_id
     LEFT JOIN last_activity l ON l.agent_id = m.agent_id AND l.user_id = m.user_id
     WHERE m.agent_id = $1";

/// `RegisteredLearner`'s columns, in its field order.
const REGISTERED_COLUMNS: &str =
    "u.id AS key, u.user_key AS user_id, m.username, m.name, m.registered_at,
     l.at AS last_active, l.first_at AS first_active";

/// Every registered user of the agent, packed by the database into one JSON
/// array for the same reason as `day_activity`.
pub async fn registered_learners(
    db: &Reader<Db>,
    agent: AgentKey,
) -> Result<Vec<RegisteredLearner>> {
    let mut members: Vec<RegisteredLearner> = match BACKEND {
        // sqlx hands SQLite's rows over one at a time: thousands of members
        // travel faster as one JSON value (arrays in `RegisteredLearner`'s field order).
        Backend::Sqlite => {
            let sql = format!(
                "SELECT json_group_array(json_array(u.id, u.user_key, m.username, m.name, m.registered_at, l.at, l.first_at)) {REGISTERED_FROM}"
            );
            let packed: String = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .bind(agent)
                .fetch_one(db.pool())
                .await?;
            serde_json::from_str(&packed).map_err(|error| {
                StoreError::Corrupt(format!("members of agent {agent}: {error}"))
            })?
        }
        // PostgreSQL sends rows in bulk; building JSON there costs more.
        Backend::Postgres => {
            let sql = format!("SELECT {REGISTERED_COLUMNS} {REGISTERED_FROM}");
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(agent)
                .fetch_all(db.pool())
                .await?
        }
    };
    members.sort_unstable_by(|a, b| a.user_id.cmp(&b.user_id));
    Ok(members)
}

/// One user's events on the agent in `[from, to)`, in no order.
pub async fn learner_activity(
    db: &Reader<Db>,
    agent: AgentKey,
    user: UserKey,
    from: Millis,
    to: Millis,
) -> Result<Vec<RawActivity>> {
    let rows: Vec<(Millis, i64)> = sqlx::query_as(
        "SELECT at, kind FROM events
         WHERE agent_id = $1 AND user_id = $2 AND at >= $3 AND at < $4",
    )
    .bind(agent)
    .bind(user)
    .bind(from)
    .bind(to)
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(at, kind)| RawActivity {
            at,
            user,
            is_message: kind == EventKind::Message.code(),
        })
        .collect())
}

/// The raw events of `users` in `[from, to)`, by the per-user index: a
/// section is a class, a few hundred learners at most.
pub async fn users_activity(
    db: &Reader<Db>,
    agent: AgentKey,
    users: &[UserKey],
    from: Millis,
    to: Millis,
) -> Result<Vec<RawActivity>> {
    let mut events = Vec::new();
    for chunk in super::in_lists(users) {
        let mut query =
            sqlx::QueryBuilder::<Db>::new("SELECT at, user_id, kind FROM events WHERE agent_id = ");
        query
            .push_bind(agent)
            .push(" AND at >= ")
            .push_bind(from)
            .push(" AND at < ")
            .push_bind(to)
            .push(" AND user_id IN (");
        super::push_list(&mut query, chunk);
        query.push(")");
        let rows: Vec<(Millis, UserKey, i64)> = query.build_query_as().fetch_all(db.pool()).await?;
        events.extend(rows.into_iter().map(|(at, user, kind)| RawActivity {
            at,
            user,
            is_message: kind == EventKind::Message.code(),
        }));
    }
    Ok(events)
}

/// The user's sessions with an event in `[from, to)`, each over all
/// time, newest (latest start) first, at most `limit`.
pub async fn learner_sessions(
    db: &Reader<Db>,
    agent: AgentKey,
    user: UserKey,
    (from, to): (Millis, Millis),
    limit: i64,
) -> Result<Vec<SessionRow>> {
    Ok(sqlx::query_as(
        "SELECT session_key AS session_id, MIN(at) AS start, MAX(at) AS end_at,
                CAST(SUM(CASE WHEN kind = $5 THEN 1 ELSE 0 END) AS BIGINT) AS messages,
                CAST(MAX(CASE WHEN kind = $6 THEN 1 ELSE 0 END) AS BIGINT) AS ended
         FROM events
         WHERE agent_id = $1 AND user_id = $2 AND session_key IN (
             SELECT session_key FROM events
             WHERE agent_id = $1 AND user_id = $2 AND at >= $3 AND at < $4
                   AND session_key IS NOT NULL)
         GROUP BY session_key
         ORDER BY start DESC, session_key
         LIMIT $7",
    )
    .bind(agent)
    .bind(user)
    .bind(from)
    .bind(to)
    .bind(EventKind::Message.code())
    .bind(EventKind::SessionEnd.code())
    .bind(limit)
    .fetch_all(db.pool())
    .await?)
}

/// Those of `users` with an event on the agent in `[from, to]`.
pub async fn users_active_between(
    db: &Reader<Db>,
    agent: AgentKey,
    users: &[UserKey],
    from: Millis,
    to: Millis,
) -> Result<Vec<UserKey>> {
    let mut found = Vec::new();
    for chunk in super::in_lists(users) {
        let mut query =
            sqlx::QueryBuilder::<Db>::new("SELECT DISTINCT user_id FROM events WHERE agent_id = ");
        query
            .push_bind(agent)
            .push(" AND at >= ")
            .push_bind(from)
            .push(" AND at <= ")
            .push_bind(to)
            .push(" AND user_id IN (");
        super::push_list(&mut query, chunk);
        query.push(")");
        let rows: Vec<(UserKey,)> = query.build_query_as().fetch_all(db.pool()).await?;
        found.extend(rows.into_iter().map(|(user,)| user));
    }
    Ok(found)
}

/// Whether the user has an open session whose latest event is at or after
/// `since` (online, METRICS.md).
pub async fn learner_online(
    db: &Reader<Db>,
    agent: AgentKey,
    user: UserKey,
    since: Millis,
) -> Result<bool> {
    let count: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM sessions
         WHERE agent_id = $1 AND user_id = $2 AND ended = 0 AND last_at >= $3",
    )
    .bind(agent)
    .bind(user)
    .bind(since)
    .fetch_one(db.pool())
    .await?;
    Ok(count > 0)
}
