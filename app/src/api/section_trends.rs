use leptos::prelude::*;
use pulse_model::{ApiError, PeriodQuery, SectionTrend};

/// Active users over the period of each section of the agent the caller
/// may see, side by side (the query's own section is not used).
#[server]
pub async fn section_trends(
    agent_id: String,
    query: PeriodQuery,
) -> Result<Vec<SectionTrend>, ApiError> {
    use crate::server::{selection, server_context, viewing};
    let context = server_context()?;
    let viewing = viewing(&context, &agent_id).await?;
    let mut sections = context.store.list_sections(&viewing.agent).await?;
    if let Some(allowed) = &viewing.sections {
        sections.retain(|section| allowed.contains(&section.section_id));
    }
    let mut trends = Vec::with_capacity(sections.len());
    for section in sections {
        let query = PeriodQuery {
            section: Some(section.section_id.clone()),
            ..query.clone()
        };
        let trend = selection(&context, &viewing, &query, None)?.trend().await?;
        trends.push(SectionTrend { section, trend });
    }
    Ok(trends)
}
