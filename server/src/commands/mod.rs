//! One module per subcommand.

mod serve;

pub use serve::{migrate, open_store, serve};
