//! Removing data, checked against a rebuild: a database from which a
//! learner was erased (or old events purged) holds the same rows and reads
//! the same figures as a database into which that data was never written.
//! The property test (`analytics_oracle`) checks erasure against the
//! oracle too.

use crate::support;

use chrono::{DateTime, Duration, Utc};
use pulse_db::Store;
use pulse_db::analytics::{Selection, Settings};
use pulse_db::contact_marks::{Contact, check, mark};
use pulse_db::testing::{BACKENDS, TestDb};
use pulse_db::time::{DAY_MS, Day, Millis};
use pulse_model::{Dashboard, PeriodQuery, Retention, WeekStart};
use support::{TestEvent, custom, ingest, utc};

fn now() -> DateTime<Utc> {
    utc("2026-11-02T15:00:00Z")
}

const AGENTS: [&str; 2] = ["tutor", "coach"];

/// Three weeks of two agents' events: the erased learner "eve" on both,
/// sharing quarter hours (and so message slots) with others.
fn events() -> Vec<TestEvent> {
    let start = utc("2026-10-12T06:00:00Z");
    let users = ["ann", "bob", "eve", "cy"];
    let kinds = [
        "session_start",
        "message",
        "message",
        "heartbeat",
        "session_end",
    ];
    let mut events = Vec::new();
    for step in 0..420_i64 {
        let user = users[(step * 7 % 11 % 4) as usize];
        let agent = AGENTS[usize::from(step % 3 == 0)];
        events.push(TestEvent {
            id: format!("e{step}"),
            kind: kinds[(step % 5) as usize],
            agent: agent.into(),
            user: user.into(),
            at: start + Duration::minutes(step * 73),
            session: Some(format!("s{}", step / 5)),
        });
    }
    events
}

async fn figures(store: &Store, agent_id: &str) -> Vec<(Dashboard, Retention)> {
    let agent = store.find_agent(agent_id).await.unwrap().unwrap();
    let mut out = Vec::new();
    for query in [
        custom("2026-10-01", "2026-11-02", "America/New_York"),
        PeriodQuery {
            section: Some("p1".into()),
            ..custom("2026-10-20", "2026-11-01", "Asia/Kathmandu")
        },
    ] {
        let selection = Selection::new(store, &agent, &query, now()).unwrap();
        let mut dashboard = selection.dashboard(Settings::default()).await.unwrap();
        dashboard
            .users
            .users
            .sort_by(|a, b| a.user_id.cmp(&b.user_id));
        let retention = selection.retention(6, WeekStart::Sunday).await.unwrap();
        out.push((dashboard, retention));
    }
    out
}

/// Registrations, a section with members and contact marks, for `users`.
async fn registry(store: &Store, users: &[&str]) {
    for agent_id in AGENTS {
        store.put_agent(agent_id, agent_id).await.unwrap();
        let agent = store.find_agent(agent_id).await.unwrap().unwrap();
        store.put_section(&agent, "p1", "Period 1").await.unwrap();
        for user in users {
            let at = Millis::from(utc("2026-10-01T08:00:00Z"));
            store
                .register(&agent, user, at, pulse_db::learners::Naming::Platform)
                .await
                .unwrap();
            store
                .add_section_member(
                    &agent,
                    "p1",
                    user,
                    (at, pulse_db::learners::Naming::Platform),
                )
                .await
                .unwrap();
        }
        let ids: Vec<String> = users.iter().map(|user| (*user).to_owned()).collect();
        let contact = Contact {
            user_ids: &ids,
            by: "teacher",
            note: "checked in",
            reminder: false,
        };
        let checked = check(store, &agent, &contact).await.unwrap();
        let at = Millis::from(utc("2026-10-30T08:00:00Z"));
        mark(store, &agent, &contact, &checked, at).await.unwrap();
    }
}

/// Every row of every table that names a user, by public ids, sorted.
async fn user_rows(db: &TestDb) -> Vec<String> {
    let mut rows = Vec::new();
    for (table, columns) in [
        ("events", "t.agent_id, t.kind, t.at"),
        ("memberships", "t.agent_id, t.registered_at"),
        (
            "activity_days",
            "t.agent_id, t.day, t.quarters_am, t.quarters_pm, t.messages",
        ),
        ("last_activity", "t.agent_id, t.first_at, t.at"),
        ("sessions", "t.agent_id, t.session_key, t.last_at, t.ended"),
        ("contact_marks", "t.agent_id, t.marked_at"),
        ("section_members", "t.section_id"),
    ] {
        let sql = format!(
            "SELECT u.user_key, CAST(({}) AS TEXT) FROM {table} t JOIN users u ON u.id = t.user_id",
            columns.replace(", ", ") AS TEXT) || ' ' || CAST((")
        );
        for (user, values) in db.text_rows(&sql).await {
            rows.push(format!("{table} {user} {values}"));
        }
    }
    let slots = "SELECT CAST(agent_id AS TEXT), CAST(slot AS TEXT) || ' ' || CAST(messages AS TEXT) \
                 FROM message_quarters";
    for (agent, values) in db.text_rows(slots).await {
        rows.push(format!("message_quarters {agent} {values}"));
    }
    rows.sort();
    rows
}

