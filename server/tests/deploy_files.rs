//! The files that deploy Pulse, checked against the program they deploy:
//! `pulse --version` names its commit, the systemd unit is valid and
//! sandboxed, the Dockerfile pins the versions the build scripts use, and
//! the guides (docs/DEPLOY.md, docs/API.md) name every setting, endpoint
//! and command there is. The Docker image itself is not built here: the CI
//! machines have no container engine.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use clap::CommandFactory;
use pulse_server::cli::Cli;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("server/ is in the workspace")
        .to_path_buf()
}

fn read(relative: &str) -> String {
    let path = workspace().join(relative);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("read {}: {error}", path.display()))
}

fn is_hex(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_hexdigit())
}

// ---- pulse --version ------------------------------------------------------

/// The commit `pulse --version` names: `pulse 0.1.0 (commit 1fc584d90a58)`.
fn version_commit() -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_pulse"))
        .arg("--version")
        .output()
        .expect("run pulse --version");
    assert!(
        output.status.success(),
        "pulse --version failed: {output:?}"
    );
    let line = String::from_utf8(output.stdout).expect("UTF-8");
    let line = line.trim_end();
    let prefix = format!("pulse {} (commit ", env!("CARGO_PKG_VERSION"));
    let commit = line
        .strip_prefix(&prefix)
        .and_then(|rest| rest.strip_suffix(')'))
        .unwrap_or_else(|| panic!("{line:?} is not \"{prefix}COMMIT)\""));
    assert!(
        commit == "unknown" || (commit.len() >= 7 && is_hex(commit)),
        "{commit:?} is neither a short hash nor \"unknown\""
    );
    assert_eq!(
        commit,
        env!("PULSE_GIT_COMMIT"),
        "the commit the build script found"
    );
    commit.to_owned()
}

fn git(args: &[&str]) -> Option<std::process::Output> {
    Command::new("git")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
}

#[test]
fn version_names_the_release_and_the_commit() {
    let commit = version_commit();
    if env!("PULSE_GIT_COMMIT_SOURCE") == "environment" {
        println!("PULSE_GIT_COMMIT was set for the build: {commit} is not compared with git");
        return;
    }
    let Some(head) = git(&["rev-parse", "--short=12", "HEAD"]) else {
        println!("git is not installed: commit {commit} not compared");
        return;
    };
    if !head.status.success() {
        println!("not in a git checkout: commit {commit} not compared");
        return;
    }
    let head = String::from_utf8_lossy(&head.stdout).trim().to_owned();
    if commit == head {
        println!("pulse --version names HEAD, {head}");
        return;
    }
    // A commit made after the binary was built (by someone else, while
    // the tests ran) moves HEAD; the next build catches up.
    let binary_built = std::fs::metadata(env!("CARGO_BIN_EXE_pulse"))
        .and_then(|metadata| metadata.modified())
        .expect("the binary's time");
    let head_time = git(&["log", "-1", "--format=%ct", "HEAD"])
        .and_then(|output| String::from_utf8(output.stdout).ok())
        .and_then(|text| text.trim().parse::<u64>().ok())
        .map(|seconds| std::time::UNIX_EPOCH + std::time::Duration::from_secs(seconds));
    let is_ancestor = is_hex(&commit)
        && git(&["merge-base", "--is-ancestor", &commit, "HEAD"])
            .is_some_and(|output| output.status.success());
    if is_ancestor && head_time.is_some_and(|time| time > binary_built) {
        println!("HEAD ({head}) was committed after pulse was built from {commit}");
        return;
    }
    panic!("pulse --version names commit {commit}, but HEAD is {head}");
}

// ---- deploy/pulse.service -------------------------------------------------

