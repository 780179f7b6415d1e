//! The Users tab inside a host platform's page (docs/EMBED.md): the
//! integrations allowed to embed Pulse, and their signed tokens checked.
//! What a checked token grants is opened in `pulse_db::embedding`.

mod integrations;
mod token;

pub use integrations::{Integrations, KeysError};
pub use token::{Refusal, verify};

use pulse_model::ApiError;

/// What a refusal is for the caller: 401 for a token that does not prove
/// who is asking, 502 when the platform's keys could not be fetched, 500
/// for a broken key file (the operator's to fix).
impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> ApiError {
        match refusal {
            Refusal::Keys(KeysError::Fetch { .. }) => ApiError::Upstream(refusal.to_string()),
            Refusal::Keys(KeysError::Config(_)) => {
                tracing::error!(error = %refusal, "embedding keys unusable");
                ApiError::Internal("the embedding integration's keys are misconfigured".into())
            }
            _ => ApiError::Refused(refusal.to_string()),
        }
    }
}

/// Embedding as the server holds it: the integrations, and the client
/// that fetches their public keys.
pub struct Embedding {
    pub integrations: Integrations,
    pub client: reqwest::Client,
}

impl Embedding {
    pub fn new(integrations: Integrations) -> Embedding {
        Embedding {
            integrations,
            client: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(10))
                .build()
                .expect("a client without custom TLS builds"),
        }
    }
}
