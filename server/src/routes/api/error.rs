//! Errors of the REST API: a status and `{"error": "...", "details": [...]}`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use pulse_db::analytics::AnalyticsError;
use pulse_db::{Outage, StoreError};
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

impl From<StoreError> for HttpError {
    fn from(error: StoreError) -> HttpError {
        match error.outage() {
            Some(outage) => {
                tracing::warn!(%error, "database outage");
                let status = match outage {
                    Outage::DiskFull => StatusCode::INSUFFICIENT_STORAGE,
                    _ => StatusCode::SERVICE_UNAVAILABLE,
                };
                HttpError::new(status, outage.message())
            }
            None => {
                tracing::error!(%error, "database error");
                HttpError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the request could not be completed",
                )
            }
        }
    }
}

impl From<AnalyticsError> for HttpError {
    fn from(error: AnalyticsError) -> HttpError {
        match error {
            AnalyticsError::BadPeriod(message) => HttpError::bad_request(message),
            AnalyticsError::Store(error) => error.into(),
        }
    }
}
