//! Storing events: idempotency, automatic registration, names, sessions and
//! concurrency, on SQLite and PostgreSQL.

use crate::support;

use chrono::{Duration, Utc};
use pulse_db::Store;
use pulse_db::analytics::{Selection, Settings};
use pulse_db::ingest::{ValidBatch, validate_batch};
use pulse_db::testing::{TestBackend, TestDb};
use pulse_db::time::Millis;
use pulse_model::PeriodQuery;
use rstest::rstest;
use serde_json::json;
use support::{TestEvent, event, ingest, utc};

async fn stored_events(store: &Store) -> usize {
    let agent = store.find_agent("tutor").await.unwrap().unwrap();
    store
        .raw_activity(&agent, Millis(0), Millis(i64::MAX))
        .await
        .unwrap()
        .len()
}

#[rstest]
#[case::sqlite(TestBackend::Sqlite)]
#[case::postgres(TestBackend::Postgres)]
#[tokio::test]
async fn duplicates_within_and_across_batches_are_stored_once(#[case] backend: TestBackend) {
    let db = TestDb::new(backend).await;
    let first = [
        event("a", "message", "ann", "2026-06-01T10:00:00Z"),
        event("a", "message", "ann", "2026-06-01T11:00:00Z"),
        event("b", "message", "ann", "2026-06-01T12:00:00Z"),
    ];
    let counts = ingest(&db.store, &first).await;
    assert_eq!((counts.accepted, counts.duplicates), (2, 1), "{backend:?}");
    let again = ingest(&db.store, &first).await;
    assert_eq!((again.accepted, again.duplicates), (0, 3), "{backend:?}");
    assert_eq!(stored_events(&db.store).await, 2);
    // The copy of "a" at 11:00 changed nothing: ann's messages are at 10:00 and 12:00.
    let agent = db.store.find_agent("tutor").await.unwrap().unwrap();
    let query = PeriodQuery {
        period: "custom".into(),
        from: Some("2026-06-01".into()),
        to: Some("2026-06-01".into()),
        tz: "UTC".into(),
        section: None,
    };
    let day = Selection::new(&db.store, &agent, &query, utc("2026-06-02T00:00:00Z")).unwrap();
    let trend = day.trend().await.unwrap();
    let hours: Vec<u64> = trend.buckets.iter().map(|b| b.messages).collect();
    assert_eq!((hours[10], hours[11], hours[12]), (1, 0, 1), "{backend:?}");
    db.cleanup().await;
}

#[rstest]
#[case::sqlite(TestBackend::Sqlite)]
#[case::postgres(TestBackend::Postgres)]
#[tokio::test]
async fn concurrent_batches_with_overlapping_ids_store_each_event_once(
    #[case] backend: TestBackend,
) {
    let db = TestDb::new(backend).await;
    let base = utc("2026-06-01T10:00:00Z");
    let batches: Vec<Vec<TestEvent>> = (0..8)
        .map(|client| {
            (0..200)
                .map(|n| {
                    // Clients overlap: ids repeat across neighbouring clients.
                    let id = (client * 100 + n) % 1000;
                    TestEvent {
                        id: format!("ev-{id}"),
                        kind: "message",
                        agent: "tutor".into(),
                        user: format!("user-{}", id % 37),
                        at: base + Duration::seconds(i64::from(id)),
                        session: None,
                    }
                })
                .collect()
        })
        .collect();
    let tasks: Vec<_> = batches
        .into_iter()
        .map(|batch| {
            let store = db.store.clone();
            tokio::spawn(async move { ingest(&store, &batch).await })
        })
        .collect();
    let mut accepted = 0;
    for task in tasks {
        let counts = task.await.unwrap();
        assert_eq!(counts.accepted + counts.duplicates, 200);
        accepted += counts.accepted;
    }
    // Ids 0..=899 were sent: client c sends (100c .. 100c+199) mod 1000.
    let unique = (0..8)
        .flat_map(|c| (0..200).map(move |n| (c * 100 + n) % 1000))
        .collect::<std::collections::BTreeSet<_>>();
    assert_eq!(accepted as usize, unique.len(), "{backend:?}");
    assert_eq!(stored_events(&db.store).await, unique.len(), "{backend:?}");
    // The rollups written by racing transactions equal those rebuilt
    // from the raw events alone.
    let agent = db.store.find_agent("tutor").await.unwrap().unwrap();
    let query = PeriodQuery {
        period: "custom".into(),
        from: Some("2026-06-01".into()),
        to: Some("2026-06-01".into()),
        tz: "Asia/Kolkata".into(),
        section: None,
    };
    let figures = async || {
        let selection =
            Selection::new(&db.store, &agent, &query, utc("2026-06-05T00:00:00Z")).unwrap();
        selection.dashboard(Settings::default()).await.unwrap()
    };
    let raced = figures().await;
    db.store.rebuild_rollups().await.unwrap();
    assert_eq!(figures().await, raced, "{backend:?}");
    db.cleanup().await;
}

