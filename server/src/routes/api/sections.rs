//! Sections of an agent and their members (docs/API.md, "Sections"). A key
//! limited to some sections of an agent sees and changes only those.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use pulse_db::AgentRef;
use pulse_db::keys::KeyScope;
use pulse_model::{Section, section_name};
use serde::Deserialize;
use utoipa::ToSchema;

use super::auth::ApiKey;
use super::params::{AgentPath, ApiPath, SectionMemberPath, SectionPath, SmallBody};
use super::registry::{check_user_id, parse_body};
use super::{ErrorBody, HttpError};
use crate::routes::AppState;

/// A section's display name.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Period 3"}))]
pub struct SectionBody {
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$"
    )]
    name: String,
}

/// The agent's sections with their member counts, by name.
#[utoipa::path(
    get,
    path = "/api/v1/agents/{agent_id}/sections",
    tag = "sections",
    security(("bearer" = [])),
    params(AgentPath),
    responses(
        (status = 200, description = "The sections", body = Vec<Section>),
        (status = 403, description = "Not a read key, or a key limited to other agents", body = ErrorBody),
        (status = 404, description = "Unknown agent", body = ErrorBody),
    ),
)]
pub async fn list_sections(
    State(state): State<AppState>,
    key: ApiKey,
    ApiPath(AgentPath { agent_id }): ApiPath<AgentPath>,
) -> Result<Json<Vec<Section>>, HttpError> {
    let agent = key
        .agent(&state.context.store, KeyScope::Read, &agent_id)
        .await?;
    let mut sections = state.context.store.list_sections(&agent).await?;
    if let Some(allowed) = key.0.section_limit(&agent_id) {
        sections.retain(|section| allowed.contains(&section.section_id));
    }
    Ok(Json(sections))
}

/// Creates a section, or renames it.
#[utoipa::path(
    put,
    path = "/api/v1/agents/{agent_id}/sections/{section_id}",
    tag = "sections",
    security(("bearer" = [])),
    params(SectionPath),
    request_body(content = SectionBody, content_type = "application/json"),
    responses(
        (status = 204, description = "Created or renamed"),
        (status = 400, description = "The body is not a JSON object of the fields above", body = ErrorBody),
        (status = 403, description = "Not an ingest key, or a key limited to other agents or sections", body = ErrorBody),
        (status = 404, description = "Unknown agent", body = ErrorBody),
        (status = 409, description = "A new section past the most an agent may have (MAX_SECTIONS_PER_AGENT, 200)", body = ErrorBody),
        (status = 413, description = "The body is over 64 KiB", body = ErrorBody),
        (status = 415, description = "Content-Type is not application/json", body = ErrorBody),
        (status = 422, description = "An invalid section_id or name, with the reason", body = ErrorBody),
    ),
)]
pub async fn put_section(
    State(state): State<AppState>,
    key: ApiKey,
    ApiPath(SectionPath {
        agent_id,
        section_id,
    }): ApiPath<SectionPath>,
    body: SmallBody,
) -> Result<StatusCode, HttpError> {
    let agent = writable_section(&state, &key, &agent_id, &section_id).await?;
    let body: SectionBody = parse_body(&body)?;
    let name = section_name(&body.name).map_err(HttpError::unprocessable)?;
    state
        .context
        .store
        .put_section(&agent, &section_id, name)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes a section and its members' places in it; its learners stay registered.
#[utoipa::path(
    delete,
    path = "/api/v1/agents/{agent_id}/sections/{section_id}",
    tag = "sections",
    security(("bearer" = [])),
    params(SectionPath),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Not an ingest key, or a key limited to other agents or sections", body = ErrorBody),
        (status = 404, description = "Unknown agent or section", body = ErrorBody),
        (status = 422, description = "An invalid section_id", body = ErrorBody),
    ),
)]
pub async fn delete_section(
    State(state): State<AppState>,
    key: ApiKey,
    ApiPath(SectionPath {
        agent_id,
        section_id,
    }): ApiPath<SectionPath>,
) -> Result<StatusCode, HttpError> {
    let agent = writable_section(&state, &key, &agent_id, &section_id).await?;
    if state
        .context
        .store
        .delete_section(&agent, &section_id)
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(unknown_section(&section_id))
    }
}

