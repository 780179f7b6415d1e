//! What the Users tab and a learner's page both read from their route: the
//! agent, the view in the query string, and how to change it.

use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::hooks::{use_location, use_navigate, use_params_map, use_query_map};
use pulse_model::PeriodQuery;

use crate::browser;
use crate::view_state::ViewState;

/// The route's agent and view, and the selection they ask the server for.
pub struct RoutedView {
    pub agent_id: Memo<String>,
    pub state: Memo<ViewState>,
    /// Changes the view by going to the same path with its query string,
    /// so that Back and Forward walk the changes.
    pub set_state: Callback<ViewState>,
    pub browser_tz: String,
    pub zones: Vec<String>,
    /// The period and zone, the browser's zone when none is chosen.
    pub period_query: Memo<PeriodQuery>,
    pub inactive_days: Memo<u32>,
}

/// The current route's view.
pub fn use_routed_view() -> RoutedView {
    let params = use_params_map();
    let agent_id = Memo::new(move |_| params.read().get("agent_id").unwrap_or_default());
    let query = use_query_map();
    let state = Memo::new(move |_| ViewState::from_query(&query.read()));
    let navigate = use_navigate();
    let location = use_location();
    let set_state = Callback::new(move |next: ViewState| {
        let path = location.pathname.get_untracked();
        navigate(
            &format!("{path}?{}", next.to_query()),
            NavigateOptions {
                scroll: false,
                ..Default::default()
            },
        );
    });
    let browser_tz = browser::time_zone();
    let period_query = {
        let browser_tz = browser_tz.clone();
        Memo::new(move |_| state.with(|view| view.period_query(&browser_tz)))
    };
    RoutedView {
        agent_id,
        state,
        set_state,
        zones: browser::known_time_zones(),
        browser_tz,
        period_query,
        inactive_days: Memo::new(move |_| state.with(|view| view.inactive_days)),
    }
}
