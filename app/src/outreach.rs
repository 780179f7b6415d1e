//! Reminders sent through the host platform, which owns the learners'
//! inbox: Pulse POSTs `{agent_id, user_ids, message, sent_by}` as JSON to
//! the URL in `PULSE_OUTREACH_WEBHOOK`. Server side only.
//!
//! The URL may carry a secret (a token in its path or query), so it is
//! never logged nor shown: errors name only its host. With
//! `PULSE_OUTREACH_WEBHOOK_SECRET` set, every call is signed
//! ([`signature_headers`]).

use std::time::Duration;

use pulse_model::ApiError;
use serde::Serialize;

/// One reminder, as the host platform receives it.
#[derive(Debug, Serialize)]
pub struct Reminder<'a> {
    pub agent_id: &'a str,
    pub user_ids: &'a [String],
    pub message: &'a str,
    pub sent_by: &'a str,
}

/// Where reminders go, how long the platform may take to answer, and the
/// secret that signs them (when one is set).
pub struct Outreach {
    url: reqwest::Url,
    client: reqwest::Client,
    secret: Option<String>,
}

/// The headers that sign a reminder: `X-Pulse-Timestamp` (seconds since the
/// epoch) and `X-Pulse-Signature` (`sha256=` and the hex HMAC-SHA256 of
/// `TIMESTAMP.BODY` under the shared secret). The timestamp inside the
/// signed text lets the platform refuse an old call replayed.
pub fn signature_headers(secret: &str, timestamp: i64, body: &[u8]) -> [(&'static str, String); 2] {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    [
        ("X-Pulse-Timestamp", timestamp.to_string()),
        (
            "X-Pulse-Signature",
            format!("sha256={}", hex::encode(mac.finalize().into_bytes())),
        ),
    ]
}

impl std::fmt::Debug for Outreach {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outreach")
            .field("host", &self.host())
            .field("signed", &self.secret.is_some())
            .finish_non_exhaustive()
    }
}

impl Outreach {
    /// A sender to `url` (http or https) that waits at most `timeout`; an
    /// error that names what is wrong with the URL, never the URL itself.
    pub fn new(url: &str, timeout: Duration) -> Result<Outreach, String> {
        let url = reqwest::Url::parse(url)
            .map_err(|error| format!("PULSE_OUTREACH_WEBHOOK is not a URL: {error}"))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err("PULSE_OUTREACH_WEBHOOK must be an http:// or https:// URL".into());
        }
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|error| format!("could not set up the outreach client: {error}"))?;
        Ok(Outreach {
            url,
            client,
            secret: None,
        })
    }

    /// The same sender, signing each reminder with `secret` when given.
    pub fn signed_with(self, secret: Option<String>) -> Outreach {
        Outreach {
            secret: secret.filter(|secret| !secret.is_empty()),
            ..self
        }
    }

    fn host(&self) -> String {
        match self.url.port() {
            Some(port) => format!("{}:{port}", self.url.host_str().unwrap_or_default()),
            None => self.url.host_str().unwrap_or_default().to_owned(),
        }
    }

    /// POSTs the reminder; `Ok` only when the platform answered 2xx.
    /// The platform's failure is the server's to report (502 or 504), in
    /// words for the administrator.
    pub async fn send(&self, reminder: &Reminder<'_>) -> Result<(), ApiError> {
        let host = self.host();
        let body = serde_json::to_vec(reminder).map_err(|error| {
            ApiError::Internal(format!("the reminder could not be encoded: {error}"))
        })?;
        let mut request = self
            .client
            .post(self.url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json");
        if let Some(secret) = &self.secret {
            let now = chrono::Utc::now().timestamp();
            for (name, value) in signature_headers(secret, now, &body) {
                request = request.header(name, value);
            }
        }
        let answer = request.body(body).send().await;
        match answer {
            Ok(response) if response.status().is_success() => Ok(()),
            Ok(response) => {
                let status = response.status().as_u16();
                tracing::warn!(%host, status, "the outreach webhook refused a reminder");
                Err(ApiError::Upstream(format!(
                    "the host platform ({host}) answered {status}; nobody was reminded or marked as contacted"
                )))
            }
            Err(error) if error.is_timeout() => {
                tracing::warn!(%host, "the outreach webhook timed out");
                Err(ApiError::UpstreamTimeout(format!(
                    "the host platform ({host}) did not answer in time; nobody was marked as contacted (it may still deliver the reminder)"
                )))
            }
            Err(error) => {
                // reqwest's message may hold the URL: only its kind is told.
                let kind = if error.is_connect() {
                    "could not be reached"
                } else {
                    "failed"
                };
                tracing::warn!(%host, kind, "the outreach webhook failed");
                Err(ApiError::Upstream(format!(
                    "the host platform ({host}) {kind}; nobody was reminded or marked as contacted"
                )))
            }
        }
    }
}
