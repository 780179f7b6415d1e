use leptos::prelude::*;
use pulse_model::{ApiError, SharedPage};

/// What the page behind a share link shows, for anyone holding its token
/// (no sign-in): the figures with small counts hidden, or that it needs
/// its password. Wrong passwords are throttled like sign-ins.
#[server]
pub async fn open_share_link(
    token: String,
    password: Option<String>,
) -> Result<SharedPage, ApiError> {
    use crate::server::{ClientAddress, server_context};
    use pulse_db::share_links::{Opening, open};
    let context = server_context()?;
    let address = use_context::<ClientAddress>()
        .map(|address| address.0)
        .unwrap_or_default();
    let opening = Opening {
        token,
        password,
        address,
    };
    let page = open(
        &context.store,
        &context.hash_gate,
        opening,
        context.settings,
        chrono::Utc::now(),
    )
    .await?;
    Ok(page)
}