/// Keys systemd takes in each section, separated by white space
/// (systemd.unit; for [Service] systemd.service, systemd.exec, systemd.kill
/// and systemd.resource-control), enough for a service like this one: the
/// fallback check when `systemd-analyze` is missing. A key not here is
/// reported, so add it when it is real.
const UNIT_KEYS: &str = "
    Description Documentation Requires Requisite Wants BindsTo PartOf Upholds Conflicts
    Before After OnFailure OnSuccess PropagatesReloadTo ReloadPropagatedFrom
    JoinsNamespaceOf RequiresMountsFor OnFailureJobMode IgnoreOnIsolate StopWhenUnneeded
    RefuseManualStart RefuseManualStop AllowIsolate DefaultDependencies CollectMode
    FailureAction SuccessAction StartLimitIntervalSec StartLimitBurst StartLimitAction
    RebootArgument ConditionPathExists ConditionPathIsDirectory ConditionFileNotEmpty
    ConditionUser ConditionHost AssertPathExists SourcePath
";
const SERVICE_KEYS: &str = "
    Type ExitType RemainAfterExit GuessMainPID PIDFile BusName ExecStart ExecStartPre
    ExecStartPost ExecCondition ExecReload ExecStop ExecStopPost RestartSec
    TimeoutStartSec TimeoutStopSec TimeoutAbortSec TimeoutSec RuntimeMaxSec WatchdogSec
    Restart RestartPreventExitStatus RestartForceExitStatus SuccessExitStatus
    RootDirectoryStartOnly NonBlocking NotifyAccess Sockets FileDescriptorStoreMax
    OOMPolicy WorkingDirectory RootDirectory RootImage MountAPIVFS BindPaths
    BindReadOnlyPaths User Group DynamicUser SupplementaryGroups PAMName
    CapabilityBoundingSet AmbientCapabilities NoNewPrivileges SecureBits SELinuxContext
    AppArmorProfile LimitCPU LimitFSIZE LimitDATA LimitSTACK LimitCORE LimitRSS
    LimitNOFILE LimitAS LimitNPROC LimitMEMLOCK LimitLOCKS LimitSIGPENDING LimitMSGQUEUE
    LimitNICE LimitRTPRIO LimitRTTIME UMask CoredumpFilter KeyringMode OOMScoreAdjust
    TimerSlackNSec Personality IgnoreSIGPIPE Nice CPUSchedulingPolicy
    CPUSchedulingPriority CPUAffinity NUMAPolicy IOSchedulingClass IOSchedulingPriority
    ProtectSystem ProtectHome RuntimeDirectory StateDirectory CacheDirectory LogsDirectory
    ConfigurationDirectory RuntimeDirectoryMode StateDirectoryMode CacheDirectoryMode
    LogsDirectoryMode ConfigurationDirectoryMode RuntimeDirectoryPreserve ReadWritePaths
    ReadOnlyPaths InaccessiblePaths ExecPaths NoExecPaths TemporaryFileSystem PrivateTmp
    PrivateDevices PrivateNetwork NetworkNamespacePath PrivateIPC PrivateUsers
    ProtectHostname ProtectClock ProtectKernelTunables ProtectKernelModules
    ProtectKernelLogs ProtectControlGroups RestrictAddressFamilies RestrictFileSystems
    RestrictNamespaces LockPersonality MemoryDenyWriteExecute RestrictRealtime
    RestrictSUIDSGID RemoveIPC PrivateMounts MountFlags SystemCallFilter
    SystemCallErrorNumber SystemCallArchitectures SystemCallLog Environment
    EnvironmentFile PassEnvironment UnsetEnvironment StandardInput StandardOutput
    StandardError SyslogIdentifier SyslogFacility SyslogLevel SyslogLevelPrefix
    LogLevelMax LogExtraFields LogRateLimitIntervalSec LogRateLimitBurst LogNamespace
    TTYPath UtmpIdentifier ProtectProc ProcSubset LoadCredential SetCredential KillMode
    KillSignal RestartKillSignal SendSIGHUP SendSIGKILL FinalKillSignal WatchdogSignal
    CPUAccounting CPUWeight CPUQuota MemoryAccounting MemoryMin MemoryLow MemoryHigh
    MemoryMax MemorySwapMax TasksAccounting TasksMax IOAccounting IOWeight IPAccounting
    IPAddressAllow IPAddressDeny DeviceAllow DevicePolicy Slice Delegate
