use leptos::prelude::*;
use pulse_model::{ApiError, ContactRequest};

/// Marks learners of the agent as contacted by the caller, with a note:
/// all of them or, when one is not a learner of the agent, none.
#[server(input = server_fn::codec::Json)]
pub async fn mark_contacted(request: ContactRequest) -> Result<(), ApiError> {
    use crate::server::{server_context, viewable_agent};
    use pulse_db::follow_up::{Contact, check, mark};
    let context = server_context()?;
    let account = crate::server::signed_in(&context).await?;
    let agent = viewable_agent(&context, &request.agent_id).await?;
    let contact = Contact {
        user_ids: &request.user_ids,
        by: &account.username,
        note: &request.note,
        reminder: false,
    };
    let checked = check(&context.store, &agent, &contact).await?;
    mark(
        &context.store,
        &agent,
        &contact,
        &checked,
        chrono::Utc::now().into(),
    )
    .await?;
    Ok(())
}
