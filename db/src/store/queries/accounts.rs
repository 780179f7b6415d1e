//! Dashboard accounts, their sessions and the sign-in throttle.

use super::{BACKEND, Db, begin_write};
use crate::accounts::{ABSOLUTE_TIMEOUT_MS, Account, AccountChange, IDLE_TIMEOUT_MS, Role};
use crate::embedding::{EmbedGrant, EmbedOpening};
use crate::error::{Result, StoreError};
use crate::single_sign_on::{PendingLogin, SsoGrant, SsoOpening};
use crate::store::Backend;
use crate::store::access::{Reader, Writer};

pub async fn create_account(
    db: &Writer<Db>,
    username: &str,
    password_hash: &str,
    role: Role,
    agents: &[String],
    now: i64,
) -> Result<i64> {
    let mut tx = begin_write(db).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO accounts (username, password_hash, role, disabled, created_at)
         VALUES ($1, $2, $3, 0, $4) RETURNING id",
    )
    .bind(username)
    .bind(password_hash)
    .bind(role.as_str())
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    grant_agents(&mut tx, id, agents).await?;
    tx.commit().await?;
    Ok(id)
}

/// Lets the account see these agents too (in the caller's transaction).
async fn grant_agents(
    tx: &mut sqlx::Transaction<'_, Db>,
    account: i64,
    agents: &[String],
) -> Result<()> {
    for agent in agents {
        sqlx::query(
            "INSERT INTO account_agents (account_id, agent_key) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(account)
        .bind(agent.as_str())
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Grants the agent, whole (no `sections`) or only those sections,
/// replacing what the account had of it; false when there is no account.
pub async fn grant_agent(
    db: &Writer<Db>,
    username: &str,
    agent_id: &str,
    sections: &[String],
) -> Result<bool> {
    let mut tx = begin_write(db).await?;
    let Some(id): Option<i64> = sqlx::query_scalar("SELECT id FROM accounts WHERE username = $1")
        .bind(username)
        .fetch_optional(&mut *tx)
        .await?
    else {
        return Ok(false);
    };
    grant_agents(&mut tx, id, &[agent_id.to_owned()]).await?;
    sqlx::query("DELETE FROM account_agent_sections WHERE account_id = $1 AND agent_key = $2")
        .bind(id)
        .bind(agent_id)
        .execute(&mut *tx)
        .await?;
    for section in sections {
        sqlx::query(
            "INSERT INTO account_agent_sections (account_id, agent_key, section_key)
             VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(agent_id)
        .bind(section.as_str())
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// The account and its password hash.
pub async fn account_by_username(
    db: &Reader<Db>,
    username: &str,
) -> Result<Option<(Account, String)>> {
    let row: Option<(i64, String)> =
        sqlx::query_as("SELECT id, password_hash FROM accounts WHERE username = $1")
            .bind(username)
            .fetch_optional(db.pool())
            .await?;
    let Some((id, password_hash)) = row else {
        return Ok(None);
    };
    let account = account_by_id(db, id).await?;
    Ok(account.map(|account| (account, password_hash)))
}

/// A row of `accounts`, without the password hash.
#[derive(sqlx::FromRow)]
struct AccountRow {
    id: i64,
    username: String,
    role: String,
    disabled: i64,
    embedded_by: Option<String>,
    signed_on_by: Option<String>,
    display_name: Option<String>,
}

async fn account_by_id(db: &Reader<Db>, id: i64) -> Result<Option<Account>> {
    let row: Option<AccountRow> =
        sqlx::query_as(
            "SELECT id, username, role, disabled, embedded_by, signed_on_by, display_name FROM accounts WHERE id = $1",
        )
            .bind(id)
            .fetch_optional(db.pool())
            .await?;
    let Some(row) = row else { return Ok(None) };
    let agents = sqlx::query_scalar(
        "SELECT agent_key FROM account_agents WHERE account_id = $1 ORDER BY agent_key",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?;
    let sections = sqlx::query_as(
        "SELECT agent_key, section_key FROM account_agent_sections WHERE account_id = $1
         ORDER BY agent_key, section_key",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await?;
    let role = Role::parse(&row.role).ok_or_else(|| {
        StoreError::Corrupt(format!(
            "account {} has the unknown role {:?}",
            row.id, row.role
        ))
    })?;
    Ok(Some(Account {
        id: row.id,
        username: row.username,
        role,
        disabled: row.disabled != 0,
        agents,
        sections: crate::sections::SectionLimits(sections),
        single_sign_on: row
            .signed_on_by
            .is_some()
            .then(|| pulse_model::SingleSignOnUser {
                display_name: row.display_name.clone().unwrap_or_default(),
            }),
        embedded: row
            .embedded_by
            .map(|integration| pulse_model::EmbeddedViewer {
                integration,
                display_name: row.display_name.unwrap_or_default(),
            }),
    }))
}

pub async fn create_session(
    db: &Writer<Db>,
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
    .execute(db.pool())
    .await?;
    Ok(())
}

/// The account of a live session (and the session's last use moves to
/// `now`); expired sessions are deleted.
pub async fn session_account(
    db: &Writer<Db>,
    token_hash: &str,
    now: i64,
) -> Result<Option<Account>> {
    let row: Option<(i64, i64, i64)> = sqlx::query_as(
        "SELECT account_id, created_at, last_seen_at FROM auth_sessions WHERE token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(db.pool())
    .await?;
    let Some((account, created, seen)) = row else {
        return Ok(None);
    };
    if now - seen > IDLE_TIMEOUT_MS || now - created > ABSOLUTE_TIMEOUT_MS {
        delete_session(db, token_hash).await?;
        return Ok(None);
    }
    sqlx::query("UPDATE auth_sessions SET last_seen_at = $1 WHERE token_hash = $2")
        .bind(now)
        .bind(token_hash)
        .execute(db.pool())
        .await?;
    account_by_id(db, account).await
}

pub async fn delete_session(db: &Writer<Db>, token_hash: &str) -> Result<()> {
    sqlx::query("DELETE FROM auth_sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(db.pool())
        .await?;
    Ok(())
}

pub async fn account_count(db: &Reader<Db>) -> Result<u64> {
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM accounts")
        .fetch_one(db.pool())
        .await?;
    Ok(count as u64)
}

/// Records a sign-in attempt for each subject, unless one of them has
/// reached its limit (`None`: no limit) of attempts since `since_ms`:
/// counting and recording are one step, so parallel guesses cannot all pass
/// the check before any is recorded. The counts before this attempt, or
/// None when it is refused.
pub async fn claim_login_attempt(
    db: &Writer<Db>,
    subjects: &[(String, Option<u64>)],
    at_ms: i64,
    since_ms: i64,
) -> Result<Option<Vec<u64>>> {
    let mut tx = begin_write(db).await?;
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
        let count: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM login_failures WHERE subject = $1")
                .bind(subject.as_str())
                .fetch_one(&mut *tx)
                .await?;
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
    db: &Writer<Db>,
    forgiven: &[String],
    withdrawn: &[String],
    at_ms: i64,
) -> Result<()> {
    let mut tx = begin_write(db).await?;
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

pub async fn list_accounts(db: &Reader<Db>) -> Result<Vec<Account>> {
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM accounts ORDER BY username")
        .fetch_all(db.pool())
        .await?;
    let mut accounts = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(account) = account_by_id(db, id).await? {
            accounts.push(account);
        }
    }
    Ok(accounts)
}

/// Applies every part of `change` in one transaction; false (and nothing
/// changed) when there is no such account. A new password or the disabled
/// flag ends the account's sessions; new agents apply to its next request.
pub async fn update_account(
    db: &Writer<Db>,
    username: &str,
    change: &AccountChange,
) -> Result<bool> {
    let mut tx = begin_write(db).await?;
    let Some((id, embedded_by, signed_on_by)): Option<(i64, Option<String>, Option<String>)> =
        sqlx::query_as("SELECT id, embedded_by, signed_on_by FROM accounts WHERE username = $1")
            .bind(username)
            .fetch_optional(&mut *tx)
            .await?
    else {
        return Ok(false);
    };
    if embedded_by.is_some() && (change.agents.is_some() || change.password_hash.is_some()) {
        return Err(StoreError::Refused(format!(
            "{username:?} is an embedded viewer: their host platform's tokens set their agents, \
             and they have no password; they can only be disabled or enabled"
        )));
    }
    if signed_on_by.is_some() && (change.agents.is_some() || change.password_hash.is_some()) {
        return Err(StoreError::Refused(format!(
            "{username:?} signs in with single sign-on: the provider's claim sets their role and \
             agents at each sign-in, and they have no password; they can only be disabled or enabled"
        )));
    }
    if let Some(agents) = &change.agents {
        sqlx::query("DELETE FROM account_agents WHERE account_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        grant_agents(&mut tx, id, agents).await?;
        // Limits of agents no longer granted go with them.
        let mut query =
            sqlx::QueryBuilder::<Db>::new("DELETE FROM account_agent_sections WHERE account_id = ");
        query.push_bind(id).push(" AND agent_key NOT IN (");
        let kept: Vec<&str> = agents.iter().map(String::as_str).collect();
        super::push_list(&mut query, &kept);
        query.push(")");
        query.build().execute(&mut *tx).await?;
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

/// Opens the session of an embedded viewer in one transaction: the token's
/// id is recorded (refused when already there), the account is made or
/// updated with the token's name, role and grants (refused when disabled),
/// and the session is stored under `token_hash`. Token ids past their
/// expiry are forgotten on the way.
pub async fn open_embedded_session(
    db: &Writer<Db>,
    grant: &EmbedGrant,
    token_hash: &str,
    now: i64,
) -> Result<EmbedOpening> {
    let mut tx = begin_write(db).await?;
    // Forgotten only well after their expiry: another server whose clock
    // runs behind this one's may still take a token this one thinks expired.
    sqlx::query("DELETE FROM embed_token_uses WHERE expires_at < $1")
        .bind(now - crate::embedding::TOKEN_IDS_KEPT_BEYOND_EXPIRY_MS)
        .execute(&mut *tx)
        .await?;
    let first_use = sqlx::query(
        "INSERT INTO embed_token_uses (integration, token_id, expires_at) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING",
    )
    .bind(&grant.integration)
    .bind(&grant.token_id)
    .bind(grant.expires_at.0)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if !first_use {
        return Ok(EmbedOpening::Replayed);
    }
    let username = grant.username();
    // Made on the first token; a second first token at the same moment
    // (another server) finds the account the other one made.
    insert_outside_account(
        &mut tx,
        &username,
        grant.role,
        &grant.display_name,
        now,
        MadeBy::Integration(&grant.integration),
    )
    .await?;
    let (id, disabled, embedded_by): (i64, i64, Option<String>) =
        sqlx::query_as("SELECT id, disabled, embedded_by FROM accounts WHERE username = $1")
            .bind(&username)
            .fetch_one(&mut *tx)
            .await?;
    if embedded_by.as_deref() != Some(grant.integration.as_str()) {
        // An account of that name made otherwise (before the name was
        // reserved): never taken over by a token.
        return Ok(EmbedOpening::NameTaken);
    }
    if disabled != 0 {
        // The token counts as used all the same.
        tx.commit().await?;
        return Ok(EmbedOpening::Disabled);
    }
    let section_limits: Vec<(String, String)> = grant
        .section
        .iter()
        .flat_map(|section| {
            grant
                .agents
                .iter()
                .map(move |agent| (agent.clone(), section.clone()))
        })
        .collect();
    replace_grants(
        &mut tx,
        id,
        grant.role,
        &grant.display_name,
        &grant.agents,
        &section_limits,
    )
    .await?;
    insert_session(&mut tx, token_hash, id, now).await?;
    tx.commit().await?;
    Ok(EmbedOpening::Opened)
}

/// Who made an account from outside Pulse, as its column records it.
enum MadeBy<'a> {
    /// A host platform's embedding token (`embedded_by`).
    Integration(&'a str),
    /// The single-sign-on provider, by its issuer (`signed_on_by`).
    Provider(&'a str),
}

/// Makes an account from outside Pulse, with no password anyone can sign
/// in with, unless one of that name exists (a second first sign-in at the
/// same moment, on another server, finds the one the first made).
async fn insert_outside_account(
    tx: &mut sqlx::Transaction<'_, Db>,
    username: &str,
    role: Role,
    display_name: &str,
    now: i64,
    made_by: MadeBy<'_>,
) -> Result<()> {
    // sqlx takes only static SQL: one text per column.
    let (sql, origin) = match made_by {
        MadeBy::Integration(integration) => (
            "INSERT INTO accounts (username, password_hash, role, disabled, created_at, embedded_by, display_name)
             VALUES ($1, $2, $3, 0, $4, $5, $6) ON CONFLICT (username) DO NOTHING",
            integration,
        ),
        MadeBy::Provider(issuer) => (
            "INSERT INTO accounts (username, password_hash, role, disabled, created_at, signed_on_by, display_name)
             VALUES ($1, $2, $3, 0, $4, $5, $6) ON CONFLICT (username) DO NOTHING",
            issuer,
        ),
    };
    sqlx::query(sql)
        .bind(username)
        .bind(crate::embedding::NO_PASSWORD)
        .bind(role.as_str())
        .bind(now)
        .bind(origin)
        .bind(display_name)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Replaces what an account made from outside (a host platform's token, a
/// provider's claim) may see with what the latest word grants: its role,
/// shown name, agents and section limits (agent, section), in the caller's
/// transaction.
async fn replace_grants(
    tx: &mut sqlx::Transaction<'_, Db>,
    id: i64,
    role: Role,
    display_name: &str,
    agents: &[String],
    section_limits: &[(String, String)],
) -> Result<()> {
    sqlx::query("UPDATE accounts SET role = $1, display_name = $2 WHERE id = $3")
        .bind(role.as_str())
        .bind(display_name)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    for delete in [
        "DELETE FROM account_agent_sections WHERE account_id = $1",
        "DELETE FROM account_agents WHERE account_id = $1",
    ] {
        sqlx::query(delete).bind(id).execute(&mut **tx).await?;
    }
    grant_agents(tx, id, agents).await?;
    for (agent, section) in section_limits {
        sqlx::query(
            "INSERT INTO account_agent_sections (account_id, agent_key, section_key)
             VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(agent.as_str())
        .bind(section.as_str())
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Stores a browser session (in the caller's transaction).
async fn insert_session(
    tx: &mut sqlx::Transaction<'_, Db>,
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
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Keeps a sign-in sent to the provider under the hash of its state;
/// sign-ins past their time are forgotten on the way.
pub async fn remember_sso_login(
    db: &Writer<Db>,
    state_hash: &str,
    login: &PendingLogin,
    now: i64,
) -> Result<()> {
    let mut tx = begin_write(db).await?;
    sqlx::query("DELETE FROM sso_logins WHERE expires_at < $1")
        .bind(now)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO sso_logins (state_hash, nonce, pkce_verifier, next_path, expires_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(state_hash)
    .bind(&login.nonce)
    .bind(&login.pkce_verifier)
    .bind(&login.next_path)
    .bind(login.expires_at.0)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Takes (deletes and returns) the sign-in kept under `state_hash` when it
/// is still within its time; its `state` is left blank (only its hash was
/// kept).
pub async fn take_sso_login(
    db: &Writer<Db>,
    state_hash: &str,
    now: i64,
) -> Result<Option<PendingLogin>> {
    let row: Option<(String, String, String, i64)> = sqlx::query_as(
        "DELETE FROM sso_logins WHERE state_hash = $1
         RETURNING nonce, pkce_verifier, next_path, expires_at",
    )
    .bind(state_hash)
    .fetch_optional(db.pool())
    .await?;
    Ok(row.filter(|(_, _, _, expires_at)| *expires_at >= now).map(
        |(nonce, pkce_verifier, next_path, expires_at)| PendingLogin {
            state: String::new(),
            nonce,
            pkce_verifier,
            next_path,
            expires_at: crate::time::Millis(expires_at),
        },
    ))
}

/// Opens the session of a person signed in by the provider, in one
/// transaction: the account is made on their first sign-in, its role,
/// name and grants replaced by the grant's (refused when disabled, and
/// when the grant gives no access: then an existing account keeps no
/// agents), and the session stored under `token_hash`.
pub async fn open_sso_session(
    db: &Writer<Db>,
    grant: &SsoGrant,
    token_hash: &str,
    now: i64,
) -> Result<SsoOpening> {
    let mut tx = begin_write(db).await?;
    let username = grant.username();
    if grant.grants_access() {
        // A second first sign-in at the same moment (another server) finds
        // the account the other one made.
        insert_outside_account(
            &mut tx,
            &username,
            grant.role,
            &grant.display_name,
            now,
            MadeBy::Provider(&grant.issuer),
        )
        .await?;
    }
    let row: Option<(i64, i64, Option<String>)> =
        sqlx::query_as("SELECT id, disabled, signed_on_by FROM accounts WHERE username = $1")
            .bind(&username)
            .fetch_optional(&mut *tx)
            .await?;
    let Some((id, disabled, signed_on_by)) = row else {
        return Ok(SsoOpening::NoAccess);
    };
    if signed_on_by.as_deref() != Some(grant.issuer.as_str()) {
        // Made otherwise, or by another provider: never taken over.
        return Ok(SsoOpening::NameTaken);
    }
    // Refreshed even for a disabled account or one that lost its access,
    // so that Settings shows what the provider says now.
    replace_grants(
        &mut tx,
        id,
        grant.role,
        &grant.display_name,
        &grant.agents,
        &grant.section_limits,
    )
    .await?;
    let opening = if disabled != 0 {
        SsoOpening::Disabled
    } else if !grant.grants_access() {
        SsoOpening::NoAccess
    } else {
        insert_session(&mut tx, token_hash, id, now).await?;
        SsoOpening::Opened
    };
    tx.commit().await?;
    Ok(opening)
}