";
const INSTALL_KEYS: &str = "
    Alias WantedBy RequiredBy Also DefaultInstance
";

/// Settings that may be empty (an empty value resets or empties a list).
const MAY_BE_EMPTY: &[&str] = &[
    "CapabilityBoundingSet",
    "AmbientCapabilities",
    "Environment",
    "SystemCallFilter",
    "ReadWritePaths",
];

/// A unit's settings, `(key, value)` in order, by section name.
type Sections = BTreeMap<String, Vec<(String, String)>>;

/// The unit's settings by section, or every line that is not one.
fn parse_unit(text: &str) -> Result<Sections, Vec<String>> {
    let mut sections = Sections::new();
    let mut order = Vec::new();
    let mut current: Option<String> = None;
    let mut problems = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let number = number + 1;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if line.ends_with('\\') {
            problems.push(format!(
                "line {number}: continuation lines are not used here"
            ));
            continue;
        }
        if let Some(name) = line
            .strip_prefix('[')
            .and_then(|rest| rest.strip_suffix(']'))
        {
            if sections.contains_key(name) {
                problems.push(format!("line {number}: section [{name}] appears twice"));
            }
            sections.entry(name.to_owned()).or_default();
            order.push(name.to_owned());
            current = Some(name.to_owned());
            continue;
        }
        let Some(section) = &current else {
            problems.push(format!("line {number}: {line:?} is outside any section"));
            continue;
        };
        let Some((key, value)) = line.split_once('=') else {
            problems.push(format!("line {number}: {line:?} is not Key=Value"));
            continue;
        };
        let (key, value) = (key.trim(), value.trim());
        let known = match section.as_str() {
            "Unit" => UNIT_KEYS,
            "Service" => SERVICE_KEYS,
            "Install" => INSTALL_KEYS,
            _ => "",
        };
        if !known.split_whitespace().any(|known| known == key) {
            problems.push(format!("line {number}: unknown key {key:?} in [{section}]"));
        }
        if value.is_empty() && !MAY_BE_EMPTY.contains(&key) {
            problems.push(format!("line {number}: {key}= has no value"));
        }
        sections
            .get_mut(section)
            .expect("entered above")
            .push((key.to_owned(), value.to_owned()));
    }
    if order != ["Unit", "Service", "Install"] {
        problems.push(format!(
            "the sections must be [Unit], [Service], [Install] in that order, not {order:?}"
        ));
    }
    if problems.is_empty() {
        Ok(sections)
    } else {
        Err(problems)
    }
}

/// What `pulse serve` would run with no settings (no PULSE_* in the
/// environment counts: clap reads them).
fn serve_defaults() -> pulse_server::config::ServeConfig {
    use clap::Parser;
    match Cli::try_parse_from(["pulse", "serve"])
        .expect("pulse serve parses")
        .command
    {
        pulse_server::cli::Command::Serve(config) => *config,
        _ => unreachable!("parsed serve"),
    }
}

fn seconds(value: &str) -> u64 {
    let number = value.trim_end_matches('s');
    number
        .parse()
        .unwrap_or_else(|_| panic!("{value:?} is not plain seconds"))
}

