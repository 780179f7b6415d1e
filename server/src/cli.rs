//! The `pulse` command line (API.md, "The program").

use clap::{Parser, Subcommand};

use crate::commands;
use crate::config::{DatabaseConfig, ServeConfig};

#[derive(Debug, Parser)]
#[command(
    name = "pulse",
    version,
    about = "User analytics for AI agents: the Users tab and its API"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web app and the HTTP API.
    Serve(ServeConfig),
    /// Apply the schema migrations and exit.
    Migrate(DatabaseConfig),
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(config) => commands::serve(config).await,
        Command::Migrate(config) => commands::migrate(config).await,
    }
}
