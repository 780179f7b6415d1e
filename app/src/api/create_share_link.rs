use leptos::prelude::*;
use pulse_model::{ApiError, NewShareLink, ShareLinkRequest};

/// Makes a share link of an agent the caller sees (of one of their
/// sections, for an administrator limited to sections); its path, with
/// the token, is in the answer only.
#[server(input = server_fn::codec::Json)]
pub async fn create_share_link(request: ShareLinkRequest) -> Result<NewShareLink, ApiError> {
    use crate::server::{server_context, signed_in, viewing};
    use pulse_db::analytics::Selection;
    use pulse_db::share_links::{check_section, create, request_query};
    let context = server_context()?;
    let account = signed_in(&context).await?;
    let viewing = viewing(&context, &request.agent_id).await?;
    if viewing.sections.is_some() && request.section.is_none() {
        return Err(ApiError::Forbidden(
            "you see only some sections of this agent: share one of them".into(),
        ));
    }
    let now = chrono::Utc::now();
    // The period, zone and section are checked as any view's are.
    Selection::new(
        &context.store,
        &viewing.agent,
        &request_query(&request),
        now,
    )?
    .limited_to(viewing.sections.clone())?;
    check_section(&context.store, &viewing.agent, request.section.as_deref()).await?;
    let made = create(
        &context.store,
        &context.hash_gate,
        request,
        &account.username,
        now,
    )
    .await?;
    tracing::info!(
        link = made.link.id,
        by = account.username,
        "share link made"
    );
    Ok(made)
}
