//! A PostgreSQL server of the test's own (initdb into a temporary folder,
//! a free port), so that a test can stop and start it without disturbing
//! the shared test server; with WAL archiving, a base backup of it, and a
//! server recovered from one to a point in time (docs/DEPLOY.md,
//! "Point-in-time recovery").

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

pub struct Cluster {
    bin: PathBuf,
    dir: tempfile::TempDir,
    pub port: u16,
    /// Settings given to the server at each start (`-c NAME=VALUE`).
    settings: Vec<String>,
}

/// The server programs of the newest installed PostgreSQL (`pg_config`
/// names them; Debian keeps them under /usr/lib/postgresql/N/bin).
fn server_bin() -> PathBuf {
    let from_pg_config = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .ok()
        .map(|output| PathBuf::from(String::from_utf8_lossy(&output.stdout).trim()));
    let mut candidates: Vec<PathBuf> = from_pg_config.into_iter().collect();
    if let Ok(entries) = std::fs::read_dir("/usr/lib/postgresql") {
        let mut versions: Vec<PathBuf> = entries
            .flatten()
            .map(|entry| entry.path().join("bin"))
            .collect();
        versions.sort();
        candidates.extend(versions.into_iter().rev());
    }
    candidates
        .into_iter()
        .find(|bin| bin.join("initdb").is_file() && bin.join("pg_ctl").is_file())
        .expect("PostgreSQL's initdb and pg_ctl (scripts/setup.sh installs PostgreSQL)")
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .any(|line| line.starts_with("Uid:") && line.split_whitespace().nth(1) == Some("0"))
}

impl Cluster {
    /// Creates and starts a cluster with trust authentication on 127.0.0.1.
    pub fn start(port: u16) -> Cluster {
        Cluster::start_with(port, Vec::new())
    }

    /// A cluster whose completed WAL segments are copied to
    /// [`Cluster::archive`], as docs/DEPLOY.md sets one up for
    /// point-in-time recovery.
    pub fn archiving(port: u16) -> Cluster {
        let dir = tempfile::tempdir().unwrap();
        let archive = dir.path().join("archive");
        std::fs::create_dir(&archive).unwrap();
        let settings = vec![
            "wal_level=replica".to_owned(),
            "archive_mode=on".to_owned(),
            format!("archive_command='cp %p {}/%f'", archive.display()),
        ];
        Cluster::create(dir, port, settings)
    }

    fn start_with(port: u16, settings: Vec<String>) -> Cluster {
        Cluster::create(tempfile::tempdir().unwrap(), port, settings)
    }

    fn create(dir: tempfile::TempDir, port: u16, settings: Vec<String>) -> Cluster {
        let cluster = Cluster {
            bin: server_bin(),
            dir,
            port,
            settings,
        };
        give_to_postgres(cluster.dir.path());
        run(cluster
            .command("initdb")
            .args([
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
                "-D",
            ])
            .arg(cluster.data()));
        cluster.resume();
        cluster
    }

    /// Where an archiving cluster's WAL segments go.
    pub fn archive(&self) -> PathBuf {
        self.dir.path().join("archive")
    }

    /// A base backup of the running cluster (`pg_basebackup`, plain
    /// format, with the WAL needed to make it consistent), in a folder of
    /// its own.
    pub fn base_backup(&self) -> tempfile::TempDir {
        let backup = tempfile::tempdir().unwrap();
        give_to_postgres(backup.path());
        run(self
            .client("pg_basebackup")
            .args(["-X", "stream", "--no-sync", "-D"])
            .arg(backup.path().join("data")));
        backup
    }

    /// A server started from `backup` on `port` that replays the WAL of
    /// `archive` up to `target` (a PostgreSQL timestamp with zone), then
    /// takes writes: what docs/DEPLOY.md tells an operator to do.
    pub fn recovered(
        backup: tempfile::TempDir,
        archive: &Path,
        target: &str,
        port: u16,
    ) -> Cluster {
        let data = backup.path().join("data");
        let recovery = format!(
            "restore_command = 'cp {}/%f %p'\n\
             recovery_target_time = '{target}'\n\
             recovery_target_action = 'promote'\n",
            archive.display()
        );
        let mut settings = std::fs::read_to_string(data.join("postgresql.auto.conf")).unwrap();
        settings.push_str(&recovery);
        std::fs::write(data.join("postgresql.auto.conf"), settings).unwrap();
        std::fs::write(data.join("recovery.signal"), "").unwrap();
        let cluster = Cluster {
            bin: server_bin(),
            dir: backup,
            port,
            settings: Vec::new(),
        };
        give_to_postgres(cluster.dir.path());
        cluster.resume();
        cluster.wait_for_promotion();
        cluster
    }

    /// Waits until the server has left recovery (pg_ctl returns once it
    /// accepts read-only connections, before the target is reached).
    fn wait_for_promotion(&self) {
        let started = Instant::now();
        loop {
            let output = self
                .client("psql")
                .args(["-qAtc", "SELECT pg_is_in_recovery()"])
                .output()
                .expect("run psql");
            if String::from_utf8_lossy(&output.stdout).trim() == "f" {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "still recovering after 60 s: {}",
                std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// A client program (psql, pg_basebackup) connected to this server.
    fn client(&self, program: &str) -> Command {
        let mut command = self.command(program);
        let port = self.port.to_string();
        command.args(["-h", "127.0.0.1", "-p", &port, "-U", "postgres"]);
        command
    }

    /// A server program, run as the postgres user when we are root.
    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        if is_root() {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(path);
            command
        } else {
            Command::new(path)
        }
    }

    /// Starts the server and waits until it accepts connections.
    pub fn resume(&self) {
        let mut options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {} -c fsync=off",
            self.port,
            self.dir.path().display()
        );
        for setting in &self.settings {
            options.push_str(&format!(" -c {setting}"));
        }
        run(self
            .command("pg_ctl")
            .arg("-D")
            .arg(self.data())
            .args(["-w", "-l"])
            .arg(self.dir.path().join("server.log"))
            .args(["-o", &options, "start"]));
    }

    /// Stops the server (fast shutdown: open connections are cut).
    pub fn stop(&self) {
        run(self
            .command("pg_ctl")
            .arg("-D")
            .arg(self.data())
            .args(["-w", "-m", "fast", "stop"]));
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self
            .command("pg_ctl")
            .arg("-D")
            .arg(self.data())
            .args(["-w", "-m", "immediate", "stop"])
            .output();
    }
}

/// PostgreSQL refuses to run as root: its folders go to its own user.
fn give_to_postgres(path: &Path) {
    if is_root() {
        run(Command::new("chown")
            .arg("-R")
            .arg("postgres:postgres")
            .arg(path));
    }
}

fn run(command: &mut Command) {
    let output = command.output().expect("run a PostgreSQL program");
    assert!(
        output.status.success(),
        "{command:?}: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
