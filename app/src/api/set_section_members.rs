use leptos::prelude::*;
use pulse_model::ApiError;

/// Makes these learners a section's members, all at once (each registered
/// for the agent when not yet, named only as the account may: docs/METRICS.md,
/// "Learners and their names"); one invalid id changes nothing.
#[server(input = server_fn::codec::Json)]
pub async fn set_section_members(
    agent_id: String,
    section_id: String,
    user_ids: Vec<String>,
) -> Result<(), ApiError> {
    use crate::server::{section_registrar, server_context};
    /// The most learners one section may be given at once.
    const MAX_SECTION_MEMBERS: usize = 10_000;
    let context = server_context()?;
    let (agent, naming) = section_registrar(&context, &agent_id).await?;
    if user_ids.len() > MAX_SECTION_MEMBERS {
        return Err(ApiError::BadRequest(format!(
            "at most {MAX_SECTION_MEMBERS} learners at once"
        )));
    }
    let mut ids: Vec<&str> = user_ids
        .iter()
        .map(|id| id.trim())
        .filter(|id| !id.is_empty())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    if let Some(bad) = ids.iter().find(|id| !pulse_model::is_user_id(id)) {
        return Err(ApiError::BadRequest(format!("{bad:?} is not a user id")));
    }
    let now = chrono::Utc::now().into();
    context
        .store
        .replace_section_members(&agent, &section_id, &ids, (now, naming))
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("section {section_id:?}")))
}
