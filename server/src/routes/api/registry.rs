//! The registry: agents, users and who is registered for which agent.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use pulse_db::keys::KeyScope;
use pulse_db::time::Millis;
use pulse_model::{MAX_DISPLAY_TEXT_CHARS, is_user_id};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::ApiKey;
use super::params::{AgentPath, ApiPath, MemberPath, SmallBody, UserPath};
use super::{ErrorBody, HttpError};
use crate::routes::AppState;

/// An agent's display name.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Algebra tutor"}))]
pub struct AgentBody {
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$"
    )]
    name: String,
}

/// A learner's names; a field left out (or `null`) is left unchanged.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"username": "ada", "name": "Ada Lovelace"}))]
pub struct UserBody {
    #[serde(default)]
    #[schema(max_length = 200, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    username: Option<String>,
    #[serde(default)]
    #[schema(max_length = 200, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    name: Option<String>,
}

/// When the learner registered; no body, a `null` body, a field left out
/// or `null` mean now.
#[derive(Deserialize, Default, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"registered_at": "2026-03-01T09:30:00Z"}))]
pub struct MemberBody {
    /// RFC 3339 with an offset.
    #[serde(default)]
    #[schema(value_type = Option<DateTime<Utc>>)]
    registered_at: Option<String>,
}

/// Creates an agent, or renames it.
#[utoipa::path(
    put,
    path = "/api/v1/agents/{agent_id}",
    tag = "registry",
    security(("bearer" = [])),
    params(AgentPath),
    request_body(content = AgentBody, content_type = "application/json"),
    responses(
        (status = 204, description = "Created or renamed"),
        (status = 400, description = "The body is not a JSON object of the fields above", body = ErrorBody),
        (status = 403, description = "Not an ingest key, or a key limited to other agents", body = ErrorBody),
        (status = 413, description = "The body is over 64 KiB", body = ErrorBody),
        (status = 415, description = "Content-Type is not application/json", body = ErrorBody),
        (status = 422, description = "An invalid agent_id or name, with the reason", body = ErrorBody),
    ),
)]
pub async fn put_agent(
    State(state): State<AppState>,
    key: ApiKey,
    ApiPath(AgentPath { agent_id }): ApiPath<AgentPath>,
    body: SmallBody,
) -> Result<StatusCode, HttpError> {
    key.require_scope(KeyScope::Ingest)?;
    check_agent_id(&agent_id)?;
    key.require_agent(&agent_id)?;
    let body: AgentBody = parse_body(&body)?;
    check_text("name", Some(&body.name), 1)?;
    state.context.store.put_agent(&agent_id, &body.name).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Creates a learner or sets their names. Users belong to no single agent,
/// so only a key for every agent may edit them here; agent-limited keys send
/// `username` and `name` with events.
#[utoipa::path(
    put,
    path = "/api/v1/users/{user_id}",
    tag = "registry",
    security(("bearer" = [])),
    params(UserPath),
    request_body(content = UserBody, content_type = "application/json"),
    responses(
        (status = 204, description = "Created or updated"),
        (status = 400, description = "The body is not a JSON object of the fields above", body = ErrorBody),
        (status = 403, description = "Not an ingest key, or a key limited to agents", body = ErrorBody),
        (status = 413, description = "The body is over 64 KiB", body = ErrorBody),
        (status = 415, description = "Content-Type is not application/json", body = ErrorBody),
        (status = 422, description = "An invalid user_id, username or name, with the reason", body = ErrorBody),
    ),
)]
pub async fn put_user(
    State(state): State<AppState>,
    key: ApiKey,
    ApiPath(UserPath { user_id }): ApiPath<UserPath>,
    body: SmallBody,
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

/// What an erasure removed.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"user_id": "u-17", "events": 412, "agents": 2}))]
pub struct ErasureBody {
    /// The erased learner's id, as asked for.
    user_id: String,
    /// Their events, on every agent, now deleted.
    events: u64,
    /// The agents whose figures changed.
    agents: u64,
}

/// Erases a learner everywhere: every event, registration, section
/// membership, contact mark and rollup of theirs, in one transaction.
/// Figures afterwards equal those of a data set in which they never
/// existed. The erasure is logged (key, time, user id), nothing more.
#[utoipa::path(
    delete,
    path = "/api/v1/users/{user_id}",
    tag = "registry",
    security(("bearer" = [])),
    params(UserPath),
    responses(
        (status = 200, description = "Erased", body = ErasureBody),
        (status = 400, description = "The path does not decode (invalid UTF-8)", body = ErrorBody),
        (status = 403, description = "Not an ingest key, or a key limited to agents", body = ErrorBody),
        (status = 404, description = "No such user", body = ErrorBody),
    ),
)]
pub async fn delete_user(
    State(state): State<AppState>,
    key: ApiKey,
    ApiPath(UserPath { user_id }): ApiPath<UserPath>,
) -> Result<Json<ErasureBody>, HttpError> {
    key.require_scope(KeyScope::Ingest)?;
    if !key.0.covers_all_agents() {
        return Err(HttpError::forbidden(
            "a key limited to agents may not erase users, who may have data on other agents",
        ));
    }
    let not_found = || HttpError::not_found(format!("no user {user_id:?}"));
    if !is_user_id(&user_id) {
        return Err(not_found());
    }
    let erased_by = format!("key {}", key.0.prefix);
    let erasure = state
        .context
        .store
        .forget_user(&user_id, &erased_by, Millis::now())
        .await?
        .ok_or_else(not_found)?;
    tracing::info!(
        user_id,
        erased_by,
        events = erasure.events,
        "learner erased"
    );
    Ok(Json(ErasureBody {
        user_id,
        events: erasure.events,
        agents: erasure.agents,
    }))
}

