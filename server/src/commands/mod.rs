//! One module per subcommand.

pub mod accounts;
pub mod annotations;
pub mod demo;
pub mod forget;
pub mod import;
pub mod keys;
pub mod roster;
mod serve;
pub mod share;

pub use serve::{migrate, open_store, rebuild, serve};
