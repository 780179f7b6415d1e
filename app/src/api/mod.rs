//! The server functions of the dashboard, one per file. Each one checks who
//! is calling and computes nothing of its own: figures come from
//! `pulse_db::analytics`.

mod current_user;
mod get_agent;
mod list_agents;
mod login;
mod online_now;
mod users_dashboard;

pub use current_user::{CurrentUser, current_user};
pub use get_agent::{GetAgent, get_agent};
pub use list_agents::{ListAgents, list_agents};
pub use login::{Login, Logout, login, logout};
pub use online_now::{OnlineNow, online_now};
pub use users_dashboard::{UsersDashboard, users_dashboard};
