//! `pulse`: the Users-tab analytics server and its command line.

use clap::Parser;
use pulse_server::cli::{Cli, run};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    pulse_server::telemetry::init();
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
