//! The `pulse` command line (docs/API.md, "The command line").

use clap::{Parser, Subcommand};

use crate::commands;
use crate::config::{DatabaseConfig, ServeConfig};

/// What `pulse --version` prints after the name: the release and the git
/// commit it was built from (`unknown` outside a git checkout; see build.rs).
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("PULSE_GIT_COMMIT"),
    ")"
);

#[derive(Debug, Parser)]
#[command(
    name = "pulse",
    version = VERSION,
    about = "User analytics for AI agents: the Users tab and its API"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web app and the HTTP API.
    Serve(Box<ServeConfig>),
    /// Apply the schema migrations and exit.
    Migrate(DatabaseConfig),
    /// Recompute the rollups from the raw events.
    Rebuild(DatabaseConfig),
    /// Fill the database with a realistic demo data set.
    Demo(commands::demo::DemoArgs),
    /// Load events from an NDJSON or CSV file, idempotently.
    Import(commands::import::ImportArgs),
    /// Manage dashboard accounts.
    #[command(subcommand)]
    Account(commands::accounts::AccountCommand),
    /// Manage API keys.
    #[command(subcommand)]
    Key(commands::keys::KeyCommand),
    /// Load annotations (dated notes on the trend) from a term calendar.
    #[command(subcommand)]
    Annotations(commands::annotations::AnnotationsCommand),
    /// Erase a learner everywhere, on request.
    Forget(commands::forget::ForgetArgs),
    /// Manage share links: read-only views with small counts hidden.
    #[command(subcommand)]
    Share(commands::share::ShareCommand),
    /// Manage sections (classes) of an agent.
    #[command(subcommand)]
    Roster(commands::roster::RosterCommand),
    /// Write a consistent copy of the database to a new file, while it runs.
    Backup(commands::backup::BackupArgs),
    /// Load a backup into an empty database.
    Restore(commands::backup::RestoreArgs),
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(config) => commands::serve(*config).await,
        Command::Migrate(config) => commands::migrate(config).await,
        Command::Rebuild(config) => commands::rebuild(config).await,
        Command::Demo(args) => commands::demo::run(args).await,
        Command::Import(args) => commands::import::run(args).await,
        Command::Forget(args) => commands::forget::run(args).await,
        Command::Key(command) => commands::keys::run(command).await,
        Command::Account(command) => commands::accounts::run(command).await,
        Command::Roster(command) => commands::roster::run(command).await,
        Command::Share(command) => commands::share::run(command).await,
        Command::Annotations(command) => commands::annotations::run(command).await,
        Command::Backup(args) => commands::backup::backup(args).await,
        Command::Restore(args) => commands::backup::restore(args).await,
    }
}
