//! `POST /api/v1/events`: a batch of events, all or nothing.

use axum::Json;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use chrono::Utc;
use pulse_db::ingest::{IngestCounts, MAX_BATCH_EVENTS, Naming, ValidBatch, validate_batch};
use pulse_db::keys::KeyScope;
use serde::Serialize;
use serde_json::Value;

use super::HttpError;
use super::auth::ApiKey;
use crate::routes::AppState;

/// The largest body accepted.
pub const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

enum Format {
    Json,
    Ndjson,
}

#[derive(Serialize)]
struct LineError {
    index: usize,
    reason: String,
}

pub async fn post_events(
    State(state): State<AppState>,
    key: ApiKey,
    request: Request<Body>,
) -> Result<Json<IngestCounts>, HttpError> {
    key.require_scope(KeyScope::Ingest)?;
    let format = body_format(&request)?;
    let body = to_bytes(request.into_body(), MAX_BODY_BYTES)
        .await
        .map_err(|_| {
            HttpError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the body is over {MAX_BODY_BYTES} bytes"),
            )
        })?;
    let values = match format {
        Format::Json => parse_json(&body)?,
        Format::Ndjson => parse_ndjson(&body)?,
    };
    if values.len() > MAX_BATCH_EVENTS {
        return Err(HttpError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "a batch holds at most {MAX_BATCH_EVENTS} events, not {}",
                values.len()
            ),
        ));
    }
    let mut batch = validate_batch(&values, Utc::now()).map_err(|errors| {
        let invalid = errors
            .iter()
            .map(|error| error.index)
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        HttpError::unprocessable(format!(
            "{invalid} of {} events are invalid; nothing was stored",
            values.len()
        ))
        .with_details(&errors)
    })?;
    check_agents(&state, &key, &batch).await?;
    if let Some(agents) = &key.0.agents {
        batch.naming = Naming::WithinAgents(agents.clone());
    }
    let counts = state
        .context
        .store
        .ingest(&batch, Utc::now().timestamp_millis())
        .await?;
    Ok(Json(counts))
}

fn body_format(request: &Request<Body>) -> Result<Format, HttpError> {
    let content_type = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("");
    let media_type = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match media_type.as_str() {
        "application/json" => Ok(Format::Json),
        "application/x-ndjson" => Ok(Format::Ndjson),
        _ => Err(HttpError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!(
                "Content-Type must be application/json or application/x-ndjson, not {content_type:?}"
            ),
        )),
    }
}

fn parse_json(body: &[u8]) -> Result<Vec<Value>, HttpError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Array(values)) => Ok(values),
        Ok(_) => Err(HttpError::bad_request(
            "the body must be a JSON array of events",
        )),
        Err(error) => Err(HttpError::bad_request(format!(
            "the body is not valid JSON: {error}"
        ))),
    }
}

/// One event per line; blank lines are skipped. Indexes count events, not lines.
fn parse_ndjson(body: &[u8]) -> Result<Vec<Value>, HttpError> {
    let mut values = Vec::new();
    let mut errors = Vec::new();
    for (line_number, line) in body.split(|byte| *byte == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<Value>(line) {
            Ok(value) => values.push(value),
            Err(error) => errors.push(LineError {
                index: values.len() + errors.len(),
                reason: format!("line {}: {error}", line_number + 1),
            }),
        }
    }
    if errors.is_empty() {
        Ok(values)
    } else {
        Err(HttpError::bad_request(format!(
            "{} lines are not valid JSON; nothing was stored",
            errors.len()
        ))
        .with_details(&errors))
    }
}

/// A key may write only to its agents, and only a key for every agent may
/// create one by sending it events.
async fn check_agents(state: &AppState, key: &ApiKey, batch: &ValidBatch) -> Result<(), HttpError> {
    for agent_id in batch.agent_ids() {
        key.require_agent(agent_id)?;
        if !key.0.covers_all_agents() && state.context.store.find_agent(agent_id).await?.is_none() {
            return Err(HttpError::not_found(format!(
                "unknown agent {agent_id:?}: a key limited to agents cannot create one"
            )));
        }
    }
    Ok(())
}
