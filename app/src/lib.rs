//! The Pulse web app: the pages and components of the dashboard, and the
//! server functions they call. With the `ssr` feature the server functions
//! run their bodies (on the server); without it they are thin HTTP clients
//! (in the browser).

// Leptos' view types nest deeply; the Users tab with its privacy-mode
// branch goes past the default limit of 128 when the server build lays
// them out.
#![recursion_limit = "256"]

pub mod api;
mod browser;
mod charts;
mod components;
mod dates;
#[cfg(feature = "ssr")]
pub mod first_paint;
#[cfg(feature = "ssr")]
pub mod outreach;
mod pages;
#[cfg(feature = "ssr")]
pub mod server;
#[cfg(feature = "ssr")]
pub mod share_page;
mod view_state;

pub use charts::fonts::measuring_styles as chart_text_styles;
pub use pages::App;

/// Starts the app in the browser: the server's first paint of the page
/// (`first_paint`, when there is one) makes way, and the app draws the
/// page whole in the same task, so nothing blank is ever shown.
pub fn mount() {
    if let Some(first_paint) = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.get_element_by_id("first-paint"))
    {
        first_paint.remove();
    }
    leptos::mount::mount_to_body(App);
}