/// Adds a learner to a section, registering them for the agent when they
/// are not.
#[utoipa::path(
    put,
    path = "/api/v1/agents/{agent_id}/sections/{section_id}/members/{user_id}",
    tag = "sections",
    security(("bearer" = [])),
    params(SectionMemberPath),
    responses(
        (status = 204, description = "A member"),
        (status = 403, description = "Not an ingest key, a key limited to other agents or sections, or one limited to sections the learner is not in yet", body = ErrorBody),
        (status = 404, description = "Unknown agent or section", body = ErrorBody),
        (status = 422, description = "An invalid section_id or user_id", body = ErrorBody),
    ),
)]
pub async fn put_section_member(
    State(state): State<AppState>,
    key: ApiKey,
    ApiPath(SectionMemberPath {
        agent_id,
        section_id,
        user_id,
    }): ApiPath<SectionMemberPath>,
) -> Result<StatusCode, HttpError> {
    let agent = writable_section(&state, &key, &agent_id, &section_id).await?;
    check_user_id(&user_id)?;
    // A key limited to sections moves no learner in from outside them.
    key.require_learners(&state.context.store, &agent, [user_id.as_str()])
        .await?;
    let now = chrono::Utc::now().into();
    match state
        .context
        .store
        .add_section_member(&agent, &section_id, &user_id, (now, key.naming()))
        .await?
    {
        Some(_) => Ok(StatusCode::NO_CONTENT),
        None => Err(unknown_section(&section_id)),
    }
}

/// Removes a learner from a section; they stay registered for the agent.
#[utoipa::path(
    delete,
    path = "/api/v1/agents/{agent_id}/sections/{section_id}/members/{user_id}",
    tag = "sections",
    security(("bearer" = [])),
    params(SectionMemberPath),
    responses(
        (status = 204, description = "No longer a member"),
        (status = 403, description = "Not an ingest key, or a key limited to other agents or sections", body = ErrorBody),
        (status = 404, description = "Unknown agent or section, or the learner is not in it", body = ErrorBody),
        (status = 422, description = "An invalid section_id or user_id", body = ErrorBody),
    ),
)]
pub async fn delete_section_member(
    State(state): State<AppState>,
    key: ApiKey,
    ApiPath(SectionMemberPath {
        agent_id,
        section_id,
        user_id,
    }): ApiPath<SectionMemberPath>,
) -> Result<StatusCode, HttpError> {
    let agent = writable_section(&state, &key, &agent_id, &section_id).await?;
    check_user_id(&user_id)?;
    match state
        .context
        .store
        .remove_section_member(&agent, &section_id, &user_id)
        .await?
    {
        Some(true) => Ok(StatusCode::NO_CONTENT),
        Some(false) => Err(HttpError::not_found(format!(
            "user {user_id:?} is not in section {section_id:?}"
        ))),
        None => Err(unknown_section(&section_id)),
    }
}

/// The agent, when the key may write it and this section of it.
async fn writable_section(
    state: &AppState,
    key: &ApiKey,
    agent_id: &str,
    section_id: &str,
) -> Result<AgentRef, HttpError> {
    let agent = key
        .agent(&state.context.store, KeyScope::Ingest, agent_id)
        .await?;
    pulse_model::check_public_id("section_id", section_id).map_err(HttpError::unprocessable)?;
    if let Some(allowed) = key.0.section_limit(agent_id)
        && !allowed.iter().any(|section| section == section_id)
    {
        return Err(HttpError::forbidden(format!(
            "this key may not use section {section_id:?} of agent {agent_id:?}"
        )));
    }
    Ok(agent)
}

fn unknown_section(section_id: &str) -> HttpError {
    HttpError::not_found(format!("unknown section {section_id:?}"))
}