#[test]
fn systemd_unit_is_valid_and_sandboxed() {
    let text = read("deploy/pulse.service");
    let sections = parse_unit(&text)
        .unwrap_or_else(|problems| panic!("deploy/pulse.service:\n  {}", problems.join("\n  ")));
    println!("deploy/pulse.service: syntax check (sections, Key=Value, known keys) passed");

    let service = &sections["Service"];
    let values = |key: &str| -> Vec<&str> {
        service
            .iter()
            .filter(|(name, _)| name == key)
            .map(|(_, value)| value.as_str())
            .collect()
    };
    let value = |key: &str| -> &str {
        match values(key).as_slice() {
            [one] => one,
            other => panic!("[Service] should set {key} once, not {other:?}"),
        }
    };
    for (key, expected) in [
        ("User", "pulse"),
        ("WorkingDirectory", "/var/lib/pulse"),
        ("EnvironmentFile", "-/etc/pulse/pulse.env"),
        ("Restart", "on-failure"),
        ("NoNewPrivileges", "yes"),
        ("ProtectSystem", "strict"),
        ("ReadWritePaths", "/var/lib/pulse"),
        ("ProtectHome", "yes"),
        ("PrivateTmp", "yes"),
    ] {
        assert_eq!(value(key), expected, "[Service] {key}");
    }
    let exec_start: Vec<&str> = value("ExecStart").split_whitespace().collect();
    assert!(
        exec_start.len() == 2 && exec_start[0].ends_with("/pulse") && exec_start[1] == "serve",
        "ExecStart runs `pulse serve`, not {exec_start:?}"
    );

    // A stopping server waits up to the request timeout for requests in
    // flight, then up to 5 s for the database: systemd must wait longer.
    let defaults = serve_defaults();
    let stop = seconds(value("TimeoutStopSec"));
    assert!(
        stop > defaults.request_timeout + 5,
        "TimeoutStopSec={stop} must exceed PULSE_REQUEST_TIMEOUT ({} s) + 5 s",
        defaults.request_timeout
    );
    // Every connection holds a descriptor; the database and files need more.
    let files: u64 = value("LimitNOFILE")
        .parse()
        .expect("LimitNOFILE is a number");
    assert!(
        files >= 2 * u64::from(defaults.connections.max_connections) + 256,
        "LimitNOFILE={files} leaves too little room above PULSE_MAX_CONNECTIONS ({})",
        defaults.connections.max_connections
    );
    // Defaults set in the unit are real settings and hold no password.
    let settings = setting_names();
    for environment in values("Environment") {
        let (name, setting) = environment
            .split_once('=')
            .unwrap_or_else(|| panic!("Environment={environment} is not NAME=VALUE"));
        assert!(
            settings.contains(name),
            "Environment= sets {name}, which pulse does not read"
        );
        assert!(
            !setting.contains('@'),
            "{name} in the world-readable unit may carry a password: use /etc/pulse/pulse.env"
        );
    }

    match systemd_analyze_verify(&text) {
        Some(report) => println!("deploy/pulse.service: {report}"),
        None => println!(
            "deploy/pulse.service: systemd-analyze is not installed; only the syntax check ran"
        ),
    }
}

/// Runs `systemd-analyze verify` on a copy of the unit whose ExecStart is
/// the binary under test (verify wants an executable that exists); `None`
/// when systemd-analyze is not installed. systemd-analyze exits 0 on
/// unknown keys and bad values, only printing them: any line it prints
/// about our file fails the test.
fn systemd_analyze_verify(text: &str) -> Option<String> {
    let probe = Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .ok()?;
    if !probe.status.success() {
        return None;
    }
    let version = String::from_utf8_lossy(&probe.stdout)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned();
    let dir = tempfile::tempdir().expect("a temporary folder");
    let unit = dir.path().join("pulse.service");
    let copy: String = text
        .lines()
        .map(|line| {
            if line.starts_with("ExecStart=") {
                format!("ExecStart={} serve\n", env!("CARGO_BIN_EXE_pulse"))
            } else {
                format!("{line}\n")
            }
        })
        .collect();
    std::fs::write(&unit, copy).expect("write the unit");
    let output = Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .arg(&unit)
        .output()
        .expect("run systemd-analyze verify");
    let messages = String::from_utf8_lossy(&output.stderr).into_owned()
        + &String::from_utf8_lossy(&output.stdout);
    let about_ours: Vec<&str> = messages
        .lines()
        .filter(|line| line.contains("pulse.service"))
        .collect();
    assert!(
        output.status.success() && about_ours.is_empty(),
        "systemd-analyze verify ({version}) refuses deploy/pulse.service:\n{messages}"
    );
    Some(format!("systemd-analyze verify ({version}) passed"))
}

