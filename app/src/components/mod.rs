//! Pieces shared by several pages.

mod account_menu;
mod agent_header;
mod error_panel;
pub mod users;

pub use account_menu::AccountMenu;
pub use agent_header::AgentHeader;
pub use error_panel::ErrorPanel;
