//! `pulse serve` as a real process: started, killed, stopped and restarted
//! by the reliability tests.

use std::path::Path;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

/// A running `pulse serve`; killed when dropped.
pub struct ServerProcess {
    child: Child,
    pub url: String,
}

impl ServerProcess {
    /// Starts `pulse serve` on `port`, serving the web app from `dist`
    /// (and returns once it answers /healthz).
    pub async fn start(
        database_url: &str,
        port: u16,
        dist: &Path,
        env: &[(&str, &str)],
    ) -> ServerProcess {
        let mut command = serve_command(database_url, port, env);
        command.env("PULSE_DIST_DIR", dist);
        ServerProcess::spawn_ready(command, port).await
    }

    /// Like `start`, serving the web app built into the binary.
    #[allow(
        dead_code,
        reason = "used by benches/wire.rs, which includes this file"
    )]
    pub async fn start_embedded(
        database_url: &str,
        port: u16,
        env: &[(&str, &str)],
    ) -> ServerProcess {
        ServerProcess::spawn_ready(serve_command(database_url, port, env), port).await
    }

    /// Like `start`, with the server's log (its standard error) written to
    /// the file `log` for the test to read.
    pub async fn start_logging_to(
        database_url: &str,
        port: u16,
        dist: &Path,
        env: &[(&str, &str)],
        log: &Path,
    ) -> ServerProcess {
        let mut command = serve_command(database_url, port, env);
        command
            .env("PULSE_DIST_DIR", dist)
            .stderr(std::fs::File::create(log).expect("create the log file"));
        ServerProcess::spawn_ready(command, port).await
    }

    async fn spawn_ready(mut command: Command, port: u16) -> ServerProcess {
        let child = command.spawn().expect("start pulse serve");
        let mut server = ServerProcess {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        server.wait_ready().await;
        server
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    async fn wait_ready(&mut self) {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("pulse serve exited while starting: {status}");
            }
            let health = client.get(format!("{}/healthz", self.url)).send().await;
            if health.is_ok_and(|response| response.status().is_success()) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "pulse serve did not become ready"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// SIGKILL: no chance to finish anything.
    pub fn kill(&mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reap");
    }

    /// Sends a signal by name (TERM, INT, ...).
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.pid().to_string())
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{name}");
    }

    /// Waits up to `limit` for the process to exit by itself.
    pub async fn exit_within(&mut self, limit: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        None
    }

    /// The largest resident set the process has had so far, in KiB (Linux).
    pub fn peak_rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap();
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmHWM in /proc/PID/status")
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `pulse serve` on the database and port, with extra environment `env`.
fn serve_command(database_url: &str, port: u16, env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_pulse"));
    command
        .arg("serve")
        .env_remove("PULSE_DIST_DIR")
        .env("PULSE_DATABASE_URL", database_url)
        .env("PULSE_ADDR", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "warn")
        .envs(env.iter().copied())
        .stdout(Stdio::null());
    command
}

/// A port free at the time of asking (the server binds it again at each start).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Runs a `pulse` command (not `serve`) on the database at `database_url`
/// to its end.
pub fn pulse(database_url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pulse"))
        .args(args)
        .env("PULSE_DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run pulse")
}

/// What a command printed, on both streams.
pub fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}
