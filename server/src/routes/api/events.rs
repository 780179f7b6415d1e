//! `POST /api/v1/events`: a batch of events, all or nothing.

use axum::Json;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use chrono::Utc;
use http_body_util::BodyExt;
use pulse_db::ingest::{IngestCounts, MAX_BATCH_EVENTS, ValidBatch, validate_batch};
use pulse_db::keys::KeyScope;
use pulse_db::time::Millis;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::auth::ApiKey;
use super::{ErrorBody, ErrorDetail, HttpError};
use crate::routes::AppState;
use crate::routes::metrics::count_events;

/// The largest body accepted.
pub const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

enum Format {
    Json,
    Ndjson,
}

/// One event, as `POST /api/v1/events` takes it. The server checks events
/// field by field (`pulse_db::ingest::validate_event`) so as to report every
/// problem of a batch at once; this type only describes them, with the same
/// rules (a test holds the two together).
#[derive(Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "id": "e1", "type": "message", "agent_id": "algebra-tutor", "user_id": "u42",
    "at": "2026-03-01T09:30:00Z", "session_id": "s7", "username": "ada", "name": "Ada Lovelace"
}))]
#[allow(dead_code)]
pub struct Event {
    /// Idempotency key, unique per agent: an id already stored for the
    /// agent is counted as a duplicate and changes nothing.
    #[schema(
        min_length = 1,
        max_length = 128,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$"
    )]
    id: String,
    #[serde(rename = "type")]
    kind: EventType,
    /// The agent; a key for every agent creates it on its first event.
    agent_id: String,
    user_id: String,
    /// When it happened: RFC 3339 with an offset, not before
    /// 2000-01-01T00:00:00Z and not more than 5 minutes ahead of the
    /// server's clock (events outside that window are refused with 422).
    at: chrono::DateTime<chrono::FixedOffset>,
    /// Groups the events of one session; `null` is the same as absent.
    #[schema(
        min_length = 1,
        max_length = 128,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$"
    )]
    session_id: Option<String>,
    /// The learner's username; may be empty; `null` is the same as absent.
    #[schema(max_length = 200, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    username: Option<String>,
    /// The learner's display name; may be empty; `null` is the same as absent.
    #[schema(max_length = 200, pattern = r"^[^\u0000-\u001F\u007F-\u009F]*$")]
    name: Option<String>,
}

/// The four kinds of event of METRICS.md (`pulse_db::ingest::EventKind`).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum EventType {
    SessionStart,
    Heartbeat,
    Message,
    SessionEnd,
}

/// A batch of events, all or nothing: at most 10,000 (more is a 413). An
/// empty array is accepted and stores nothing.
#[derive(Serialize, ToSchema)]
#[schema(max_items = 10_000)]
#[allow(dead_code)]
pub struct EventBatch(Vec<Event>);

/// What a stored batch reports: `accepted + duplicates` is the batch size.
#[derive(Serialize, ToSchema)]
pub struct IngestResult {
    /// Events newly stored.
    accepted: u64,
    /// Events already stored before (or earlier in the same batch).
    duplicates: u64,
}

impl From<IngestCounts> for IngestResult {
    fn from(counts: IngestCounts) -> IngestResult {
        IngestResult {
            accepted: counts.accepted,
            duplicates: counts.duplicates,
        }
    }
}

/// Stores a batch of events, all or nothing.
///
/// The answer comes once the batch is durably committed.
#[utoipa::path(
    post,
    path = "/api/v1/events",
    tag = "events",
    security(("bearer" = [])),
    request_body(
        description = "The events: a JSON array, or NDJSON (one event object a line; blank lines are skipped). Nothing is stored when any event is invalid.",
        content(
            (EventBatch = "application/json"),
            (EventBatch = "application/x-ndjson"),
        ),
    ),
    responses(
        (status = 200, description = "Stored durably: how many were new and how many already stored", body = IngestResult),
        (status = 400, description = "The body is not a JSON array (or a line is not JSON); nothing was stored", body = ErrorBody),
        (status = 403, description = "Not an ingest key, a key limited to other agents than an event's, or one limited to sections an event's learner is not in; nothing was stored", body = ErrorBody),
        (status = 404, description = "An event names an unknown agent and the key, limited to agents, may not create one", body = ErrorBody),
        (status = 413, description = "The body is over 10 MiB, or the batch over 10,000 events", body = ErrorBody),
        (status = 415, description = "Content-Type is neither application/json nor application/x-ndjson", body = ErrorBody),
        (status = 422, description = "Invalid events, each listed by index, field and reason; nothing was stored", body = ErrorBody),
    ),
)]
pub async fn post_events(
    State(state): State<AppState>,
    key: ApiKey,
    request: Request<Body>,
) -> Result<Json<IngestResult>, HttpError> {
    key.require_scope(KeyScope::Ingest)?;
    let format = body_format(&request)?;
    let body = read_body(request.into_body()).await?;
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
        count_events("refused", values.len() as u64);
        HttpError::unprocessable(format!(
            "{invalid} of {} events are invalid; nothing was stored",
            values.len()
        ))
        .with_details(&errors)
    })?;
    check_agents(&state, &key, &batch).await?;
    batch.naming = key.naming();
    let counts = state.context.store.ingest(&batch, Millis::now()).await?;
    count_events("stored", counts.accepted);
    count_events("duplicate", counts.duplicates);
    Ok(Json(counts.into()))
}

/// How much of an oversized body is read (and dropped) before the 413.
const DRAIN_LIMIT: usize = 4 * MAX_BODY_BYTES;

/// The body, at most `MAX_BODY_BYTES`. The rest of an oversized one is read
/// and dropped (up to `DRAIN_LIMIT`) before the 413 is sent: answering
/// while the client is still sending closes the connection under it, and a
/// reverse proxy then answers 502 instead of passing the 413 on.
async fn read_body(mut body: Body) -> Result<axum::body::Bytes, HttpError> {
    let mut kept = Vec::new();
    let mut seen = 0;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|error| {
            HttpError::bad_request(format!("the body could not be read: {error}"))
        })?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        seen += data.len();
        if seen <= MAX_BODY_BYTES {
            kept.extend_from_slice(&data);
        } else if seen > DRAIN_LIMIT {
            break;
        }
    }
    if seen > MAX_BODY_BYTES {
        return Err(HttpError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the body is over {MAX_BODY_BYTES} bytes"),
        ));
    }
    Ok(kept.into())
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
            Err(error) => errors.push(ErrorDetail {
                index: (values.len() + errors.len()) as u64,
                field: None,
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

/// A key may write only to its agents, only a key for every agent may
/// create one by sending it events, and a key limited to sections sends
/// events only of their learners.
async fn check_agents(state: &AppState, key: &ApiKey, batch: &ValidBatch) -> Result<(), HttpError> {
    let store = &state.context.store;
    for agent_id in batch.agent_ids() {
        key.require_agent(agent_id)?;
        if key.0.covers_all_agents() {
            continue;
        }
        let Some(agent) = store.find_agent(agent_id).await? else {
            return Err(HttpError::not_found(format!(
                "unknown agent {agent_id:?}: a key limited to agents cannot create one"
            )));
        };
        let users = batch
            .events
            .iter()
            .filter(|event| event.agent_id == agent_id)
            .map(|event| event.user_id.as_str());
        key.require_learners(store, &agent, users).await?;
    }
    Ok(())
}
