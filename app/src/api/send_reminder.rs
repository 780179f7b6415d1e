use leptos::prelude::*;
use pulse_model::{ApiError, ContactRequest};

/// Sends a reminder to learners of the agent through the host platform's
/// webhook (`PULSE_OUTREACH_WEBHOOK`), then marks them as contacted with
/// the message as note. Nothing is marked unless the platform answered
/// 2xx; its failure is told in words the administrator can act on.
#[server(input = server_fn::codec::Json)]
pub async fn send_reminder(request: ContactRequest) -> Result<(), ApiError> {
    use crate::server::{server_context, viewable_agent};
    use pulse_db::follow_up::{Contact, check, mark};
    let context = server_context()?;
    let account = crate::server::signed_in(&context).await?;
    let agent = viewable_agent(&context, &request.agent_id).await?;
    let Some(outreach) = context.outreach.as_ref() else {
        return Err(ApiError::BadRequest(
            "reminders are off: the server has no PULSE_OUTREACH_WEBHOOK".into(),
        ));
    };
    let contact = Contact {
        user_ids: &request.user_ids,
        by: &account.username,
        note: &request.note,
        reminder: true,
    };
    let checked = check(&context.store, &agent, &contact).await?;
    if checked.note().is_none() {
        return Err(ApiError::BadRequest("write the reminder's message".into()));
    }
    outreach
        .send(&crate::server::Reminder {
            agent_id: &request.agent_id,
            user_ids: &request.user_ids,
            message: checked.note().unwrap_or_default(),
            sent_by: &account.username,
        })
        .await?;
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
