//! The read API: the figures of METRICS.md for other programs.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::header::{ACCEPT, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use chrono::{NaiveDate, Utc};
use pulse_db::analytics::Selection;
use pulse_db::keys::KeyScope;
use pulse_db::{AgentRef, Store};
use pulse_model::{
    AgentListing, Dashboard, Heatmap, LearnerView, Overview, PeriodKind, PeriodQuery, Trend,
    UsersTable, users_csv,
};
use pulse_model::{DEFAULT_RETENTION_WEEKS, RETENTION_WEEKS_RANGE, Retention, WeekStart};

use super::auth::{ApiKey, ReadableAgent};
use super::kept_answers::Answer;
use super::params::{
    AgentPath, AgentsParams, ApiPath, FormatParam, InactiveDaysParam, MemberPath, PeriodParams,
    RetentionParams,
};
use super::{ErrorBody, HttpError};
use crate::routes::AppState;

type Params = Query<HashMap<String, String>>;

/// The query parameters of every read (`params::PeriodParams`).
pub const PERIOD_PARAMS: [&str; 5] = ["period", "from", "to", "tz", "section"];

/// The parameter of the reads that give statuses (`params::InactiveDaysParam`).
const INACTIVE_DAYS: &str = "inactive_days";

/// The agents this key may read; with `figures=30d`, each with the
/// figures of its Users tab for the Past Month in `tz`.
#[utoipa::path(
    get,
    path = "/api/v1/agents",
    tag = "reads",
    security(("bearer" = [])),
    params(AgentsParams),
    responses(
        (status = 200, description = "The agents, by name", body = Vec<AgentListing>),
        (status = 400, description = "An unknown parameter, or an invalid figures or zone, with the reason", body = ErrorBody),
        (status = 403, description = "Not a read key", body = ErrorBody),
    ),
)]
pub async fn list_agents(
    State(state): State<AppState>,
    key: ApiKey,
    Query(params): Params,
) -> Result<Json<Vec<AgentListing>>, HttpError> {
    key.require_scope(KeyScope::Read)?;
    if let Some(unknown) = params
        .keys()
        .find(|name| !["figures", "tz"].contains(&name.as_str()))
    {
        return Err(HttpError::bad_request(format!(
            "unknown query parameter {unknown:?}; expected figures, tz"
        )));
    }
    let with_figures = match params.get("figures").map(String::as_str) {
        None => false,
        Some("30d") => true,
        Some(other) => {
            return Err(HttpError::bad_request(format!(
                "figures must be 30d (the Past Month), not {other:?}"
            )));
        }
    };
    let query = PeriodQuery {
        period: PeriodKind::PastMonth.as_str().to_owned(),
        tz: params
            .get("tz")
            .cloned()
            .unwrap_or_else(|| "UTC".to_owned()),
        ..PeriodQuery::default()
    };
    // Checked even without figures: a wrong zone is a mistake either way.
    if pulse_db::time::parse_zone(&query.tz).is_none() {
        return Err(HttpError::bad_request(format!(
            "unknown time zone {:?}: use an IANA name such as Europe/Paris",
            query.tz
        )));
    }
    let store = &state.context.store;
    let mut listings = Vec::new();
    for agent in store.list_agents().await? {
        if !key.0.may_use_agent(&agent.agent_id) {
            continue;
        }
        let figures = match (with_figures, store.find_agent(&agent.agent_id).await?) {
            (true, Some(found)) => {
                let selection = Selection::new(store, &found, &query, Utc::now())?
                    .limited_to(key.0.section_limit(&agent.agent_id))?;
                Some(selection.agent_figures(state.context.settings).await?)
            }
            _ => None,
        };
        listings.push(AgentListing {
            agent_id: agent.agent_id,
            name: agent.name,
            figures,
        });
    }
    Ok(Json(listings))
}

/// Topline counts and the period's figures against the previous period.
#[utoipa::path(
    get,
    path = "/api/v1/agents/{agent_id}/users/overview",
    tag = "reads",
    security(("bearer" = [])),
    params(AgentPath, PeriodParams),
    responses(
        (status = 200, description = "The overview", body = Overview),
    ),
)]
pub async fn overview(
    State(state): State<AppState>,
    ReadableAgent { key, agent }: ReadableAgent,
    Query(params): Params,
) -> Result<Json<Overview>, HttpError> {
    let selection = selection(&state.context.store, &key, &agent, &params, &[])?;
    Ok(Json(selection.overview(state.context.settings).await?))
}

/// Unique active users and messages per local hour (today) or day.
#[utoipa::path(
    get,
    path = "/api/v1/agents/{agent_id}/users/trend",
    tag = "reads",
    security(("bearer" = [])),
    params(AgentPath, PeriodParams),
    responses(
        (status = 200, description = "The trend", body = Trend),
    ),
)]
pub async fn trend(
    State(state): State<AppState>,
    ReadableAgent { key, agent }: ReadableAgent,
    headers: HeaderMap,
    Query(params): Params,
) -> Result<Response, HttpError> {
    let selection = selection(&state.context.store, &key, &agent, &params, &[])?;
    let answer = Answer::of(&selection, "trend");
    let trend = async { Ok::<Trend, HttpError>(selection.trend().await?) };
    state.kept_answers.respond(&headers, answer, trend).await
}

