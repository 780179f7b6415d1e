//! One module per subcommand.

pub mod accounts;
pub mod demo;
pub mod import;
pub mod keys;
mod serve;

pub use serve::{migrate, open_store, rebuild, serve};
