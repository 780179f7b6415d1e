use leptos::prelude::*;
use pulse_model::{ApiError, ContactRequest};

/// Marks learners of the agent as contacted by the caller, with a note:
/// all of them or, when one is not a learner of the agent, none.
#[server(input = server_fn::codec::Json)]
pub async fn mark_contacted(request: ContactRequest) -> Result<(), ApiError> {
    crate::server::follow_up(&request, false).await
}
