//! Pieces shared by several pages.

mod agent_header;
mod error_panel;
pub mod users;

pub use agent_header::AgentHeader;
pub use error_panel::ErrorPanel;
