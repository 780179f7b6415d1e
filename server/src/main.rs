//! `pulse`: the Users-tab analytics server and its command line.

use clap::Parser;
use pulse_server::cli::{Cli, run};

/// jemalloc instead of glibc's allocator: glibc gives each busy thread an
/// arena of its own (request workers, compression, one thread per SQLite
/// connection) and keeps what large answers freed in each, so a large
/// agent's reads peaked higher and ran slower (docs/BENCHMARKS.md,
/// "One read, finely").
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

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
