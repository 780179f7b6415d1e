use leptos::prelude::*;
use pulse_model::{ApiError, ContactRequest};

/// Sends a reminder to learners of the agent through the host platform's
/// webhook (`PULSE_OUTREACH_WEBHOOK`), then marks them as contacted with
/// the message as note. Nothing is marked unless the platform answered
/// 2xx; its failure is told in words the administrator can act on.
#[server(input = server_fn::codec::Json)]
pub async fn send_reminder(request: ContactRequest) -> Result<(), ApiError> {
    crate::server::follow_up(&request, true).await
}
