//! The `pulse` command line, run as a process: import, demo, keys, rebuild.

use crate::support;

use std::process::Command;

use pulse_db::testing::{TestBackend, TestDb};
use rstest::rstest;
use support::process::{pulse, text};
use support::stored_events;

#[rstest]
#[case::sqlite(TestBackend::Sqlite)]
#[case::postgres(TestBackend::Postgres)]
#[tokio::test]
async fn import_is_all_or_nothing_idempotent_and_reads_csv(#[case] backend: TestBackend) {
    let db = TestDb::new(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let ndjson = dir.path().join("events.ndjson");
    let good = |id: &str| {
        format!(
            r#"{{"id":"{id}","type":"message","agent_id":"tutor","user_id":"ann","at":"2026-06-01T10:00:00Z"}}"#
        )
    };
    std::fs::write(
        &ndjson,
        format!("{}\n{{\"id\": \"broken\"\n{}\n\n", good("1"), good("2")),
    )
    .unwrap();

    let refused = pulse(&db.url, &["import", ndjson.to_str().unwrap()]);
    assert!(!refused.status.success(), "{backend:?}");
    assert!(text(&refused).contains("line 2"), "{}", text(&refused));
    assert_eq!(
        stored_events(&db, "tutor").await,
        0,
        "nothing is imported from a file with a bad line"
    );

    let skipped = pulse(
        &db.url,
        &["import", ndjson.to_str().unwrap(), "--skip-invalid"],
    );
    assert!(skipped.status.success(), "{}", text(&skipped));
    assert!(
        text(&skipped).contains("2 new events, 0 already stored, 1 invalid lines skipped"),
        "{}",
        text(&skipped)
    );
    let again = pulse(
        &db.url,
        &["import", ndjson.to_str().unwrap(), "--skip-invalid"],
    );
    assert!(
        text(&again).contains("0 new events, 2 already stored"),
        "{}",
        text(&again)
    );
    assert_eq!(stored_events(&db, "tutor").await, 2);

    let csv = dir.path().join("events.csv");
    std::fs::write(
        &csv,
        "id,type,agent_id,user_id,at,session_id,username,name\n\
         3,session_start,tutor,bob,2026-06-01T11:00:00Z,s1,bob,\"Bob, the builder\"\n\
         4,message,tutor,bob,2026-06-01T11:01:00+02:00,s1,,\n",
    )
    .unwrap();
    let imported = pulse(&db.url, &["import", csv.to_str().unwrap()]);
    assert!(imported.status.success(), "{}", text(&imported));
    assert_eq!(stored_events(&db, "tutor").await, 4);
    let agent = db.store.find_agent("tutor").await.unwrap().unwrap();
    let bob = db
        .store
        .registered_learners(&agent)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.user_id == "bob")
        .unwrap();
    assert_eq!(bob.name.as_deref(), Some("Bob, the builder"));
    db.cleanup().await;
}

#[tokio::test]
async fn demo_fills_an_empty_database_once_with_people_online() {
    let db = TestDb::new(pulse_db::testing::TestBackend::Sqlite).await;
    let args = [
        "demo",
        "--if-empty",
        "--users",
        "600",
        "--agents",
        "2",
        "--days",
        "5",
    ];
    let first = pulse(&db.url, &args);
    assert!(first.status.success(), "{}", text(&first));
    let agents = db.store.list_agents().await.unwrap();
    assert_eq!(agents.len(), 2);
    let agent = db
        .store
        .find_agent(&agents[0].agent_id)
        .await
        .unwrap()
        .unwrap();
    let events = stored_events(&db, &agent.agent_id).await;
    assert!(events > 100, "{events} events");
    let online: u64 = {
        let mut total = 0;
        for agent in &agents {
            let agent = db.store.find_agent(&agent.agent_id).await.unwrap().unwrap();
            total += db
                .store
                .online_users(
                    &agent,
                    pulse_db::time::Millis(chrono::Utc::now().timestamp_millis() - 300_000),
                )
                .await
                .unwrap();
        }
        total
    };
    assert!(online > 0, "the demo has people online");
    let second = pulse(&db.url, &args);
    assert!(
        text(&second).contains("already has data"),
        "{}",
        text(&second)
    );
    assert_eq!(stored_events(&db, &agent.agent_id).await, events);
    db.cleanup().await;
}

