use serde::{Deserialize, Serialize};

/// Every failure a caller can see, typed so the UI can react to the kind
/// (sign in again, show a retry button, ...) instead of parsing messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum ApiError {
    /// No valid credentials.
    #[error("sign in required")]
    Unauthorized,
    /// Valid credentials that do not allow this.
    #[error("not allowed: {0}")]
    Forbidden(String),
    #[error("not found: {0}")]
    NotFound(String),
    /// The request itself is malformed (a bad period, date or zone, ...).
    #[error("{0}")]
    BadRequest(String),
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
        ApiError::Transport(value.to_string())
    }
}
