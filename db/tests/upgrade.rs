//! Upgrades in place: a database written by an earlier release (the
//! fixtures in `fixtures/schema-v3`, made by `pulse` before migration 4)
//! opens, migrates, and reads exactly the figures of a database into which
//! the same events were sent by this release. Migrations are append-only:
//! sqlx refuses to migrate a database whose applied migrations no longer
//! match their files, so a changed old migration fails here too.

use pulse_db::time::Millis;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use pulse_db::Store;
use pulse_db::accounts::verify_password;
use pulse_db::analytics::{Selection, Settings};
use pulse_db::ingest::{IngestCounts, validate_batch};
use pulse_db::keys::{KeyScope, hash_key};
use pulse_db::testing::{TestBackend, TestDb};
use pulse_model::{Dashboard, PeriodQuery};
use rstest::rstest;
use serde_json::Value;

const AGENTS: [&str; 3] = ["algebra-tutor", "essay-coach", "lab-helper"];

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/schema-v3")
        .join(name)
}

/// The read key each fixture was made with (fixtures/schema-v3/README.md).
fn fixture_read_key(backend: TestBackend) -> &'static str {
    match backend {
        TestBackend::Sqlite => "pk_read_86621539_64d3bd0fae7ddca1f1e2461135462bd13bcd398dac1e02b0",
        TestBackend::Postgres => {
            "pk_read_e3f65e2d_eadfeea057b4f15249e03f316b186d0759a54ee1e24b9db9"
        }
    }
}

/// When the fixture's events were sent (README.md of the fixture): none
/// is later than this.
fn fixture_written() -> DateTime<Utc> {
    "2026-11-29T00:00:00Z".parse().unwrap()
}

/// The fixture's events, in batches as `pulse import` sends them.
async fn send_fixture_events(store: &Store) -> IngestCounts {
    let text = std::fs::read_to_string(fixture("events.ndjson")).unwrap();
    let values: Vec<Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let mut counts = IngestCounts::default();
    for chunk in values.chunks(1000) {
        // Received as at the moment the fixture was written, whatever the
        // machine's clock says (scripts/test-at.sh).
        let received = fixture_written().max(Utc::now());
        let batch = validate_batch(chunk, received).expect("the fixture's events are valid");
        counts += store.ingest(&batch, Millis::now()).await.unwrap();
    }
    counts
}

/// Every agent's Users tab in several periods and zones (a DST change, an
/// odd offset), at a fixed moment.
async fn figures(store: &Store) -> Vec<Dashboard> {
    let now: DateTime<Utc> = "2026-11-23T15:00:00Z".parse().unwrap();
    let queries = [
        (
            "custom",
            Some("2026-10-19"),
            Some("2026-11-24"),
            "America/New_York",
        ),
        ("7d", None, None, "Asia/Kathmandu"),
        ("today", None, None, "UTC"),
    ];
    let mut all = Vec::new();
    for agent_id in AGENTS {
        let agent = store
            .find_agent(agent_id)
            .await
            .unwrap()
            .expect("the agent exists");
        for (period, from, to, tz) in queries {
            let query = PeriodQuery {
                period: period.into(),
                from: from.map(Into::into),
                to: to.map(Into::into),
                tz: tz.into(),
                section: None,
            };
            let selection = Selection::new(store, &agent, &query, now).unwrap();
            all.push(selection.dashboard(Settings::default()).await.unwrap());
        }
    }
    all
}

#[rstest]
#[case::sqlite(TestBackend::Sqlite)]
#[case::postgres(TestBackend::Postgres)]
#[tokio::test]
async fn a_schema_v3_database_migrates_and_reads_the_same_figures(#[case] backend: TestBackend) {
    let old = TestDb::restored(backend, &fixture("pulse.sqlite3"), &fixture("postgres.sql")).await;
    old.store
        .migrate()
        .await
        .unwrap_or_else(|error| panic!("{backend:?}: {error}"));
    let fresh = TestDb::new(backend).await;
    let sent = send_fixture_events(&fresh.store).await;
    assert_eq!(sent.accepted, 2500);

    let upgraded = figures(&old.store).await;
    assert!(
        upgraded
            .iter()
            .any(|dashboard| dashboard.overview.messages > 0)
    );
    assert_eq!(upgraded, figures(&fresh.store).await, "{backend:?}");

    // Ids stay idempotency keys across the upgrade.
    let again = send_fixture_events(&old.store).await;
    assert_eq!((again.accepted, again.duplicates), (0, 2500), "{backend:?}");
    // Accounts and keys still work.
    let (account, hash) = old
        .store
        .account_by_username("fixture-admin")
        .await
        .unwrap()
        .expect("the account survives");
    assert!(verify_password(&hash, "fixture-password-1"), "{backend:?}");
    assert!(account.may_view("algebra-tutor") && !account.may_view("essay-coach"));
    let key = old
        .store
        .key_by_hash(&hash_key(fixture_read_key(backend)))
        .await
        .unwrap()
        .expect("the key survives");
    assert_eq!(key.scope, KeyScope::Read);
    assert_eq!(key.agents, Some(vec!["essay-coach".to_owned()]));
    old.cleanup().await;
    fresh.cleanup().await;
}
