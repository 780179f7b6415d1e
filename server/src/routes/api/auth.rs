//! API keys on requests: `Authorization: Bearer KEY`.

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use pulse_db::ingest::is_valid_agent_id;
use pulse_db::keys::{KeyRecord, KeyScope, hash_key};
use pulse_db::{AgentRef, Store};

use super::HttpError;
use crate::routes::AppState;

/// The caller's active key.
pub struct ApiKey(pub KeyRecord);

impl FromRequestParts<AppState> for ApiKey {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<ApiKey, HttpError> {
        let unauthorized = |message: &str| HttpError::new(StatusCode::UNAUTHORIZED, message);
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .ok_or_else(|| unauthorized("an API key is required: Authorization: Bearer KEY"))?;
        let secret = header
            .to_str()
            .ok()
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|secret| !secret.is_empty())
            .ok_or_else(|| unauthorized("the Authorization header must be: Bearer KEY"))?;
        // Looked up by hash: the secret itself is never stored or compared.
        match state.context.store.key_by_hash(&hash_key(secret)).await? {
            Some(key) if key.is_active() => Ok(ApiKey(key)),
            _ => Err(unauthorized("unknown or revoked API key")),
        }
    }
}

impl ApiKey {
    pub fn require_scope(&self, scope: KeyScope) -> Result<(), HttpError> {
        if self.0.scope == scope {
            Ok(())
        } else {
            Err(HttpError::forbidden(format!(
                "this needs a key with scope {}",
                scope.as_str()
            )))
        }
    }

    pub fn require_agent(&self, agent_id: &str) -> Result<(), HttpError> {
        if self.0.may_use_agent(agent_id) {
            Ok(())
        } else {
            Err(HttpError::forbidden(format!(
                "this key may not use agent {agent_id:?}"
            )))
        }
    }

    /// The agent, when the key may use it in `scope`. A key never learns
    /// whether an agent it may not use exists: that is a 403 either way.
    pub async fn agent(
        &self,
        store: &Store,
        scope: KeyScope,
        agent_id: &str,
    ) -> Result<AgentRef, HttpError> {
        self.require_scope(scope)?;
        self.require_agent(agent_id)?;
        // No agent has an invalid id; and some (a NUL) PostgreSQL would
        // refuse to even look up.
        if !is_valid_agent_id(agent_id) {
            return Err(HttpError::not_found(format!("unknown agent {agent_id:?}")));
        }
        store
            .find_agent(agent_id)
            .await?
            .ok_or_else(|| HttpError::not_found(format!("unknown agent {agent_id:?}")))
    }
}
