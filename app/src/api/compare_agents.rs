use leptos::prelude::*;
use pulse_model::{AgentListing, ApiError};

/// Every agent the caller may see with its Past Month figures in zone
/// `tz` (within the sections the caller is limited to), for the agents
/// table.
#[server]
pub async fn compare_agents(tz: String) -> Result<Vec<AgentListing>, ApiError> {
    use crate::server::{Viewing, selection, server_context, signed_in};
    use pulse_model::{PeriodKind, PeriodQuery};
    let context = server_context()?;
    let account = signed_in(&context).await?;
    let query = PeriodQuery {
        period: PeriodKind::PastMonth.as_str().to_owned(),
        tz,
        ..PeriodQuery::default()
    };
    let mut listings = Vec::new();
    for agent in context.store.list_agents().await? {
        if !account.may_view(&agent.agent_id) {
            continue;
        }
        let Some(agent_ref) = context.store.find_agent(&agent.agent_id).await? else {
            continue;
        };
        let viewing = Viewing {
            sections: account.section_limit(&agent.agent_id),
            agent: agent_ref,
            naming: account.naming(),
        };
        let selection = selection(&context, &viewing, &query, None)?;
        listings.push(AgentListing {
            agent_id: agent.agent_id,
            name: agent.name,
            figures: Some(selection.agent_figures(context.settings).await?),
        });
    }
    Ok(listings)
}
