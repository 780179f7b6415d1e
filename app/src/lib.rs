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
pub mod outreach;
mod pages;
#[cfg(feature = "ssr")]
pub mod server;
#[cfg(feature = "ssr")]
pub mod share_page;
mod view_state;

pub use charts::fonts::measuring_styles as chart_text_styles;
pub use pages::App;