/// The weekday by hour grid of the period, row 0 = Monday.
#[utoipa::path(
    get,
    path = "/api/v1/agents/{agent_id}/users/heatmap",
    tag = "reads",
    security(("bearer" = [])),
    params(AgentPath, PeriodParams),
    responses(
        (status = 200, description = "The heatmap", body = Heatmap),
    ),
)]
pub async fn heatmap(
    State(state): State<AppState>,
    ReadableAgent { key, agent }: ReadableAgent,
    headers: HeaderMap,
    Query(params): Params,
) -> Result<Response, HttpError> {
    let selection = selection(&state.context.store, &key, &agent, &params, &[])?;
    let answer = Answer::of(&selection, "heatmap");
    let heatmap = async { Ok::<Heatmap, HttpError>(selection.heatmap().await?) };
    state.kept_answers.respond(&headers, answer, heatmap).await
}

/// The whole Users tab in one answer: the overview, trend, heatmap and user
/// table of the four reads above (the same fields), computed together from
/// one pass over the period's data, as the dashboard itself is.
#[utoipa::path(
    get,
    path = "/api/v1/agents/{agent_id}/users/dashboard",
    tag = "reads",
    security(("bearer" = [])),
    params(AgentPath, PeriodParams, InactiveDaysParam),
    responses(
        (status = 200, description = "Overview, trend, heatmap and user table", body = Dashboard),
    ),
)]
pub async fn dashboard(
    State(state): State<AppState>,
    ReadableAgent { key, agent }: ReadableAgent,
    headers: HeaderMap,
    Query(params): Params,
) -> Result<Response, HttpError> {
    let selection = selection(
        &state.context.store,
        &key,
        &agent,
        &params,
        &[INACTIVE_DAYS],
    )?;
    // The overview and the statuses follow the clock; the rest only the figures.
    let (overview, statuses) = tokio::try_join!(
        selection.overview(state.context.settings),
        selection.user_statuses()
    )?;
    let answer = Answer::of(&selection, "dashboard").following(Some(&overview), &statuses)?;
    // Built only when no answer is kept for these figures and statuses.
    let dashboard = async {
        Ok::<Dashboard, HttpError>(Dashboard {
            overview,
            trend: selection.trend().await?,
            heatmap: selection.heatmap().await?,
            users: selection.users_with(&statuses).await?,
        })
    };
    state
        .kept_answers
        .respond(&headers, answer, dashboard)
        .await
}

/// One row per registered user (and user with events), as JSON or CSV.
#[utoipa::path(
    get,
    path = "/api/v1/agents/{agent_id}/users",
    tag = "reads",
    security(("bearer" = [])),
    params(AgentPath, PeriodParams, InactiveDaysParam, FormatParam),
    responses(
        (status = 200, description = "The user table", content(
            (UsersTable = "application/json"),
            (String = "text/csv", example = "user_id,username,name,registered_at,messages,active_days,last_active,first_active,previous_messages,previous_active_days,status\r\nu42,ada,Ada Lovelace,2026-03-01T09:30:00Z,12,3,2026-03-04T10:00:00Z,2026-03-01T10:00:00Z,4,2,active\r\n"),
        )),
    ),
)]
pub async fn users(
    State(state): State<AppState>,
    ReadableAgent { key, agent }: ReadableAgent,
    headers: HeaderMap,
    Query(params): Params,
) -> Result<Response, HttpError> {
    let selection = selection(
        &state.context.store,
        &key,
        &agent,
        &params,
        &["format", INACTIVE_DAYS],
    )?;
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
    let statuses = selection.user_statuses().await?;
    if !wants_csv {
        let answer = Answer::of(&selection, "users").following(None, &statuses)?;
        let table = async { Ok::<UsersTable, HttpError>(selection.users_with(&statuses).await?) };
        return state.kept_answers.respond(&headers, answer, table).await;
    }
    let table = selection.users_with(&statuses).await?;
    let mut response = users_csv(&table.users).into_response();
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    Ok(response)
}

