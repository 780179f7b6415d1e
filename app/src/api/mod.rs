//! The server functions of the dashboard, one per file. Each one checks who
//! is calling and computes nothing of its own: figures come from
//! `pulse_db::analytics`.

mod create_account;
mod create_key;
mod current_user;
mod get_agent;
mod list_accounts;
mod list_agents;
mod list_keys;
mod login;
mod online_now;
mod revoke_key;
mod save_agent;
mod update_account;
mod users_dashboard;

pub use create_account::{CreateAccount, create_account};
pub use create_key::{CreateKey, create_key};
pub use current_user::{CurrentUser, current_user};
pub use get_agent::{GetAgent, get_agent};
pub use list_accounts::{ListAccounts, list_accounts};
pub use list_agents::{ListAgents, list_agents};
pub use list_keys::{ListKeys, list_keys};
pub use login::{Login, Logout, login, logout};
pub use online_now::{OnlineNow, online_now};
pub use revoke_key::{RevokeKey, revoke_key};
pub use save_agent::{SaveAgent, save_agent};
pub use update_account::{UpdateAccount, update_account};
pub use users_dashboard::{UsersDashboard, users_dashboard};
