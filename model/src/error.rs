use serde::{Deserialize, Serialize};

/// Every failure a caller can see, typed so the UI can react to the kind
/// (sign in again, show a retry button, ...) instead of parsing messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum ApiError {
    /// No valid credentials.
    #[error("sign in required")]
    Unauthorized,
    /// Credentials presented and refused (an embedding token expired,
    /// replayed or badly signed, 401); the text says which check failed.
    #[error("{0}")]
    Refused(String),
    /// Valid credentials that do not allow this.
    #[error("not allowed: {0}")]
    Forbidden(String),
    /// What was asked for does not exist (404); the text names it.
    #[error("not found: {0}")]
    NotFound(String),
    /// The request itself is malformed (a bad period, date or zone, ...).
    #[error("{0}")]
    BadRequest(String),
    /// The request is sound but would go past a limit of what is stored
    /// (the most sections or annotations an agent may have), 409; the text
    /// names the limit.
    #[error("{0}")]
    Conflict(String),
    /// Too many attempts (sign-ins); try again after `retry_after` seconds.
    #[error("{message}")]
    TooManyRequests {
        /// What to tell the person; safe to show.
        message: String,
        /// Seconds to wait before trying again; sent as `Retry-After`.
        retry_after: u32,
    },
    /// The database cannot be reached or written just now (503).
    #[error("{0}")]
    Unavailable(String),
    /// The database's disk is full (507).
    #[error("{0}")]
    StorageFull(String),
    /// A service the server relies on (the host platform's outreach
    /// webhook) failed or refused (502); the message says what happened.
    #[error("{0}")]
    Upstream(String),
    /// That service did not answer in time (504).
    #[error("{0}")]
    UpstreamTimeout(String),
    /// The server could not answer; the message is safe to show.
    #[error("server error: {0}")]
    Internal(String),
    /// The call never reached our code (network, encoding, unknown function).
    #[error("could not reach the server: {0}")]
    Transport(String),
}

#[cfg(feature = "server-fn")]
impl server_fn::error::FromServerFnError for ApiError {
    type Encoder = server_fn::codec::JsonEncoding;

    fn from_server_fn_error(value: server_fn::error::ServerFnErrorErr) -> Self {
        use server_fn::error::ServerFnErrorErr;
        match value {
            // Raised on the server for what the caller sent: a form that
            // does not decode.
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => {
                ApiError::BadRequest(value.to_string())
            }
            // On the server: JSON arguments that do not decode. In the
            // browser the same variant is an answer that does not decode
            // (a proxy's error page): that stays a transport failure.
            #[cfg(not(target_arch = "wasm32"))]
            ServerFnErrorErr::Deserialization(_) => ApiError::BadRequest(value.to_string()),
            _ => ApiError::Transport(value.to_string()),
        }
    }
}

impl ApiError {
    /// The HTTP status that tells the truth about this error: 4xx for what
    /// the caller did wrong, 5xx only for the server's own faults. The one
    /// mapping, for the REST API and the server functions alike.
    pub fn status(&self) -> u16 {
        match self {
            ApiError::Unauthorized | ApiError::Refused(_) => 401,
            ApiError::Forbidden(_) => 403,
            ApiError::NotFound(_) => 404,
            ApiError::BadRequest(_) => 400,
            ApiError::Conflict(_) => 409,
            ApiError::TooManyRequests { .. } => 429,
            ApiError::Unavailable(_) => 503,
            ApiError::StorageFull(_) => 507,
            ApiError::Upstream(_) => 502,
            ApiError::UpstreamTimeout(_) => 504,
            ApiError::Internal(_) | ApiError::Transport(_) => 500,
        }
    }
}