#[tokio::test]
async fn keys_are_printed_once_listed_without_secret_and_revoked() {
    let db = TestDb::new(pulse_db::testing::TestBackend::Sqlite).await;
    let created = pulse(
        &db.url,
        &[
            "key", "create", "--scope", "read", "--agent", "tutor", "--label", "report",
        ],
    );
    let secret = String::from_utf8_lossy(&created.stdout).trim().to_owned();
    assert!(secret.starts_with("pk_read_"), "{secret}");
    let listed = text(&pulse(&db.url, &["key", "list"]));
    let prefix = secret.rsplit_once('_').unwrap().0;
    assert!(
        listed.contains(prefix) && listed.contains("tutor") && listed.contains("active"),
        "{listed}"
    );
    assert!(!listed.contains(&secret), "the secret is never shown again");
    assert!(pulse(&db.url, &["key", "revoke", prefix]).status.success());
    assert!(text(&pulse(&db.url, &["key", "list"])).contains("revoked"));
    let again = pulse(&db.url, &["key", "revoke", prefix]);
    assert!(!again.status.success() && text(&again).contains("no active key"));
    let rebuilt = pulse(&db.url, &["rebuild"]);
    assert!(
        text(&rebuilt).contains("Rebuilt the rollups from 0 events"),
        "{}",
        text(&rebuilt)
    );
    db.cleanup().await;
}

#[test]
fn database_passwords_never_show_in_help_errors_or_logs() {
    let secret_url = "postgres://admin:S3CRET-pw@127.0.0.1:1/pulse";
    let help = pulse(secret_url, &["serve", "--help"]);
    assert!(help.status.success());
    assert!(!text(&help).contains("S3CRET"), "{}", text(&help));
    // Nothing listens on port 1: the error says so, without the password.
    let refused = pulse(secret_url, &["migrate"]);
    assert!(!refused.status.success());
    let said = text(&refused);
    assert!(!said.contains("S3CRET"), "{said}");
    assert!(
        said.contains("127.0.0.1:1") && said.contains("connection refused"),
        "{said}"
    );
    // The same through the flag, and through an unsupported scheme.
    let unsupported = pulse("mysql://admin:S3CRET-pw@host/db", &["migrate"]);
    assert!(
        !text(&unsupported).contains("S3CRET"),
        "{}",
        text(&unsupported)
    );
    assert!(
        text(&unsupported).contains("admin:***@host"),
        "{}",
        text(&unsupported)
    );
}

#[test]
fn logs_written_to_a_file_carry_no_colour_codes() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/pulse.db", dir.path().display());
    let output = Command::new(env!("CARGO_BIN_EXE_pulse"))
        .args(["migrate"])
        .env("PULSE_DATABASE_URL", &url)
        .env("RUST_LOG", "debug")
        .output()
        .expect("run pulse");
    assert!(output.status.success(), "{}", text(&output));
    let logs = String::from_utf8_lossy(&output.stderr);
    assert!(!logs.is_empty(), "debug logs were written");
    assert!(!logs.contains('\u{1b}'), "escape codes in {logs:?}");
}

/// `pulse share create --agent A` (with the environment given) and what it
/// printed.
fn share_create(url: &str, agent: &str, extra: &[&str], tz_env: Option<&str>) -> String {
    let mut command = Command::new(env!("CARGO_BIN_EXE_pulse"));
    command
        .args(["share", "create", "--agent", agent])
        .args(extra)
        .env("PULSE_DATABASE_URL", url)
        .env_remove("PULSE_PUBLIC_URL")
        .env("RUST_LOG", "warn");
    match tz_env {
        Some(zone) => command.env("TZ", zone),
        None => command.env_remove("TZ"),
    };
    let output = command.output().expect("run pulse");
    assert!(output.status.success(), "{}", text(&output));
    text(&output)
}

#[tokio::test]
async fn a_share_link_made_on_the_command_line_is_in_the_makers_zone_and_says_so() {
    let db = TestDb::new(TestBackend::Sqlite).await;
    let demo = pulse(
        &db.url,
        &["demo", "--users", "20", "--agents", "1", "--days", "2"],
    );
    assert!(demo.status.success(), "{}", text(&demo));
    let agent = db.store.list_agents().await.unwrap()[0].agent_id.clone();
    // An odd offset (+05:45), named by TZ as a shell would.
    let made = share_create(&db.url, &agent, &[], Some(":Asia/Kathmandu"));
    assert!(
        made.contains("figures in Asia/Kathmandu (this machine's zone"),
        "{made}"
    );
    assert!(made.contains("+0545"), "the expiry in that zone: {made}");
    // Chosen: said so.
    let chosen = share_create(
        &db.url,
        &agent,
        &["--tz", "America/St_Johns"],
        Some("Asia/Kathmandu"),
    );
    assert!(
        chosen.contains("figures in America/St_Johns (chosen with --tz)"),
        "{chosen}"
    );
    let listed = text(&pulse(&db.url, &["share", "list"]));
    let mut zones: Vec<&str> = listed
        .lines()
        .skip(1)
        .filter_map(|line| line.split('\t').nth(4))
        .collect();
    zones.sort_unstable();
    assert_eq!(zones, ["America/St_Johns", "Asia/Kathmandu"], "{listed}");
    db.cleanup().await;
}