// ---- Dockerfile and .dockerignore ----------------------------------------

/// `NAME=value` from scripts/env.sh.
fn env_sh(name: &str) -> String {
    read("scripts/env.sh")
        .lines()
        .find_map(|line| line.strip_prefix(&format!("{name}=")))
        .unwrap_or_else(|| panic!("scripts/env.sh sets {name}"))
        .trim_matches('"')
        .to_owned()
}

#[test]
fn dockerfile_builds_with_the_pinned_tools() {
    let dockerfile = read("Dockerfile");
    assert!(
        dockerfile
            .lines()
            .take(5)
            .any(|line| line.starts_with('#') && line.contains("Not built by the test suite")),
        "the Dockerfile says at its top that no test builds it"
    );
    let rust_version = read("Cargo.toml")
        .lines()
        .find_map(|line| line.strip_prefix("rust-version = "))
        .expect("the workspace names its rust-version")
        .trim_matches('"')
        .to_owned();
    let expected = [
        format!("FROM rust:{rust_version}-bookworm AS builder"),
        format!("ARG TRUNK_VERSION={}", env_sh("TRUNK_VERSION")),
        format!(
            "ARG WASM_BINDGEN_VERSION={}",
            env_sh("WASM_BINDGEN_VERSION")
        ),
        format!("ARG BINARYEN_VERSION={}", env_sh("BINARYEN_VERSION")),
        "RUN trunk build --release".to_owned(),
        "FROM debian:bookworm-slim".to_owned(),
        "USER pulse".to_owned(),
        "VOLUME /var/lib/pulse".to_owned(),
        "EXPOSE 3000".to_owned(),
    ];
    for line in &expected {
        assert!(
            dockerfile.lines().any(|candidate| candidate.trim() == line),
            "the Dockerfile should have the line {line:?}"
        );
    }
    assert!(dockerfile.contains("PULSE_ADDR=0.0.0.0:3000"));
    assert!(dockerfile.contains("PULSE_DATABASE_URL=sqlite:///var/lib/pulse/pulse.db"));
    assert!(dockerfile.contains("curl -fsS http://127.0.0.1:3000/healthz"));
    // Every PULSE_* it sets is a setting pulse reads.
    let settings = setting_names();
    for word in dockerfile.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
        if word.starts_with("PULSE_") && word != "PULSE_GIT_COMMIT" {
            assert!(
                settings.contains(word),
                "the Dockerfile names {word}, which pulse does not read"
            );
        }
    }

    let ignored: BTreeSet<String> = read(".dockerignore")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(str::to_owned)
        .collect();
    for entry in ["target", "node_modules", "data", "dist", ".git"] {
        assert!(ignored.contains(entry), ".dockerignore leaves out {entry}");
    }
}

// ---- the guides -----------------------------------------------------------

/// Every environment variable `pulse` reads: each flag's `env`, and the
/// two the log set-up reads.
fn setting_names() -> BTreeSet<String> {
    fn walk(command: &clap::Command, names: &mut BTreeSet<String>) {
        for argument in command.get_arguments() {
            if let Some(name) = argument.get_env() {
                names.insert(name.to_string_lossy().into_owned());
            }
        }
        for subcommand in command.get_subcommands() {
            walk(subcommand, names);
        }
    }
    let mut names = BTreeSet::from(["RUST_LOG".to_owned(), "PULSE_LOG_FORMAT".to_owned()]);
    walk(&Cli::command(), &mut names);
    names
}

