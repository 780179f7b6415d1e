//! The public REST API (API.md): `/api/v1/...`, authenticated by API keys.

mod annotations;
mod auth;
mod embed;
mod error;
mod events;
mod kept_answers;
mod openapi;
mod params;
mod reads;
mod registry;
mod sections;

use axum::Router;
use axum::routing::{get, post, put};

pub use error::{ErrorBody, ErrorDetail, HttpError};
pub use kept_answers::KeptAnswers;

use super::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/events", post(events::post_events))
        .route("/embed/session", post(embed::open_session))
        .route("/agents", get(reads::list_agents))
        .route("/agents/{agent_id}", put(registry::put_agent))
        .route(
            "/users/{user_id}",
            put(registry::put_user).delete(registry::delete_user),
        )
        .route(
            "/agents/{agent_id}/members/{user_id}",
            put(registry::put_member).delete(registry::delete_member),
        )
        .route("/agents/{agent_id}/sections", get(sections::list_sections))
        .route(
            "/agents/{agent_id}/annotations",
            get(annotations::list_annotations),
        )
        .route(
            "/agents/{agent_id}/annotations/{annotation_id}",
            put(annotations::put_annotation).delete(annotations::delete_annotation),
        )
        .route(
            "/agents/{agent_id}/sections/{section_id}",
            put(sections::put_section).delete(sections::delete_section),
        )
        .route(
            "/agents/{agent_id}/sections/{section_id}/members/{user_id}",
            put(sections::put_section_member).delete(sections::delete_section_member),
        )
        .route("/agents/{agent_id}/users/overview", get(reads::overview))
        .route("/agents/{agent_id}/users/trend", get(reads::trend))
        .route("/agents/{agent_id}/users/heatmap", get(reads::heatmap))
        .route("/agents/{agent_id}/users/dashboard", get(reads::dashboard))
        .route("/agents/{agent_id}/users/retention", get(reads::retention))
        .route("/agents/{agent_id}/users", get(reads::users))
        // After the fixed names above, which take precedence: a learner
        // whose id is "overview" is not reachable here.
        .route("/agents/{agent_id}/users/{user_id}", get(reads::learner))
        .route("/openapi.json", get(openapi::serve))
        .fallback(|| async { HttpError::not_found("no such endpoint; see /api/v1/openapi.json") })
}
