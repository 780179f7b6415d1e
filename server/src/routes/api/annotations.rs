//! Annotations of an agent over HTTP (docs/API.md, "Annotations").

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::NaiveDate;
use pulse_db::keys::KeyScope;
use pulse_model::Annotation;
use serde::Deserialize;
use utoipa::ToSchema;

use super::auth::ApiKey;
use super::params::{AgentPath, AnnotationPath, ApiPath, SmallBody};
use super::registry::parse_body;
use super::{ErrorBody, HttpError};
use crate::routes::AppState;

/// A note's dates and label.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"date": "2026-03-02", "end_date": "2026-03-06", "label": "Midterm week"}))]
pub struct AnnotationBody {
    /// Its first local date.
    #[schema(value_type = String, format = Date)]
    date: NaiveDate,
    /// Its last local date, included; absent or null for one date.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    end_date: Option<NaiveDate>,
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$"
    )]
    label: String,
}

/// The agent's annotations, by date.
#[utoipa::path(
    get,
    path = "/api/v1/agents/{agent_id}/annotations",
    tag = "annotations",
    security(("bearer" = [])),
    params(AgentPath),
    responses(
        (status = 200, description = "The annotations, oldest date first", body = Vec<Annotation>),
        (status = 403, description = "Not a read key, or a key limited to other agents", body = ErrorBody),
        (status = 404, description = "Unknown agent", body = ErrorBody),
    ),
)]
pub async fn list_annotations(
    State(state): State<AppState>,
    key: ApiKey,
    ApiPath(AgentPath { agent_id }): ApiPath<AgentPath>,
) -> Result<Json<Vec<Annotation>>, HttpError> {
    let agent = key
        .agent(&state.context.store, KeyScope::Read, &agent_id)
        .await?;
    Ok(Json(state.context.store.list_annotations(&agent).await?))
}

/// Creates an annotation, or replaces it.
#[utoipa::path(
    put,
    path = "/api/v1/agents/{agent_id}/annotations/{annotation_id}",
    tag = "annotations",
    security(("bearer" = [])),
    params(AnnotationPath),
    request_body(content = AnnotationBody, content_type = "application/json"),
    responses(
        (status = 204, description = "Created or replaced"),
        (status = 400, description = "The body is not a JSON object of the fields above", body = ErrorBody),
        (status = 403, description = "Not an ingest key, or a key limited to other agents", body = ErrorBody),
        (status = 404, description = "Unknown agent", body = ErrorBody),
        (status = 409, description = "A new annotation past the most an agent may have (1,000)", body = ErrorBody),
        (status = 413, description = "The body is over 64 KiB", body = ErrorBody),
        (status = 415, description = "Content-Type is not application/json", body = ErrorBody),
        (status = 422, description = "An invalid id, label or range, with the reason", body = ErrorBody),
    ),
)]
pub async fn put_annotation(
    State(state): State<AppState>,
    key: ApiKey,
    ApiPath(AnnotationPath {
        agent_id,
        annotation_id,
    }): ApiPath<AnnotationPath>,
    body: SmallBody,
) -> Result<StatusCode, HttpError> {
    let agent = key
        .agent(&state.context.store, KeyScope::Ingest, &agent_id)
        .await?;
    whole_agent(&key, &agent_id)?;
    let body: AnnotationBody = parse_body(&body)?;
    let note = Annotation::checked(&annotation_id, body.date, body.end_date, &body.label)
        .map_err(HttpError::unprocessable)?;
    state.context.store.put_annotations(&agent, &[note]).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes an annotation.
#[utoipa::path(
    delete,
    path = "/api/v1/agents/{agent_id}/annotations/{annotation_id}",
    tag = "annotations",
    security(("bearer" = [])),
    params(AnnotationPath),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Not an ingest key, or a key limited to other agents", body = ErrorBody),
        (status = 404, description = "Unknown agent or annotation", body = ErrorBody),
    ),
)]
pub async fn delete_annotation(
    State(state): State<AppState>,
    key: ApiKey,
    ApiPath(AnnotationPath {
        agent_id,
        annotation_id,
    }): ApiPath<AnnotationPath>,
) -> Result<StatusCode, HttpError> {
    let agent = key
        .agent(&state.context.store, KeyScope::Ingest, &agent_id)
        .await?;
    whole_agent(&key, &agent_id)?;
    if state
        .context
        .store
        .delete_annotation(&agent, &annotation_id)
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(HttpError::not_found(format!(
            "unknown annotation {annotation_id:?}"
        )))
    }
}

/// Notes are the whole agent's: a key limited to some of its sections may
/// not change them.
fn whole_agent(key: &ApiKey, agent_id: &str) -> Result<(), HttpError> {
    match key.0.section_limit(agent_id) {
        None => Ok(()),
        Some(_) => Err(HttpError::forbidden(format!(
            "this key may use only some sections of agent {agent_id:?}, not its annotations"
        ))),
    }
}