#[tokio::test]
async fn an_erased_learner_leaves_what_a_data_set_without_them_holds() {
    for backend in BACKENDS {
        let erased = TestDb::new(backend).await;
        let rebuilt = TestDb::new(backend).await;
        let all = events();
        let without: Vec<TestEvent> = all.iter().filter(|e| e.user != "eve").cloned().collect();
        // The same order of writes, so that surrogate keys agree.
        registry(&erased.store, &["ann", "bob", "eve", "cy"]).await;
        registry(&rebuilt.store, &["ann", "bob", "cy"]).await;
        ingest(&erased.store, &all).await;
        ingest(&rebuilt.store, &without).await;
        let before = figures(&erased.store, "tutor").await;

        let erasure = erased
            .store
            .forget_user("eve", "test", Millis::now())
            .await
            .unwrap()
            .expect("eve exists");
        assert_eq!(erasure.events, (all.len() - without.len()) as u64);
        assert_eq!(erasure.agents, 2);
        for agent in AGENTS {
            assert_eq!(
                figures(&erased.store, agent).await,
                figures(&rebuilt.store, agent).await,
                "{backend:?} {agent}"
            );
        }
        assert_ne!(before, figures(&erased.store, "tutor").await);
        assert_eq!(
            user_rows(&erased).await,
            user_rows(&rebuilt).await,
            "{backend:?}"
        );
        let eve = erased
            .text_rows("SELECT user_key, user_key FROM users WHERE user_key = 'eve'")
            .await;
        assert!(eve.is_empty(), "{backend:?}: {eve:?}");
        // The log keeps who, when and which id, and nothing else of her.
        let log = erased
            .text_rows("SELECT user_key, erased_by || ' ' || CAST(events AS TEXT) FROM erasures")
            .await;
        assert_eq!(
            log,
            vec![("eve".to_owned(), format!("test {}", erasure.events))]
        );
        erased.cleanup().await;
        rebuilt.cleanup().await;
    }
}

#[tokio::test]
async fn purged_days_leave_what_a_data_set_without_them_holds() {
    for backend in BACKENDS {
        let purged = TestDb::new(backend).await;
        let rebuilt = TestDb::new(backend).await;
        let first_kept = Day(Millis::from(utc("2026-10-22T00:00:00Z")).0 / DAY_MS);
        let cutoff = utc("2026-10-22T00:00:00Z");
        let all = events();
        let kept: Vec<TestEvent> = all.iter().filter(|e| e.at >= cutoff).cloned().collect();
        assert!(kept.len() < all.len() && !kept.is_empty());
        let users = ["ann", "bob", "eve", "cy"];
        registry(&purged.store, &users).await;
        registry(&rebuilt.store, &users).await;
        ingest(&purged.store, &all).await;
        ingest(&rebuilt.store, &kept).await;

        let deleted = purged.store.purge_before(first_kept).await.unwrap();
        assert_eq!(deleted, (all.len() - kept.len()) as u64);
        for agent in AGENTS {
            assert_eq!(
                figures(&purged.store, agent).await,
                figures(&rebuilt.store, agent).await,
                "{backend:?} {agent}"
            );
        }
        assert_eq!(
            user_rows(&purged).await,
            user_rows(&rebuilt).await,
            "{backend:?}"
        );
        // Again: nothing left to delete.
        assert_eq!(purged.store.purge_before(first_kept).await.unwrap(), 0);
        purged.cleanup().await;
        rebuilt.cleanup().await;
    }
}

/// SQLite keeps deleted rows in free pages unless told otherwise: after an
/// erasure and a checkpoint, no byte of the learner's names or of a note
/// about them is left in the database file or its write-ahead log.
#[tokio::test]
async fn an_erased_learner_leaves_no_byte_of_their_names_in_the_sqlite_file() {
    use sqlx::Connection;
    let db = TestDb::new(pulse_db::testing::TestBackend::Sqlite).await;
    let store = &db.store;
    ingest(store, &events()).await;
    registry(store, &["ann", "bob", "eve", "cy"]).await;
    store
        .put_user("eve", Some("eve.secretusername"), Some("Eve Secretname"))
        .await
        .unwrap();
    let agent = store.find_agent("tutor").await.unwrap().unwrap();
    let ids = vec!["eve".to_owned()];
    let contact = Contact {
        user_ids: &ids,
        by: "teacher",
        note: "Called Eve at home 555-0100",
        reminder: false,
    };
    let checked = check(store, &agent, &contact).await.unwrap();
    mark(store, &agent, &contact, &checked, Millis::from(now()))
        .await
        .unwrap();
    let secrets = ["eve.secretusername", "Eve Secretname", "555-0100"];
    let path = db.url.trim_start_matches("sqlite://").to_owned();
    let files = || {
        [path.clone(), format!("{path}-wal")]
            .into_iter()
            .filter_map(|file| std::fs::read(file).ok())
            .collect::<Vec<Vec<u8>>>()
    };
    let found = |bytes: &[Vec<u8>], secret: &str| {
        bytes.iter().any(|file| {
            file.windows(secret.len())
                .any(|window| window == secret.as_bytes())
        })
    };
    // The test can fail: before the erasure every secret is on disk.
    let before = files();
    assert!(secrets.iter().all(|secret| found(&before, secret)));
    store
        .forget_user("eve", "test", Millis::from(now()))
        .await
        .unwrap()
        .expect("eve existed");
    let mut outside = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut outside)
        .await
        .unwrap();
    outside.close().await.unwrap();
    let after = files();
    for secret in secrets {
        assert!(!found(&after, secret), "{secret:?} is still in the file");
    }
    db.cleanup().await;
}
