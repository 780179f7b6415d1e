//! API keys on requests: `Authorization: Bearer KEY`.

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use pulse_db::keys::{KeyRecord, KeyScope, hash_key};
use pulse_db::learners::{Naming, learners_outside};
use pulse_db::{AgentRef, Store};
use pulse_model::is_public_id;

use super::HttpError;
use super::params::{AgentPath, ApiPath};
use crate::routes::AppState;

/// The caller's active key.
pub struct ApiKey(pub KeyRecord);

impl FromRequestParts<AppState> for ApiKey {
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<ApiKey, HttpError> {
        let secret = bearer_secret(parts)?;
        active_key(&state.context.store, secret).await
    }
}

fn unauthorized(message: &str) -> HttpError {
    HttpError::new(StatusCode::UNAUTHORIZED, message)
}

/// The secret of the request's `Authorization: Bearer` header.
fn bearer_secret(parts: &Parts) -> Result<&str, HttpError> {
    let header = parts
        .headers
        .get(AUTHORIZATION)
        .ok_or_else(|| unauthorized("an API key is required: Authorization: Bearer KEY"))?;
    header
        .to_str()
        .ok()
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|secret| !secret.is_empty())
        .ok_or_else(|| unauthorized("the Authorization header must be: Bearer KEY"))
}

/// The active key whose secret is `secret`.
async fn active_key(store: &Store, secret: &str) -> Result<ApiKey, HttpError> {
    // Looked up by hash: the secret itself is never stored or compared.
    match store.key_by_hash(&hash_key(secret)).await? {
        Some(key) if key.is_active() => Ok(ApiKey(key)),
        _ => Err(unauthorized("unknown or revoked API key")),
    }
}

/// The agent named `agent_id`, if there is one.
async fn find_agent(store: &Store, agent_id: &str) -> Result<Option<AgentRef>, HttpError> {
    // No agent has an invalid id; and some (a NUL) PostgreSQL would
    // refuse to even look up.
    if !is_public_id(agent_id) {
        return Ok(None);
    }
    Ok(store.find_agent(agent_id).await?)
}

fn known_agent(agent_id: &str, found: Option<AgentRef>) -> Result<AgentRef, HttpError> {
    found.ok_or_else(|| HttpError::not_found(format!("unknown agent {agent_id:?}")))
}

/// A read key and the agent of the request's path, which it may read.
///
/// The key and the agent are looked up at once: every read needs both, and
/// on PostgreSQL each is a round trip, a large part of a kept read's time
/// (docs/BENCHMARKS.md, "Users tab over HTTP"). The agent found is used only once the
/// key has been checked, so a caller learns nothing more than from the
/// key's checks alone; errors come in the same order as `ApiKey` then
/// [`ApiKey::agent`] (a database error of either look-up ends it first).
pub struct ReadableAgent {
    pub key: ApiKey,
    pub agent: AgentRef,
}

impl FromRequestParts<AppState> for ReadableAgent {
    type Rejection = HttpError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<ReadableAgent, HttpError> {
        let secret = bearer_secret(parts)?.to_owned();
        let path = ApiPath::<AgentPath>::from_request_parts(parts, state).await;
        let store = &state.context.store;
        let agent_id = path.as_ref().map(|ApiPath(path)| path.agent_id.as_str());
        // An unknown key ends the request at once, the agent's look-up
        // dropped: a rejected caller costs one query, as before.
        let (key, found) = tokio::try_join!(active_key(store, &secret), async {
            match agent_id {
                Ok(agent_id) => find_agent(store, agent_id).await,
                Err(_) => Ok(None),
            }
        })?;
        let ApiPath(AgentPath { agent_id }) = path?;
        key.require_scope(KeyScope::Read)?;
        key.require_agent(&agent_id)?;
        let agent = known_agent(&agent_id, found)?;
        Ok(ReadableAgent { key, agent })
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

    /// Whose word the key's registrations and names are (docs/METRICS.md,
    /// "Learners and their names").
    pub fn naming(&self) -> Naming {
        Naming::of_reach(self.0.agents.as_deref())
    }

    /// Refuses, naming them, those of `user_ids` that a key limited to
    /// sections of `agent` may not touch: everyone outside its sections.
    /// Such a key registers nobody; the answer is the same whether an id
    /// is unknown, registered outside the sections or on another agent.
    pub async fn require_learners<'a>(
        &self,
        store: &Store,
        agent: &AgentRef,
        user_ids: impl IntoIterator<Item = &'a str>,
    ) -> Result<(), HttpError> {
        let Some(sections) = self.0.section_limit(&agent.agent_id) else {
            return Ok(());
        };
        // Only the ids asked about are looked up.
        let mut asked: Vec<&str> = user_ids.into_iter().collect();
        asked.sort_unstable();
        asked.dedup();
        let section_ids: Vec<&str> = sections.iter().map(String::as_str).collect();
        let members = store
            .section_members_among(agent, &section_ids, &asked)
            .await?;
        let outside = learners_outside(asked, &members);
        if outside.is_empty() {
            return Ok(());
        }
        let shown: Vec<&str> = outside.iter().take(5).map(String::as_str).collect();
        Err(HttpError::forbidden(format!(
            "this key is limited to sections {sections:?} of agent {:?}, and learners {shown:?} \
             are not in them; nothing was changed",
            agent.agent_id
        )))
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
        known_agent(agent_id, find_agent(store, agent_id).await?)
    }
}
