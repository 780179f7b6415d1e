use leptos::prelude::*;
use pulse_model::ApiError;

/// How many days of events the server keeps (`PULSE_RETENTION_DAYS`), or
/// none when it keeps them all: the Users tab says which figures that
/// affects.
#[server]
pub async fn kept_event_days() -> Result<Option<u32>, ApiError> {
    use crate::server::{server_context, signed_in};
    let context = server_context()?;
    signed_in(&context).await?;
    Ok(context.kept_event_days)
}
