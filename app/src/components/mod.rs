//! Pieces shared by several pages.

mod account_menu;
mod agent_choice;
mod agent_header;
mod error_panel;
pub mod learner;
pub mod share_link_form;
pub mod shared_figures;
mod signed_in;
pub mod users;

pub use account_menu::AccountMenu;
pub use agent_choice::AgentChoice;
pub use agent_header::AgentHeader;
pub use error_panel::ErrorPanel;
pub use signed_in::{SignedIn, held_to_one_agent, provide_me, use_me};