/// Every command line (`pulse key create`) with its long flags.
fn commands() -> Vec<(String, Vec<String>)> {
    fn walk(command: &clap::Command, path: &str, out: &mut Vec<(String, Vec<String>)>) {
        if command.get_name() == "help" {
            return;
        }
        let flags = command
            .get_arguments()
            .filter_map(|argument| argument.get_long())
            .filter(|long| !["help", "version"].contains(long))
            .map(|long| format!("--{long}"))
            .collect();
        if command.has_subcommands() {
            for subcommand in command.get_subcommands() {
                walk(
                    subcommand,
                    &format!("{path} {}", subcommand.get_name()),
                    out,
                );
            }
        } else {
            out.push((path.to_owned(), flags));
        }
    }
    let mut out = Vec::new();
    walk(&Cli::command(), "pulse", &mut out);
    out
}

#[test]
fn deploy_guide_names_every_setting() {
    let guide = read("docs/DEPLOY.md");
    let missing: Vec<String> = setting_names()
        .into_iter()
        .filter(|name| !guide.contains(&format!("`{name}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/DEPLOY.md does not describe {missing:?}: add them to its table of settings"
    );
    for file in ["deploy/pulse.service", "Dockerfile"] {
        assert!(guide.contains(file), "docs/DEPLOY.md points to {file}");
    }
}

/// A `pulse serve` on a fresh SQLite file and a free port, stopped when dropped.
struct Server {
    child: std::process::Child,
    url: String,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start() -> Server {
        use std::io::BufRead;
        let dir = tempfile::tempdir().expect("a temporary folder");
        let mut child = Command::new(env!("CARGO_BIN_EXE_pulse"))
            .args(["serve", "--addr", "127.0.0.1:0"])
            .env(
                "PULSE_DATABASE_URL",
                format!("sqlite://{}/pulse.db", dir.path().display()),
            )
            .env("RUST_LOG", "warn")
            .current_dir(dir.path())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start pulse serve");
        let mut stdout = std::io::BufReader::new(child.stdout.take().expect("piped"));
        let mut first_line = String::new();
        stdout
            .read_line(&mut first_line)
            .expect("read what pulse serve prints");
        // Keep reading: pulse stops if what it prints next has nowhere to go.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        let url = first_line
            .trim()
            .strip_prefix("Pulse is running at ")
            .unwrap_or_else(|| panic!("pulse serve printed {first_line:?}"))
            .trim_end_matches('/')
            .to_owned();
        Server {
            child,
            url,
            _dir: dir,
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every path the running server's OpenAPI document describes, every
/// command line and flag, and the operational endpoints: each is in the guide.
#[tokio::test]
async fn api_guide_names_every_endpoint_and_command() {
    let guide = read("docs/API.md");
    let server = Server::start();
    let openapi: serde_json::Value = reqwest::get(format!("{}/api/v1/openapi.json", server.url))
        .await
        .expect("GET /api/v1/openapi.json")
        .json()
        .await
        .expect("the OpenAPI document is JSON");
    let paths = openapi["paths"]
        .as_object()
        .expect("the OpenAPI document has paths");
    assert!(!paths.is_empty());
    let mut missing: Vec<String> = paths
        .keys()
        .filter(|path| !guide.contains(path.as_str()))
        .cloned()
        .collect();
    for (command, flags) in commands() {
        if !guide.contains(&command) {
            missing.push(command.clone());
        }
        missing.extend(
            flags
                .into_iter()
                .filter(|flag| !guide.contains(flag.as_str()))
                .map(|flag| format!("{command} {flag}")),
        );
    }
    for operation in ["/healthz", "/metrics"] {
        if !guide.contains(operation) {
            missing.push(operation.to_owned());
        }
    }
    assert!(
        missing.is_empty(),
        "docs/API.md does not describe {missing:?}"
    );
}
