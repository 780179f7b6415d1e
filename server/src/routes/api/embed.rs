//! The host platform's token exchanged for a browser session (docs/EMBED.md,
//! docs/API.md "Embedding"). The page at `/embed` calls this with the token
//! it found in its URL's fragment, which no server ever sees.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use pulse_db::time::Millis;
use pulse_model::ApiError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::params::SmallBody;
use super::registry::parse_body;
use super::{ErrorBody, HttpError};
use crate::routes::AppState;

/// The token, and the agent whose Users tab to open.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJsbXMifQ.c2lnbmF0dXJl", "agent": "algebra-tutor"}))]
pub struct EmbedSessionBody {
    /// The JWT the host platform signed (docs/EMBED.md, "The token").
    #[schema(min_length = 1, max_length = 8192)]
    token: String,
    /// One of the agents the token names; absent: the first of them.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 64, pattern = r"^[A-Za-z0-9._-]+$")]
    agent: Option<String>,
}

/// Where the embedded page goes next.
#[derive(Serialize, ToSchema)]
pub struct EmbedSession {
    /// The Users tab of the agent, as a path on this server.
    #[schema(example = "/agents/algebra-tutor/analytics/users")]
    location: String,
}

/// Opens an embedded viewer's session: 200 with a partitioned session
/// cookie and where to go.
#[utoipa::path(
    post,
    path = "/api/v1/embed/session",
    tag = "embedding",
    security(()),
    request_body(content = EmbedSessionBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Signed in: the session is in a partitioned cookie (`Set-Cookie: pulse_embed_session=...; Secure; SameSite=None; Partitioned`)", body = EmbedSession),
        (status = 400, description = "The body is not a JSON object of the fields above, or names no agent when the token names none", body = ErrorBody),
        (status = 401, description = "The token is refused: missing, malformed, unsigned, an unknown integration or algorithm, a bad signature, expired, not yet valid, too long-lived, already used, or a claim missing or invalid; the message says which", body = ErrorBody),
        (status = 403, description = "The token does not name that agent, or the viewer is disabled in Settings", body = ErrorBody),
        (status = 409, description = "An account of the viewer's name exists that this host platform did not make", body = ErrorBody),
        (status = 413, description = "The body is over 64 KiB", body = ErrorBody),
        (status = 415, description = "Content-Type is not application/json", body = ErrorBody),
        (status = 502, description = "The integration's public keys could not be fetched from its JWKS URL", body = ErrorBody),
    ),
)]
pub async fn open_session(
    State(state): State<AppState>,
    body: SmallBody,
) -> Result<Response, HttpError> {
    let body: EmbedSessionBody = parse_body(&body)?;
    if let Some(agent) = &body.agent {
        pulse_model::check_public_id("agent", agent).map_err(HttpError::bad_request)?;
    }
    let now = Millis::now();
    let embedding = &state.embedding;
    let grant =
        crate::embedding::verify(&body.token, &embedding.integrations, &embedding.client, now)
            .await
            .map_err(ApiError::from)?;
    let agent = match body.agent {
        None => grant.agents.first().cloned().ok_or_else(|| {
            HttpError::bad_request("name the agent whose Users tab to open (`agent`)")
        })?,
        Some(agent) if grant.agents.is_empty() || grant.agents.contains(&agent) => agent,
        // Checked before the token is used, so that the page may ask again.
        Some(agent) => {
            return Err(HttpError::forbidden(format!(
                "this token does not name agent {agent:?}"
            )));
        }
    };
    let session = pulse_db::embedding::open_session(&state.context.store, &grant, now)
        .await
        .map_err(ApiError::from)?;
    let mut response = Json(EmbedSession {
        location: format!("/agents/{agent}/analytics/users"),
    })
    .into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_str(&embedded_session_cookie(&session)).map_err(HttpError::internal)?,
    );
    Ok(response)
}

/// The session cookie of an embedded viewer: partitioned (CHIPS), so that
/// Chromium keeps it inside the host platform's pages even where
/// third-party cookies are blocked; `SameSite=None` so that it is sent
/// from inside another site's frame; `Secure`, which both require
/// (browsers count `http://localhost` as secure).
fn embedded_session_cookie(token: &str) -> String {
    format!(
        "{}={token}; Path=/; HttpOnly; Secure; SameSite=None; Partitioned; Max-Age={}",
        pulse_app::server::EMBED_SESSION_COOKIE,
        pulse_db::accounts::IDLE_TIMEOUT_MS / 1000
    )
}
