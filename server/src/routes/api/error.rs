//! Errors of the REST API: a status and `{"error": "...", "details": [...]}`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use pulse_db::StoreError;
use pulse_db::analytics::AnalyticsError;
use pulse_model::ApiError;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

#[derive(Debug)]
pub struct HttpError {
    pub status: StatusCode,
    pub message: String,
    pub details: Vec<Value>,
}

/// The body of every error answer of the API.
#[derive(Serialize, ToSchema)]
#[schema(as = Error)]
pub struct ErrorBody {
    /// What went wrong, for a person to read.
    pub error: String,
    /// The itemised problems, when there are several (the invalid events of
    /// a batch); empty otherwise.
    #[schema(value_type = Vec<ErrorDetail>)]
    pub details: Vec<Value>,
}

/// One problem of a request: which event (and field) and why.
#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// The event's position in the batch, from 0 (with NDJSON, counting
    /// events, not lines).
    pub index: u64,
    /// The field at fault; absent when the whole event or line is.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub field: Option<String>,
    pub reason: String,
}

impl HttpError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> HttpError {
        HttpError {
            status,
            message: message.into(),
            details: Vec::new(),
        }
    }

    pub fn with_details<T: Serialize>(mut self, details: &[T]) -> HttpError {
        self.details = details
            .iter()
            .filter_map(|detail| serde_json::to_value(detail).ok())
            .collect();
        self
    }

    pub fn bad_request(message: impl Into<String>) -> HttpError {
        HttpError::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn unprocessable(message: impl Into<String>) -> HttpError {
        HttpError::new(StatusCode::UNPROCESSABLE_ENTITY, message)
    }

    pub fn forbidden(message: impl Into<String>) -> HttpError {
        HttpError::new(StatusCode::FORBIDDEN, message)
    }

    pub fn not_found(message: impl Into<String>) -> HttpError {
        HttpError::new(StatusCode::NOT_FOUND, message)
    }

    /// The server failed, not the caller: logged here, answered without
    /// the details.
    pub fn internal(error: impl std::fmt::Display) -> HttpError {
        tracing::error!(%error, "could not make the answer");
        HttpError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the server could not make the answer; its log says why",
        )
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: self.message,
            details: self.details,
        };
        (self.status, Json(body)).into_response()
    }
}

/// The REST form of an [`ApiError`]: its status (the one mapping, shared
/// with the server functions) and its message.
impl From<ApiError> for HttpError {
    fn from(error: ApiError) -> HttpError {
        let status =
            StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let message = match error {
            // The answer says the server failed; the prefix of the
            // browser's wording ("server error: ...") would say it twice.
            ApiError::Internal(message) => message,
            other => other.to_string(),
        };
        HttpError::new(status, message)
    }
}

impl From<StoreError> for HttpError {
    fn from(error: StoreError) -> HttpError {
        ApiError::from(error).into()
    }
}

impl From<AnalyticsError> for HttpError {
    fn from(error: AnalyticsError) -> HttpError {
        ApiError::from(error).into()
    }
}
