//! Every setting of `pulse`, each one a flag and an environment variable.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/pulse.db";

/// Where the data lives.
#[derive(Debug, Clone, Args)]
pub struct DatabaseConfig {
    /// `sqlite://PATH` (created when missing) or `postgres://USER@HOST/DB`.
    #[arg(long, env = "PULSE_DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,
}

/// How `pulse serve` runs.
#[derive(Debug, Clone, Args)]
pub struct ServeConfig {
    /// The address to listen on; port 0 picks a free port.
    #[arg(long, env = "PULSE_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,
    /// Seconds since a session's latest event during which its user counts as online.
    #[arg(long, env = "PULSE_ONLINE_WINDOW", default_value_t = 300)]
    pub online_window: u32,
    /// The built web app (Trunk's output).
    #[arg(long, env = "PULSE_DIST_DIR", default_value = "dist")]
    pub dist_dir: PathBuf,
    /// Seconds a request may take, body included, before it is answered 408
    /// (slow clients); also how long a stopping server waits for requests in flight.
    #[arg(long, env = "PULSE_REQUEST_TIMEOUT", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    pub request_timeout: u64,
    /// Mark the session cookie Secure: set this when the site is served over HTTPS.
    #[arg(long, env = "PULSE_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// Keep the demo data set's live sessions fresh (see `pulse demo`).
    #[arg(long)]
    pub demo: bool,
    #[command(flatten)]
    pub database: DatabaseConfig,
}
