use leptos::prelude::*;
use pulse_model::{ApiError, NewShareLink, ShareLinkRequest};

/// Makes a share link of an agent the caller sees (of one of their
/// sections, for an administrator limited to sections); its path, with
/// the token, is in the answer only.
#[server(input = server_fn::codec::Json)]
pub async fn create_share_link(request: ShareLinkRequest) -> Result<NewShareLink, ApiError> {
    use crate::server::{server_context, signed_in, viewing};
    use pulse_db::share_links::{Maker, create};
    let context = server_context()?;
    let account = signed_in(&context).await?;
    let viewing = viewing(&context, &request.agent_id).await?;
    let maker = Maker {
        agent: &viewing.agent,
        sections: viewing.sections.clone(),
        name: &account.username,
    };
    let made = create(
        &context.store,
        &context.hash_gate,
        request,
        maker,
        chrono::Utc::now(),
    )
    .await?;
    tracing::info!(
        link = made.link.id,
        by = account.username,
        "share link made"
    );
    Ok(made)
}