/// Registers a learner for an agent (again: moves the registration date).
#[utoipa::path(
    put,
    path = "/api/v1/agents/{agent_id}/members/{user_id}",
    tag = "registry",
    security(("bearer" = [])),
    params(MemberPath),
    request_body(content = Option<MemberBody>, content_type = "application/json"),
    responses(
        (status = 204, description = "Registered"),
        (status = 400, description = "The body is not a JSON object of the fields above", body = ErrorBody),
        (status = 403, description = "Not an ingest key, a key limited to other agents, or one limited to sections the learner is not in", body = ErrorBody),
        (status = 404, description = "Unknown agent", body = ErrorBody),
        (status = 413, description = "The body is over 64 KiB", body = ErrorBody),
        (status = 415, description = "A body whose Content-Type is not application/json", body = ErrorBody),
        (status = 422, description = "An invalid user_id or registered_at, with the reason", body = ErrorBody),
    ),
)]
pub async fn put_member(
    State(state): State<AppState>,
    key: ApiKey,
    ApiPath(MemberPath { agent_id, user_id }): ApiPath<MemberPath>,
    body: SmallBody,
) -> Result<StatusCode, HttpError> {
    let agent = key
        .agent(&state.context.store, KeyScope::Ingest, &agent_id)
        .await?;
    check_user_id(&user_id)?;
    key.require_learners(&state.context.store, &agent, [user_id.as_str()])
        .await?;
    // No body, or `null`, means the defaults.
    let body: MemberBody = if body.bytes.iter().all(u8::is_ascii_whitespace) {
        MemberBody::default()
    } else {
        parse_body::<Option<MemberBody>>(&body)?.unwrap_or_default()
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
        .register(&agent, &user_id, registered_at.into(), key.naming())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Unregisters a learner from an agent; their events stay.
#[utoipa::path(
    delete,
    path = "/api/v1/agents/{agent_id}/members/{user_id}",
    tag = "registry",
    security(("bearer" = [])),
    params(MemberPath),
    responses(
        (status = 204, description = "Unregistered"),
        (status = 400, description = "The path does not decode (invalid UTF-8)", body = ErrorBody),
        (status = 403, description = "Not an ingest key, a key limited to other agents, or one limited to sections the learner is not in", body = ErrorBody),
        (status = 404, description = "Unknown agent, or the user is not registered for it", body = ErrorBody),
    ),
)]
pub async fn delete_member(
    State(state): State<AppState>,
    key: ApiKey,
    ApiPath(MemberPath { agent_id, user_id }): ApiPath<MemberPath>,
) -> Result<StatusCode, HttpError> {
    let agent = key
        .agent(&state.context.store, KeyScope::Ingest, &agent_id)
        .await?;
    // An invalid id is registered nowhere (and a NUL would be refused by
    // PostgreSQL itself).
    if !is_user_id(&user_id) {
        return Err(HttpError::not_found(format!(
            "user {user_id:?} is not registered for agent {agent_id:?}"
        )));
    }
    key.require_learners(&state.context.store, &agent, [user_id.as_str()])
        .await?;
    if state.context.store.unregister(&agent, &user_id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(HttpError::not_found(format!(
            "user {user_id:?} is not registered for agent {agent_id:?}"
        )))
    }
}

/// A JSON object: 415 for another content type, 400 when it is not one of
/// `T`'s fields (unknown fields included).
pub(super) fn parse_body<T: DeserializeOwned>(body: &SmallBody) -> Result<T, HttpError> {
    let content_type = body.content_type.as_deref().unwrap_or("");
    let media_type = content_type.split(';').next().unwrap_or("").trim();
    if !media_type.eq_ignore_ascii_case("application/json") {
        return Err(HttpError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("Content-Type must be application/json, not {content_type:?}"),
        ));
    }
    let invalid =
        |error: serde_json::Error| HttpError::bad_request(format!("invalid JSON body: {error}"));
    let value: serde_json::Value = serde_json::from_slice(&body.bytes).map_err(invalid)?;
    // serde would also read a struct from an array of its fields' values.
    if !(value.is_object() || value.is_null()) {
        return Err(HttpError::bad_request(
            "invalid JSON body: it must be a JSON object",
        ));
    }
    serde_json::from_value(value).map_err(invalid)
}

fn check_agent_id(agent_id: &str) -> Result<(), HttpError> {
    pulse_model::check_public_id("agent_id", agent_id).map_err(HttpError::unprocessable)
}

pub(super) fn check_user_id(user_id: &str) -> Result<(), HttpError> {
    pulse_model::check_user_id("user_id", user_id).map_err(HttpError::unprocessable)
}

fn check_text(field: &str, text: Option<&str>, min: usize) -> Result<(), HttpError> {
    let Some(text) = text else { return Ok(()) };
    pulse_model::check_text(field, text, min, MAX_DISPLAY_TEXT_CHARS)
        .map_err(HttpError::unprocessable)
}
