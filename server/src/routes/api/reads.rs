//! The read API: the figures of METRICS.md for other programs.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::header::{ACCEPT, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use pulse_db::analytics::Selection;
use pulse_db::keys::KeyScope;
use pulse_db::{AgentRef, Store};
use pulse_model::{Agent, Heatmap, Overview, PeriodQuery, Trend, users_csv};

use super::HttpError;
use super::auth::ApiKey;
use crate::routes::AppState;

type Params = Query<HashMap<String, String>>;

const PERIOD_PARAMS: [&str; 4] = ["period", "from", "to", "tz"];

pub async fn list_agents(
    State(state): State<AppState>,
    key: ApiKey,
) -> Result<Json<Vec<Agent>>, HttpError> {
    key.require_scope(KeyScope::Read)?;
    let agents = state.context.store.list_agents().await?;
    Ok(Json(
        agents
            .into_iter()
            .filter(|agent| key.0.may_use_agent(&agent.agent_id))
            .collect(),
    ))
}

pub async fn overview(
    State(state): State<AppState>,
    key: ApiKey,
    Path(agent_id): Path<String>,
    Query(params): Params,
) -> Result<Json<Overview>, HttpError> {
    let agent = readable_agent(&state.context.store, &key, &agent_id).await?;
    let selection = selection(&state.context.store, &agent, &params, &[])?;
    Ok(Json(selection.overview(state.context.settings).await?))
}

pub async fn trend(
    State(state): State<AppState>,
    key: ApiKey,
    Path(agent_id): Path<String>,
    Query(params): Params,
) -> Result<Json<Trend>, HttpError> {
    let agent = readable_agent(&state.context.store, &key, &agent_id).await?;
    Ok(Json(
        selection(&state.context.store, &agent, &params, &[])?
            .trend()
            .await?,
    ))
}

pub async fn heatmap(
    State(state): State<AppState>,
    key: ApiKey,
    Path(agent_id): Path<String>,
    Query(params): Params,
) -> Result<Json<Heatmap>, HttpError> {
    let agent = readable_agent(&state.context.store, &key, &agent_id).await?;
    Ok(Json(
        selection(&state.context.store, &agent, &params, &[])?
            .heatmap()
            .await?,
    ))
}

/// The user table as JSON, or as CSV with `format=csv` or `Accept: text/csv`.
pub async fn users(
    State(state): State<AppState>,
    key: ApiKey,
    Path(agent_id): Path<String>,
    headers: HeaderMap,
    Query(params): Params,
) -> Result<Response, HttpError> {
    let agent = readable_agent(&state.context.store, &key, &agent_id).await?;
    let table = selection(&state.context.store, &agent, &params, &["format"])?
        .users()
        .await?;
    let wants_csv = match params.get("format").map(String::as_str) {
        Some("csv") => true,
        Some("json") => false,
        Some(other) => {
            return Err(HttpError::bad_request(format!(
                "format must be json or csv, not {other:?}"
            )));
        }
        None => headers
            .get(ACCEPT)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|accept| accept.contains("text/csv")),
    };
    if !wants_csv {
        return Ok(Json(table).into_response());
    }
    let mut response = users_csv(&table.users).into_response();
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    Ok(response)
}

async fn readable_agent(
    store: &Store,
    key: &ApiKey,
    agent_id: &str,
) -> Result<AgentRef, HttpError> {
    key.agent(store, KeyScope::Read, agent_id).await
}

/// The selection a request's query parameters describe; unknown parameters
/// are refused so that a misspelt one does not silently change the figures.
fn selection<'a>(
    store: &'a Store,
    agent: &'a AgentRef,
    params: &HashMap<String, String>,
    extra: &[&str],
) -> Result<Selection<'a>, HttpError> {
    if let Some(unknown) = params
        .keys()
        .find(|name| !PERIOD_PARAMS.contains(&name.as_str()) && !extra.contains(&name.as_str()))
    {
        return Err(HttpError::bad_request(format!(
            "unknown query parameter {unknown:?}; expected period, from, to, tz"
        )));
    }
    let defaults = PeriodQuery::default();
    let query = PeriodQuery {
        period: params.get("period").cloned().unwrap_or(defaults.period),
        from: params.get("from").cloned(),
        to: params.get("to").cloned(),
        tz: params.get("tz").cloned().unwrap_or(defaults.tz),
    };
    Ok(Selection::new(store, agent, &query, Utc::now())?)
}
