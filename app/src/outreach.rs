//! Reminders sent through the host platform, which owns the learners'
//! inbox: Pulse POSTs `{agent_id, user_ids, message, sent_by}` as JSON to
//! the URL in `PULSE_OUTREACH_WEBHOOK`. Server side only.
//!
//! The URL may carry a secret (a token in its path or query), so it is
//! never logged nor shown: errors name only its host.

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

/// Where reminders go, and how long the platform may take to answer.
pub struct Outreach {
    url: reqwest::Url,
    client: reqwest::Client,
}

impl std::fmt::Debug for Outreach {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outreach")
            .field("host", &self.host())
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
        Ok(Outreach { url, client })
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
        let answer = self
            .client
            .post(self.url.clone())
            .json(reminder)
            .send()
            .await;
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
