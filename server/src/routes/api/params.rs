//! The parameters of the API's routes: the path parameters the handlers
//! extract, the query parameters of the reads, and their documentation in
//! the OpenAPI document (`openapi.rs`).

use std::borrow::Cow;

use axum::body::{Bytes, to_bytes};
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use chrono::NaiveDate;
use pulse_model::PeriodKind;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::{IntoParams, PartialSchema, ToSchema};

use super::HttpError;

/// Axum's `Path`, refusing with the API's JSON error (400) instead of plain
/// text when the path does not decode (invalid UTF-8 after percent-decoding).
pub struct ApiPath<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<ApiPath<T>, HttpError> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(ApiPath(value)),
            Err(rejection) => Err(path_error(rejection)),
        }
    }
}

fn path_error(rejection: PathRejection) -> HttpError {
    HttpError::bad_request(format!("invalid path: {}", rejection.body_text()))
}

/// The largest body of the registry's routes (a few names).
pub const MAX_SMALL_BODY_BYTES: usize = 64 * 1024;

/// The body of a registry route and its declared type, refused with the
/// API's JSON error (413) when it is over `MAX_SMALL_BODY_BYTES`.
pub struct SmallBody {
    /// The `Content-Type` header, when there is one that is text.
    pub content_type: Option<String>,
    pub bytes: Bytes,
}

impl<S: Send + Sync> FromRequest<S> for SmallBody {
    type Rejection = HttpError;

    async fn from_request(request: Request, _state: &S) -> Result<SmallBody, HttpError> {
        let content_type = request
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let bytes = to_bytes(request.into_body(), MAX_SMALL_BODY_BYTES)
            .await
            .map_err(|_| {
                HttpError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("the body is over {MAX_SMALL_BODY_BYTES} bytes"),
                )
            })?;
        Ok(SmallBody {
            content_type,
            bytes,
        })
    }
}

/// `/agents/{agent_id}`. The rules of every id parameter are added by
/// `openapi::Identifiers`, from `pulse_model::text`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct AgentPath {
    /// The agent.
    pub agent_id: String,
}

/// `/users/{user_id}`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct UserPath {
    /// The learner.
    pub user_id: String,
}

/// `/agents/{agent_id}/members/{user_id}`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct MemberPath {
    /// The agent.
    pub agent_id: String,
    /// The learner.
    pub user_id: String,
}

/// The query parameters every read takes (`reads::PERIOD_PARAMS`); any other
/// is refused with a 400, so that a misspelt one cannot change the figures
/// unnoticed.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct PeriodParams {
    /// The period (METRICS.md): today, the past 7 or 30 local days, or
    /// `custom` from `from` to `to`.
    #[param(required = false, default = "7d")]
    period: PeriodKind,
    /// With `period=custom` (then required): the first local day, not after
    /// today. With another period it is ignored (but must still be a date).
    #[param(required = false, example = "2026-03-01")]
    from: NaiveDate,
    /// With `period=custom` (then required): the last local day, not before
    /// `from`, at most 366 days from it. With another period it is ignored
    /// (but must still be a date).
    #[param(required = false, example = "2026-03-31")]
    to: NaiveDate,
    /// The viewer's IANA time zone: local days and hours are this zone's.
    #[param(required = false, default = "UTC")]
    tz: TimeZone,
    /// Only the learners of this section of the agent (METRICS.md,
    /// "Sections"): 404 for an unknown one. A key limited to sections may
    /// name only those, and without it gets all of them together.
    #[param(required = false)]
    section: String,
}

/// The weeks of `GET /agents/{agent_id}/users/retention`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct RetentionParams {
    /// How many local weeks, the last holding now.
    #[param(required = false, default = 8, minimum = 1, maximum = 26)]
    weeks: u32,
    /// The first day of a week (as the heatmap's setting).
    #[param(required = false, inline)]
    week_start: pulse_model::WeekStart,
}

/// `GET /agents/{agent_id}/users` also takes `format`.
/// `inactive_days` of the user table's statuses (METRICS.md).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct InactiveDaysParam {
    /// Days without an event after which a learner who had some is `stopped`.
    #[param(required = false, default = 14, minimum = 1, maximum = 3650)]
    inactive_days: u32,
}

#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct FormatParam {
    /// `csv`: the same rows as CSV with a header line (as `Accept: text/csv`
    /// without this parameter); `json`: JSON whatever `Accept` says.
    #[param(required = false)]
    format: UsersFormat,
}

/// The forms of the user table.
#[derive(ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum UsersFormat {
    Json,
    Csv,
}

/// An IANA time zone name, as the server knows them (chrono-tz's database,
/// links included; case matters).
pub struct TimeZone;

impl PartialSchema for TimeZone {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(time_zone_names()))
            .description(Some(
                "An IANA time zone name, such as Europe/Paris (case matters)",
            ))
            .into()
    }
}

impl ToSchema for TimeZone {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("TimeZone")
    }
}

/// Every zone name `tz` takes, in the order of chrono-tz's database.
pub fn time_zone_names() -> impl Iterator<Item = &'static str> {
    chrono_tz::TZ_VARIANTS.iter().map(|zone| zone.name())
}

/// `/agents/{agent_id}/sections/{section_id}`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct SectionPath {
    /// The agent.
    pub agent_id: String,
    /// The section.
    pub section_id: String,
}

/// `/agents/{agent_id}/sections/{section_id}/members/{user_id}`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct SectionMemberPath {
    /// The agent.
    pub agent_id: String,
    /// The section.
    pub section_id: String,
    /// The learner.
    pub user_id: String,
}

/// The query parameters of `GET /agents`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct AgentsParams {
    /// `30d`: each agent with the figures of its Users tab for the Past
    /// Month (else none).
    #[param(required = false, inline)]
    figures: AgentsFigures,
    /// The zone of those figures' local days.
    #[param(required = false, default = "UTC")]
    tz: TimeZone,
}

/// The figures `GET /agents` can add.
#[derive(ToSchema)]
#[allow(dead_code)]
pub enum AgentsFigures {
    #[schema(rename = "30d")]
    PastMonth,
}

/// `/agents/{agent_id}/annotations/{annotation_id}`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct AnnotationPath {
    /// The agent.
    pub agent_id: String,
    /// The note.
    pub annotation_id: String,
}
