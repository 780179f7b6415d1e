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
use pulse_db::{LearnerSeed, Store};
use pulse_model::{PeriodQuery, UserRow, UsersTable};
use rstest::rstest;
use sqlx::Connection;
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
        .register(
            &agent,
            "grace",
            Millis::from(at),
            pulse_db::learners::Naming::Platform,
        )
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
    let seed = LearnerSeed {
        user_id: "alan".into(),
        username: Some("alan.t".into()),
        name: Some("Alan Turing".into()),
        registered_at: Millis::from(at),
    };
    writer
        .import_learners("tutor", "Tutor", &[seed])
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

/// The user table of agent "tutor" over the past 7 days in New York, as
/// `store` answers at `now`.
async fn past_week(store: &Store, now: DateTime<Utc>) -> UsersTable {
    let agent = store.find_agent("tutor").await.unwrap().unwrap();
    let query = PeriodQuery {
        period: "7d".into(),
        tz: "America/New_York".into(),
        ..PeriodQuery::default()
    };
    let selection = Selection::new(store, &agent, &query, now).unwrap();
    selection.dashboard(Settings::default()).await.unwrap();
    selection.users().await.unwrap()
}

/// `(messages, active days)` of `user_id` in `table`, zeros if absent.
fn counts(table: &UsersTable, user_id: &str) -> (u64, u64) {
    row(table, user_id).map_or((0, 0), |row| (row.messages, row.active_days))
}

/// A live agent: the facts of its closed days are kept across writes of
/// recent events (which raise only its data version), and every write that
/// reaches those days (a late event, an erasure, a purge) retires them.
/// Reads at the clock's now, as a server's are.
#[rstest]
#[case::sqlite(TestBackend::Sqlite)]
#[case::postgres(TestBackend::Postgres)]
#[tokio::test]
async fn a_live_agent_keeps_its_closed_days_until_a_write_reaches_them(
    #[case] backend: TestBackend,
) {
    let db = TestDb::new(backend).await;
    let reader = &db.store;
    let writer = Store::connect(&db.url).await.unwrap();
    // One instant for the events and the day they fall on, however late the
    // test runs.
    let base = Utc::now();
    let ago = |minutes: i64| (base - chrono::Duration::minutes(minutes)).to_rfc3339();
    let day = 24 * 60;
    ingest(
        &writer,
        &[
            event("e1", "message", "ada", &ago(3 * day)),
            event("e2", "message", "ada", &ago(10)),
        ],
    )
    .await;
    assert_eq!(counts(&past_week(reader, Utc::now()).await, "ada"), (2, 2));

    // Recent events: read fresh, beside the kept closed days.
    ingest(&writer, &[event("e3", "message", "bob", &ago(5))]).await;
    let table = past_week(reader, Utc::now()).await;
    assert_eq!(counts(&table, "bob"), (1, 1), "a recent event");
    assert_eq!(counts(&table, "ada"), (2, 2));

    // The closed days' facts are kept: a change to them behind the
    // store's back that raises only the data version is not seen...
    sqlx::any::install_default_drivers();
    let mut connection = sqlx::AnyConnection::connect(&db.url).await.unwrap();
    let closed_day = (base - chrono::Duration::days(3)).timestamp_millis() / 86_400_000;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE activity_days SET messages = messages + 5 WHERE day = {closed_day}"
    )))
    .execute(&mut connection)
    .await
    .unwrap();
    sqlx::query("UPDATE agents SET data_version = data_version + 1")
        .execute(&mut connection)
        .await
        .unwrap();
    assert_eq!(counts(&past_week(reader, Utc::now()).await, "ada"), (2, 2));
    // ...and is once the history version says so.
    sqlx::query("UPDATE agents SET history_version = history_version + 1")
        .execute(&mut connection)
        .await
        .unwrap();
    connection.close().await.unwrap();
    assert_eq!(counts(&past_week(reader, Utc::now()).await, "ada"), (7, 2));
    writer.rebuild_rollups().await.unwrap();
    assert_eq!(
        counts(&past_week(reader, Utc::now()).await, "ada"),
        (2, 2),
        "rebuilt"
    );

    // A late event, on a closed day.
    ingest(&writer, &[event("e4", "message", "cy", &ago(4 * day))]).await;
    assert_eq!(
        counts(&past_week(reader, Utc::now()).await, "cy"),
        (1, 1),
        "a late event"
    );

    // A purge of the days before yesterday's yesterday, and an erasure.
    let first_kept = pulse_db::time::Day(Utc::now().timestamp_millis() / 86_400_000 - 2);
    writer.purge_before(first_kept).await.unwrap();
    let table = past_week(reader, Utc::now()).await;
    assert_eq!(counts(&table, "cy"), (0, 0), "purged");
    assert_eq!(counts(&table, "ada"), (1, 1), "purged");
    writer
        .forget_user("ada", "test", Millis::now())
        .await
        .unwrap();
    assert!(
        row(&past_week(reader, Utc::now()).await, "ada").is_none(),
        "erased"
    );

    writer.close().await;
    db.cleanup().await;
}

