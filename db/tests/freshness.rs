//! Figures kept between requests are never stale: after each kind of write
//! (events, registrations, renames, imports, a rollup rebuild), made
//! through another handle on the same database (as another server process
//! would), the same selection read again through the first handle shows
//! it. The first handle has read that selection before each write, so a
//! cache that missed an invalidation would answer with the old figures.

use crate::support;

use chrono::{DateTime, Utc};
use pulse_db::analytics::{Selection, Settings};
use pulse_db::testing::{TestBackend, TestDb};
use pulse_db::time::Millis;
use pulse_db::{MemberSeed, Store};
use pulse_model::{PeriodQuery, UserRow, UsersTable};
use rstest::rstest;
use support::{event, ingest, utc};

/// A fixed custom range, so every read asks for the very same figures.
fn june() -> PeriodQuery {
    PeriodQuery {
        period: "custom".into(),
        from: Some("2026-06-01".into()),
        to: Some("2026-06-30".into()),
        tz: "America/New_York".into(),
        section: None,
    }
}

fn now() -> DateTime<Utc> {
    utc("2026-07-15T12:00:00Z")
}

/// The users table of agent "tutor" as `store` answers now.
async fn users(store: &Store) -> UsersTable {
    let agent = store.find_agent("tutor").await.unwrap().unwrap();
    let selection = Selection::new(store, &agent, &june(), now()).unwrap();
    // The dashboard too, so both the view and the summaries are kept.
    selection.dashboard(Settings::default()).await.unwrap();
    selection.users().await.unwrap()
}

fn row<'a>(table: &'a UsersTable, user_id: &str) -> Option<&'a UserRow> {
    table.users.iter().find(|row| row.user_id == user_id)
}

#[rstest]
#[case::sqlite(TestBackend::Sqlite)]
#[case::postgres(TestBackend::Postgres)]
#[tokio::test]
async fn every_write_reaches_figures_kept_by_another_handle(#[case] backend: TestBackend) {
    let db = TestDb::new(backend).await;
    let reader = &db.store;
    let writer = Store::connect(&db.url).await.unwrap();
    ingest(
        &writer,
        &[event("e1", "message", "ada", "2026-06-10T15:00:00Z")],
    )
    .await;
    let before = users(reader).await;
    assert_eq!(row(&before, "ada").unwrap().messages, 1);

    // Events.
    ingest(
        &writer,
        &[event("e2", "message", "ada", "2026-06-11T15:00:00Z")],
    )
    .await;
    let after = users(reader).await;
    assert_eq!(row(&after, "ada").unwrap().messages, 2, "a new event");
    assert_eq!(row(&after, "ada").unwrap().active_days, 2, "a new event");

    // A rename, which only the users table shows.
    writer
        .put_user("ada", Some("ada.l"), Some("Ada Lovelace"))
        .await
        .unwrap();
    let renamed = users(reader).await;
    assert_eq!(
        row(&renamed, "ada").unwrap().name.as_deref(),
        Some("Ada Lovelace")
    );
    assert_eq!(
        row(&renamed, "ada").unwrap().username.as_deref(),
        Some("ada.l")
    );

    // A registration and its removal.
    let agent = writer.find_agent("tutor").await.unwrap().unwrap();
    let at = utc("2026-05-01T00:00:00Z");
    writer
        .register(&agent, "grace", Millis::from(at))
        .await
        .unwrap();
    assert!(
        row(&users(reader).await, "grace").is_some(),
        "a registration"
    );
    assert!(writer.unregister(&agent, "grace").await.unwrap());
    assert!(
        row(&users(reader).await, "grace").is_none(),
        "an unregistration"
    );

    // A roster import, which renames and registers at once.
    let seed = MemberSeed {
        user_id: "alan".into(),
        username: Some("alan.t".into()),
        name: Some("Alan Turing".into()),
        registered_at: Millis::from(at),
    };
    writer
        .import_members("tutor", "Tutor", &[seed])
        .await
        .unwrap();
    let imported = users(reader).await;
    assert_eq!(
        row(&imported, "alan").unwrap().name.as_deref(),
        Some("Alan Turing")
    );

    // A rollup rebuild keeps the figures (and must not be answered from
    // figures kept before it either way).
    writer.rebuild_rollups().await.unwrap();
    let mut rebuilt = users(reader).await.users;
    let mut expected = imported.users;
    rebuilt.sort_by(|a, b| a.user_id.cmp(&b.user_id));
    expected.sort_by(|a, b| a.user_id.cmp(&b.user_id));
    assert_eq!(rebuilt, expected);

    writer.close().await;
    db.cleanup().await;
}