/// Weekly cohorts and new, returning, resurrected and dormant learners over
/// the last `weeks` local weeks of `tz` (the period is not used).
#[utoipa::path(
    get,
    path = "/api/v1/agents/{agent_id}/users/retention",
    tag = "reads",
    security(("bearer" = [])),
    params(AgentPath, PeriodParams, RetentionParams),
    responses(
        (status = 200, description = "Cohorts and lifecycle, oldest week first", body = Retention),
        (status = 400, description = "An invalid period, date, zone, weeks or week_start, or an unknown parameter, with the reason", body = ErrorBody),
    ),
)]
pub async fn retention(
    State(state): State<AppState>,
    ReadableAgent { key, agent }: ReadableAgent,
    Query(params): Params,
) -> Result<Json<Retention>, HttpError> {
    let selection = selection(
        &state.context.store,
        &key,
        &agent,
        &params,
        &["weeks", "week_start"],
    )?;
    let weeks = match params.get("weeks") {
        None => DEFAULT_RETENTION_WEEKS,
        Some(text) => text
            .parse()
            .ok()
            .filter(|weeks| RETENTION_WEEKS_RANGE.contains(weeks))
            .ok_or_else(|| {
                HttpError::bad_request(format!(
                    "weeks must be a whole number from 1 to 26, not {text:?}"
                ))
            })?,
    };
    let week_start = match params.get("week_start") {
        None => WeekStart::default(),
        Some(text) => WeekStart::parse(text).ok_or_else(|| {
            HttpError::bad_request(format!("week_start must be monday or sunday, not {text:?}"))
        })?,
    };
    Ok(Json(selection.retention(weeks, week_start).await?))
}

/// One learner of the agent: their row of the user table, their days, their
/// own heatmap, their recent sessions and the agent's median to compare.
#[utoipa::path(
    get,
    path = "/api/v1/agents/{agent_id}/users/{user_id}",
    tag = "reads",
    security(("bearer" = [])),
    params(MemberPath, PeriodParams, InactiveDaysParam),
    responses(
        (status = 200, description = "The learner view", body = LearnerView),
        (status = 404, description = "Unknown agent or section, or a user not registered for it (or not in the section)", body = ErrorBody),
    ),
)]
pub async fn learner(
    State(state): State<AppState>,
    ReadableAgent { key, agent }: ReadableAgent,
    ApiPath(MemberPath { user_id, .. }): ApiPath<MemberPath>,
    Query(params): Params,
) -> Result<Json<LearnerView>, HttpError> {
    let selection = selection(
        &state.context.store,
        &key,
        &agent,
        &params,
        &[INACTIVE_DAYS],
    )?;
    let view = selection.learner(&user_id, state.context.settings).await;
    Ok(Json(view.map_err(pulse_model::ApiError::from)?))
}

/// The selection a request's query parameters describe, within the
/// sections the key is limited to; unknown parameters are refused so that a
/// misspelt one does not silently change the figures.
fn selection<'a>(
    store: &'a Store,
    key: &ApiKey,
    agent: &'a AgentRef,
    params: &HashMap<String, String>,
    extra: &[&str],
) -> Result<Selection<'a>, HttpError> {
    if let Some(unknown) = params
        .keys()
        .find(|name| !PERIOD_PARAMS.contains(&name.as_str()) && !extra.contains(&name.as_str()))
    {
        let expected: Vec<&str> = PERIOD_PARAMS.iter().chain(extra).copied().collect();
        return Err(HttpError::bad_request(format!(
            "unknown query parameter {unknown:?}; expected {}",
            expected.join(", ")
        )));
    }
    let defaults = PeriodQuery::default();
    let period = params.get("period").cloned().unwrap_or(defaults.period);
    // `from` and `to` say something only with a custom period; with another
    // they are ignored (a link keeps working when its period is changed), as
    // long as they are dates at all.
    let custom = period == PeriodKind::Custom.as_str();
    let day = |name: &str| -> Result<Option<String>, HttpError> {
        let Some(text) = params.get(name) else {
            return Ok(None);
        };
        if custom {
            return Ok(Some(text.clone()));
        }
        match parse_day(text) {
            Some(_) => Ok(None),
            None => Err(HttpError::bad_request(format!(
                "{name} must be a date written YYYY-MM-DD, not {text:?}"
            ))),
        }
    };
    let query = PeriodQuery {
        from: day("from")?,
        to: day("to")?,
        period,
        tz: params.get("tz").cloned().unwrap_or(defaults.tz),
        section: params.get("section").cloned(),
    };
    let selection = Selection::new(store, agent, &query, Utc::now())?
        .limited_to(key.0.section_limit(&agent.agent_id))?;
    Ok(match params.get(INACTIVE_DAYS) {
        None => selection,
        Some(text) => {
            // Out of range or not a number: the same message either way.
            let days = text.parse().unwrap_or(0);
            selection.with_inactive_days(days).map_err(|_| {
                HttpError::bad_request(format!(
                    "inactive_days must be a whole number from 1 to 3650, not {text:?}"
                ))
            })?
        }
    })
}

/// A date written YYYY-MM-DD (RFC 3339's full-date: four-digit year).
fn parse_day(text: &str) -> Option<NaiveDate> {
    let digits_in_place = text.len() == 10
        && text.bytes().enumerate().all(|(i, byte)| {
            if i == 4 || i == 7 {
                byte == b'-'
            } else {
                byte.is_ascii_digit()
            }
        });
    digits_in_place
        .then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
        .flatten()
}
