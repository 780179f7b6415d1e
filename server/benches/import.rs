//! `pulse import` of the benchmark set (about 5 million events, as NDJSON in
//! time order) into a fresh database of each backend: the rate a school
//! importing a year of history sees, and the importer's peak memory.
//!
//!     cargo bench -p pulse-server --bench import [-- sqlite|postgres] [--rounds N]
//!
//! With `PULSE_BASELINE_BIN` set to another build's `pulse` (an earlier
//! commit's, say), each round imports with it and with this build in turn,
//! so that both are measured in the same run on the same machine. The
//! numbers go to docs/BENCHMARKS.md ("Bulk import").

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use pulse_db::bench_data::DataSet;
use pulse_db::testing::{BACKENDS, TestBackend, TestDb};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rounds: usize = args
        .iter()
        .position(|arg| arg == "--rounds")
        .and_then(|at| args.get(at + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(1);
    let backends: Vec<TestBackend> = BACKENDS
        .into_iter()
        .filter(|backend| {
            let name = format!("{backend:?}").to_lowercase();
            !args.iter().any(|arg| arg == "sqlite" || arg == "postgres") || args.contains(&name)
        })
        .collect();
    let (file, events) = DataSet::Benchmark.ndjson();
    let mut builds = Vec::new();
    if let Ok(baseline) = std::env::var("PULSE_BASELINE_BIN") {
        builds.push(("baseline", baseline));
    }
    builds.push(("this build", env!("CARGO_BIN_EXE_pulse").to_owned()));
    eprintln!("importing {} ({events} events)", file.display());
    println!("| round | backend | build | events | seconds | events/s | peak RSS |");
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    for round in 1..=rounds {
        for &backend in &backends {
            for (label, binary) in &builds {
                let db = runtime.block_on(TestDb::empty(backend));
                let (seconds, peak_kib) = import(binary, &db.url, &file);
                println!(
                    "| {round} | {backend:?} | {label} | {events} | {seconds:.1} | {:.0} | {} MiB |",
                    events as f64 / seconds,
                    peak_kib / 1024
                );
                runtime.block_on(db.cleanup());
            }
        }
    }
}

/// Runs `pulse import` to its end: wall seconds and peak resident memory
/// (the kernel's high-water mark, read while it runs).
fn import(binary: &str, database_url: &str, file: &Path) -> (f64, u64) {
    let started = Instant::now();
    let mut child = Command::new(binary)
        .arg("import")
        .arg(file)
        .env("PULSE_DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("start pulse import");
    let mut peak_kib = 0;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for pulse import") {
            break status;
        }
        peak_kib = peak_kib.max(high_water_kib(child.id()).unwrap_or(0));
        std::thread::sleep(Duration::from_millis(100));
    };
    let seconds = started.elapsed().as_secs_f64();
    assert!(status.success(), "pulse import failed: {status:?}");
    (seconds, peak_kib)
}

/// VmHWM of a running process, in KiB.
fn high_water_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
}