/// The dashboard of agent "tutor" for `period` in `tz` at `now`.
async fn dashboard(
    store: &Store,
    period: &str,
    tz: &str,
    now: DateTime<Utc>,
) -> pulse_model::Dashboard {
    let agent = store.find_agent("tutor").await.unwrap().unwrap();
    let query = PeriodQuery {
        period: period.into(),
        tz: tz.into(),
        ..PeriodQuery::default()
    };
    let selection = Selection::new(store, &agent, &query, now).unwrap();
    selection.dashboard(Settings::default()).await.unwrap()
}

/// A moving period read again later, by a store that keeps its closed
/// days (laid out by the earlier read's shorter calendar), answers what a
/// store keeping nothing computes, across recent writes, in a zone whose
/// hours straddle UTC midnights (+05:45) and in one with DST.
#[rstest]
#[case::sqlite(TestBackend::Sqlite)]
#[case::postgres(TestBackend::Postgres)]
#[tokio::test]
async fn kept_closed_days_give_what_is_computed_afresh(#[case] backend: TestBackend) {
    let db = TestDb::new(backend).await;
    let keeping = &db.store;
    // Reads at three instants up to now (events cannot be in the future).
    let base = Utc::now() - chrono::Duration::minutes(210);
    let at = |minutes: i64| (base - chrono::Duration::minutes(minutes)).to_rfc3339();
    let mut events = Vec::new();
    for n in 0..120i64 {
        let kind = ["message", "heartbeat"][(n % 2) as usize];
        let user = format!("u{}", n % 9);
        events.push(event(&format!("e{n}"), kind, &user, &at(n * 173 + 7)));
    }
    // Each learner ten minutes either side of the last UTC midnights: one
    // local hour and day on both sides of where the kept part ends.
    let today = base.timestamp_millis().div_euclid(86_400_000);
    for day in today - 3..=today {
        for (side, offset) in [("before", -10i64), ("after", 10)] {
            let instant =
                chrono::DateTime::from_timestamp_millis(day * 86_400_000 + offset * 60_000)
                    .unwrap();
            if instant < base {
                for user in 0..9 {
                    let id = format!("{side}-{day}-{user}");
                    events.push(event(
                        &id,
                        "message",
                        &format!("u{user}"),
                        &instant.to_rfc3339(),
                    ));
                }
            }
        }
    }
    ingest(keeping, &events).await;
    for tz in ["Asia/Kathmandu", "America/New_York"] {
        for period in ["7d", "30d"] {
            for (step, later) in [0i64, 90, 200].into_iter().enumerate() {
                // A recent event between reads: the data version moves,
                // the history version stays.
                let id = format!("recent-{tz}-{period}-{step}");
                ingest(keeping, &[event(&id, "message", "u1", &at(-later + 1))]).await;
                let now = base + chrono::Duration::minutes(later);
                let kept = dashboard(keeping, period, tz, now).await;
                let fresh_store = Store::connect(&db.url).await.unwrap();
                fresh_store.forget_figures();
                let fresh = dashboard(&fresh_store, period, tz, now).await;
                fresh_store.close().await;
                assert_eq!(kept, fresh, "{backend:?} {tz} {period} {later} min later");
            }
        }
    }
    db.cleanup().await;
}