#[rstest]
#[case::sqlite(TestBackend::Sqlite)]
#[case::postgres(TestBackend::Postgres)]
#[tokio::test]
async fn the_first_batch_registers_a_user_at_their_earliest_event(#[case] backend: TestBackend) {
    let db = TestDb::new(backend).await;
    ingest(
        &db.store,
        &[
            event("1", "heartbeat", "ann", "2026-06-02T10:00:00Z"),
            event("2", "message", "ann", "2026-06-01T08:00:00Z"),
        ],
    )
    .await;
    // A later batch with an earlier event does not move the registration.
    ingest(
        &db.store,
        &[event("3", "message", "ann", "2026-05-01T08:00:00Z")],
    )
    .await;
    let agent = db.store.find_agent("tutor").await.unwrap().unwrap();
    let members = db.store.registered_learners(&agent).await.unwrap();
    assert_eq!(
        members[0].registered_at,
        Millis::from(utc("2026-06-01T08:00:00Z")),
        "{backend:?}"
    );
    assert_eq!(
        members[0].last_active,
        Some(Millis::from(utc("2026-06-02T10:00:00Z")))
    );
    // An explicit registration replaces it; unregistering keeps the events.
    db.store
        .register(
            &agent,
            "ann",
            utc("2026-01-01T00:00:00Z").into(),
            pulse_db::learners::Naming::Platform,
        )
        .await
        .unwrap();
    assert_eq!(
        db.store.registered_learners(&agent).await.unwrap()[0].registered_at,
        Millis::from(utc("2026-01-01T00:00:00Z"))
    );
    assert!(db.store.unregister(&agent, "ann").await.unwrap());
    assert!(!db.store.unregister(&agent, "ann").await.unwrap());
    assert!(
        db.store
            .registered_learners(&agent)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(stored_events(&db.store).await, 3);
    db.cleanup().await;
}

#[rstest]
#[case::sqlite(TestBackend::Sqlite)]
#[case::postgres(TestBackend::Postgres)]
#[tokio::test]
async fn the_last_name_received_wins_and_missing_fields_stay(#[case] backend: TestBackend) {
    let db = TestDb::new(backend).await;
    let now = Utc::now();
    let with_names = |id: &str, username: Option<&str>, name: Option<&str>| {
        let mut value = json!({"id": id, "type": "message", "agent_id": "tutor", "user_id": "u1", "at": "2026-06-01T10:00:00Z"});
        if let Some(username) = username {
            value["username"] = json!(username);
        }
        if let Some(name) = name {
            value["name"] = json!(name);
        }
        value
    };
    let store_values = async |values: Vec<serde_json::Value>| {
        let batch: ValidBatch = validate_batch(&values, now).unwrap();
        db.store.ingest(&batch, Millis(0)).await.unwrap();
    };
    store_values(vec![
        with_names("1", Some("ann"), Some("Ann")),
        with_names("2", None, Some("Ann B")),
    ])
    .await;
    store_values(vec![with_names("3", Some("annb"), None)]).await;
    // A duplicate's names change nothing.
    store_values(vec![with_names("1", Some("ignored"), Some("Ignored"))]).await;
    let agent = db.store.find_agent("tutor").await.unwrap().unwrap();
    let member = &db.store.registered_learners(&agent).await.unwrap()[0];
    assert_eq!(
        (member.username.as_deref(), member.name.as_deref()),
        (Some("annb"), Some("Ann B")),
        "{backend:?}"
    );
    db.store
        .put_user("u1", None, Some("Ann Brown"))
        .await
        .unwrap();
    let member = &db.store.registered_learners(&agent).await.unwrap()[0];
    assert_eq!(
        (member.username.as_deref(), member.name.as_deref()),
        (Some("annb"), Some("Ann Brown"))
    );
    db.cleanup().await;
}

#[rstest]
#[case::sqlite(TestBackend::Sqlite)]
#[case::postgres(TestBackend::Postgres)]
#[tokio::test]
async fn online_counts_open_recent_sessions_with_session_end_winning_ties(
    #[case] backend: TestBackend,
) {
    let db = TestDb::new(backend).await;
    let now = utc("2026-06-01T12:00:00Z");
    let at = |minutes_ago: i64| (now - Duration::minutes(minutes_ago)).to_rfc3339();
    let mut events = vec![
        // ann: open session, 2 minutes old -> online.
        event("1", "session_start", "ann", &at(2)),
        // bob: ended -> offline.
        event("2", "session_start", "bob", &at(3)),
        event("3", "session_end", "bob", &at(1)),
        // cid: open but 6 minutes old -> offline.
        event("4", "heartbeat", "cid", &at(6)),
        // dee: heartbeat and end at the same instant -> ended.
        event("5", "heartbeat", "dee", &at(1)),
        event("6", "session_end", "dee", &at(1)),
        // eve: one session ended, another open -> online once.
        event("7", "session_end", "eve", &at(1)),
        event("8", "heartbeat", "eve", &at(1)),
    ];
    events[6].session = Some("old".into());
    events[7].session = Some("new".into());
    // Late arrival of an older event does not reopen bob's session.
    let late = [event("9", "heartbeat", "bob", &at(2))];
    ingest(&db.store, &events).await;
    ingest(&db.store, &late).await;
    let agent = db.store.find_agent("tutor").await.unwrap().unwrap();
    let selection = Selection::new(&db.store, &agent, &PeriodQuery::default(), now).unwrap();
    let overview = selection.overview(Settings::default()).await.unwrap();
    assert_eq!(overview.online, 2, "{backend:?}: ann and eve");
    db.cleanup().await;
}

#[rstest]
#[case::sqlite(TestBackend::Sqlite)]
#[case::postgres(TestBackend::Postgres)]
#[tokio::test]
async fn rollups_rebuilt_from_raw_events_give_the_same_figures(#[case] backend: TestBackend) {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let db = TestDb::new(backend).await;
    let mut events: Vec<TestEvent> = (0..60)
        .map(|n| {
            event(
                &format!("e{n}"),
                ["message", "heartbeat", "session_end"][n % 3],
                &format!("u{}", n % 7),
                &format!("2026-06-{:02}T{:02}:{:02}:00Z", 1 + n % 20, n % 24, n % 60),
            )
        })
        .collect();
    events[5].session = Some("s".into());
    ingest(&db.store, &events).await;
    let query = PeriodQuery {
        period: "30d".into(),
        tz: "Europe/Paris".into(),
        ..PeriodQuery::default()
    };
    let now = utc("2026-06-21T12:00:00Z");
    let figures = async || {
        let agent = db.store.find_agent("tutor").await.unwrap().unwrap();
        let selection = Selection::new(&db.store, &agent, &query, now).unwrap();
        selection.dashboard(Settings::default()).await.unwrap()
    };
    let before = figures().await;
    // Damage the rollups behind the store's back: the figures change...
    let mut connection = sqlx::AnyConnection::connect(&db.url).await.unwrap();
    sqlx::query("UPDATE activity_days SET messages = messages + 5")
        .execute(&mut connection)
        .await
        .unwrap();
    sqlx::query("DELETE FROM message_quarters")
        .execute(&mut connection)
        .await
        .unwrap();
    // As every writer must, or the figures kept since would be served.
    sqlx::query(
        "UPDATE agents SET data_version = data_version + 1, history_version = history_version + 1",
    )
    .execute(&mut connection)
    .await
    .unwrap();
    connection.close().await.unwrap();
    assert_ne!(figures().await, before, "{backend:?}");
    // ...and a rebuild from the raw events restores them exactly.
    assert_eq!(db.store.rebuild_rollups().await.unwrap(), 60);
    assert_eq!(figures().await, before, "{backend:?}");
    // An event of a kind no version wrote stops the rebuild, which
    // changes nothing, rather than being counted as something else.
    let mut connection = sqlx::AnyConnection::connect(&db.url).await.unwrap();
    sqlx::query("UPDATE events SET kind = 9 WHERE event_key = 'e7'")
        .execute(&mut connection)
        .await
        .unwrap();
    connection.close().await.unwrap();
    let refused = db.store.rebuild_rollups().await.unwrap_err();
    assert!(
        refused.to_string().contains("unknown kind code 9"),
        "{refused}"
    );
    assert_eq!(figures().await, before, "{backend:?}");
    db.cleanup().await;
}

/// `pulse import` stores its file in batches far larger than an HTTP
/// batch, and more event ids than one statement binds: a batch sent again
/// inside a larger one stores only what is new, and every learner is
/// registered once, with the name the platform sent, whatever the order.
#[rstest]
#[case::sqlite(TestBackend::Sqlite)]
#[case::postgres(TestBackend::Postgres)]
#[tokio::test]
async fn bulk_batches_beyond_one_statement_store_each_event_once(#[case] backend: TestBackend) {
    use support::oracle::{Oracle, period};
    // 70,000 ids: more than one statement binds on either backend
    // (SQLite 32,766, PostgreSQL 65,535).
    const USERS: usize = 500;
    const PER_USER: usize = 140;
    let db = TestDb::new(backend).await;
    let start = utc("2026-03-01T00:00:00Z");
    // In time order, as a platform exports its history: each batch holds
    // hundreds of learners, as an import's do.
    let mut events: Vec<TestEvent> = (0..USERS * PER_USER)
        .map(|n| {
            let (user, index) = (n % USERS, n / USERS);
            TestEvent {
                id: format!("{user}-{index}"),
                kind: ["session_start", "message", "message", "heartbeat"][index % 4],
                agent: "tutor".into(),
                user: format!("learner-{user:03}"),
                at: start + Duration::seconds((n * 37 + user * 13 % 97) as i64),
                session: Some(format!("s{user}-{}", index / 4)),
            }
        })
        .collect();
    events.sort_by_key(|event| event.at);
    let name_of = |user: &str| format!("Name of {user}");
    let batch_of = |events: &[TestEvent]| {
        let values: Vec<serde_json::Value> = events
            .iter()
            .map(|event| {
                let mut value = event.json();
                value["name"] = json!(name_of(&event.user));
                value
            })
            .collect();
        // Received after the last of them, whatever the machine's clock.
        let received = events.iter().map(|event| event.at).max().unwrap();
        validate_batch(&values, Utc::now().max(received)).unwrap()
    };
    let first = 60_000;
    let counts = db
        .store
        .ingest(&batch_of(&events[..first]), Millis::now())
        .await
        .unwrap();
    assert_eq!((counts.accepted, counts.duplicates), (first as u64, 0));
    let counts = db
        .store
        .ingest(&batch_of(&events), Millis::now())
        .await
        .unwrap();
    assert_eq!(
        (counts.accepted, counts.duplicates),
        ((events.len() - first) as u64, first as u64),
        "{backend:?}"
    );
    assert_eq!(stored_events(&db.store).await, events.len());

    let mut oracle = Oracle::default();
    oracle.ingest(&events);
    let tz: chrono_tz::Tz = "Europe/Paris".parse().unwrap();
    let now = utc("2026-04-01T12:00:00Z");
    let from = chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
    let to = chrono::NaiveDate::from_ymd_opt(2026, 3, 31).unwrap();
    let query = support::custom("2026-03-01", "2026-03-31", "Europe/Paris");
    let agent = db.store.find_agent("tutor").await.unwrap().unwrap();
    let selection = Selection::new(&db.store, &agent, &query, now).unwrap();
    let dashboard = selection.dashboard(Settings::default()).await.unwrap();
    let expected_period = period("custom", Some(from), Some(to), tz, now);
    let mut users = dashboard.users.users;
    users.sort_by(|a, b| a.user_id.cmp(&b.user_id));
    // The oracle knows no names: the rows' activity is compared here, the
    // names below.
    let expected = oracle.users("tutor", &expected_period, tz, now, 7);
    let activity = |u: &pulse_model::UserRow| {
        let u = u.clone();
        (
            u.user_id,
            u.registered_at,
            u.messages,
            u.active_days,
            u.last_active,
        )
    };
    assert_eq!(users.len(), USERS);
    assert_eq!(
        users.iter().map(activity).collect::<Vec<_>>(),
        expected.iter().map(activity).collect::<Vec<_>>(),
        "{backend:?}"
    );
    let learners = db.store.registered_learners(&agent).await.unwrap();
    assert_eq!(learners.len(), USERS);
    for learner in learners {
        assert_eq!(learner.name, Some(name_of(&learner.user_id)), "{backend:?}");
    }
    db.cleanup().await;
}
