//! The registry: agents, users and who is registered for which agent.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use pulse_db::ingest::{is_valid_agent_id, is_valid_user_id};
use pulse_db::keys::KeyScope;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::HttpError;
use super::auth::ApiKey;
use crate::routes::AppState;

const MAX_TEXT: usize = 200;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentBody {
    name: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserBody {
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct MemberBody {
    #[serde(default)]
    registered_at: Option<String>,
}

pub async fn put_agent(
    State(state): State<AppState>,
    key: ApiKey,
    Path(agent_id): Path<String>,
    body: Bytes,
) -> Result<StatusCode, HttpError> {
    key.require_scope(KeyScope::Ingest)?;
    check_agent_id(&agent_id)?;
    key.require_agent(&agent_id)?;
    let body: AgentBody = parse_body(&body)?;
    check_text("name", Some(&body.name), 1)?;
    state.context.store.put_agent(&agent_id, &body.name).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Users belong to no single agent, so only a key for every agent may edit
/// them here; agent-limited keys send `username` and `name` with events.
pub async fn put_user(
    State(state): State<AppState>,
    key: ApiKey,
    Path(user_id): Path<String>,
    body: Bytes,
) -> Result<StatusCode, HttpError> {
    key.require_scope(KeyScope::Ingest)?;
    if !key.0.covers_all_agents() {
        return Err(HttpError::forbidden(
            "a key limited to agents may not edit users; send username and name with events",
        ));
    }
    check_user_id(&user_id)?;
    let body: UserBody = parse_body(&body)?;
    check_text("username", body.username.as_deref(), 0)?;
    check_text("name", body.name.as_deref(), 0)?;
    state
        .context
        .store
        .put_user(&user_id, body.username.as_deref(), body.name.as_deref())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn put_member(
    State(state): State<AppState>,
    key: ApiKey,
    Path((agent_id, user_id)): Path<(String, String)>,
    body: Bytes,
) -> Result<StatusCode, HttpError> {
    let agent = key
        .agent(&state.context.store, KeyScope::Ingest, &agent_id)
        .await?;
    check_user_id(&user_id)?;
    let body: MemberBody = if body.iter().all(u8::is_ascii_whitespace) {
        MemberBody::default()
    } else {
        parse_body(&body)?
    };
    let registered_at = match body.registered_at.as_deref() {
        None => Utc::now(),
        Some(text) => DateTime::parse_from_rfc3339(text)
            .map_err(|_| {
                HttpError::unprocessable(
                    "registered_at must be an RFC 3339 instant such as 2026-03-01T09:30:00Z",
                )
            })?
            .with_timezone(&Utc),
    };
    state
        .context
        .store
        .register(&agent, &user_id, registered_at.timestamp_millis())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn delete_member(
    State(state): State<AppState>,
    key: ApiKey,
    Path((agent_id, user_id)): Path<(String, String)>,
) -> Result<StatusCode, HttpError> {
    let agent = key
        .agent(&state.context.store, KeyScope::Ingest, &agent_id)
        .await?;
    if state.context.store.unregister(&agent, &user_id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(HttpError::not_found(format!(
            "user {user_id:?} is not registered for agent {agent_id:?}"
        )))
    }
}

fn parse_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, HttpError> {
    serde_json::from_slice(body)
        .map_err(|error| HttpError::bad_request(format!("invalid JSON body: {error}")))
}

fn check_agent_id(agent_id: &str) -> Result<(), HttpError> {
    if is_valid_agent_id(agent_id) {
        Ok(())
    } else {
        Err(HttpError::unprocessable(
            "agent_id must be 1 to 64 characters of A-Z, a-z, 0-9, '.', '_' and '-'",
        ))
    }
}

fn check_user_id(user_id: &str) -> Result<(), HttpError> {
    if is_valid_user_id(user_id) {
        Ok(())
    } else {
        Err(HttpError::unprocessable(
            "user_id must be 1 to 128 characters without control characters",
        ))
    }
}

fn check_text(field: &str, text: Option<&str>, min: usize) -> Result<(), HttpError> {
    let Some(text) = text else { return Ok(()) };
    let length = text.chars().count();
    if length < min || length > MAX_TEXT || text.chars().any(char::is_control) {
        return Err(HttpError::unprocessable(format!(
            "{field} must be {min} to {MAX_TEXT} characters without control characters"
        )));
    }
    Ok(())
}
