//! `GET /agents/{agent_id}/analytics/users`: the web app's page with the
//! Users tab's first paint in it (`pulse_app::first_paint`), so that a
//! phone shows the topline figures before the WebAssembly has arrived.
//! Without a session that may see the agent, or without a zone in the
//! URL, it is the app's page as any other route gets it.

use axum::Extension;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use super::AppState;
use super::page_shell::PageShell;

pub async fn users_tab(
    State(state): State<AppState>,
    Extension(shell): Extension<PageShell>,
    Path(agent_id): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
    request: Request,
) -> Response {
    if shell.index_html.is_empty() {
        return (StatusCode::NOT_FOUND, super::spa::NOT_BUILT_IN).into_response();
    }
    let (parts, _) = request.into_parts();
    let painted =
        pulse_app::first_paint::users_tab(state.context.clone(), parts, agent_id, query).await;
    let (html, cache) = match painted {
        // Figures of a signed-in person: never kept by a cache.
        Some(first_paint) => (
            shell
                .index_html
                .replacen("<body>", &format!("<body>{first_paint}"), 1),
            "no-store",
        ),
        None => (shell.index_html.to_string(), "no-cache"),
    };
    let mut response = Html(html).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}
