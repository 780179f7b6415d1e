//! Hand-worked cases of the follow-up statuses and the learner view
//! (METRICS.md, "Follow-up status" and "One learner"): each boundary of a
//! status, DST days in the day-by-day series, sessions over all time.

use crate::support;

use chrono::{DateTime, Utc};
use pulse_db::Store;
use pulse_db::analytics::{AnalyticsError, LearnerError, Selection, Settings};
use pulse_model::{FollowUpStatus, LearnerSession, LearnerView, PeriodQuery, UserRow};
use support::{TestEvent, custom, event, on_each_backend, utc};
async fn rows(store: &Store, query: &PeriodQuery, now: DateTime<Utc>, days: u32) -> Vec<UserRow> {
    let agent = store.find_agent("tutor").await.unwrap().unwrap();
    let selection = Selection::new(store, &agent, query, now)
        .unwrap()
        .with_inactive_days(days)
        .unwrap();
    selection.users().await.unwrap().users
}

fn status_of(rows: &[UserRow], user: &str) -> FollowUpStatus {
    rows.iter()
        .find(|row| row.user_id == user)
        .unwrap_or_else(|| panic!("a row for {user}"))
        .status
}

async fn learner(
    store: &Store,
    query: &PeriodQuery,
    now: DateTime<Utc>,
    user: &str,
) -> Result<LearnerView, LearnerError> {
    let agent = store.find_agent("tutor").await.unwrap().unwrap();
    let selection = Selection::new(store, &agent, query, now).unwrap();
    selection.learner(user, Settings::default()).await
}

#[tokio::test]
async fn each_status_starts_exactly_at_its_boundary() {
    // now = 15 June 12:00 UTC, inactive_days = 14: the window is
    // [1 June 12:00, 15 June 12:00]. Period 10-15 June (UTC), which has
    // not ended: it runs to now, and the previous period runs from 4 June
    // 00:00 to the same time of day six days earlier, 9 June 12:00.
    let events = [
        // Its last event opens the window exactly: not stopped.
        event("a1", "message", "edge", "2026-05-01T08:00:00Z"),
        event("a2", "heartbeat", "edge", "2026-06-01T12:00:00Z"),
        // One millisecond earlier: stopped.
        event("b1", "message", "gone", "2026-05-01T08:00:00Z"),
        event("b2", "heartbeat", "gone", "2026-06-01T11:59:59.999Z"),
        // First event at the period's first instant: new.
        event("c1", "message", "fresh", "2026-06-10T00:00:00Z"),
        // First event one millisecond before the period (after the previous
        // period's end), one in it: active.
        event("d1", "message", "before", "2026-06-09T23:59:59.999Z"),
        event("d2", "message", "before", "2026-06-11T10:00:00Z"),
        // Two days before, none now: slowing (0 * 2 < 2).
        event("e0", "message", "slow", "2026-05-20T10:00:00Z"),
        event("e1", "message", "slow", "2026-06-04T10:00:00Z"),
        event("e2", "message", "slow", "2026-06-05T10:00:00Z"),
        // Two days before, one now: 1 * 2 < 2 is false: active.
        event("f0", "message", "steady", "2026-05-20T10:00:00Z"),
        event("f1", "message", "steady", "2026-06-04T10:00:00Z"),
        event("f2", "message", "steady", "2026-06-05T10:00:00Z"),
        event("f3", "message", "steady", "2026-06-12T10:00:00Z"),
        // Three days before, one now: 2 < 3: slowing.
        event("g0", "message", "third", "2026-05-20T10:00:00Z"),
        event("g1", "message", "third", "2026-06-04T10:00:00Z"),
        event("g2", "message", "third", "2026-06-05T10:00:00Z"),
        event("g3", "message", "third", "2026-06-06T10:00:00Z"),
        event("g4", "message", "third", "2026-06-12T10:00:00Z"),
        // Its latest event is after `now`, none in the window, earlier
        // ones: stopped (the latest alone cannot tell).
        event("h1", "message", "ahead", "2026-05-01T08:00:00Z"),
        event("h2", "message", "ahead", "2026-06-15T12:02:00Z"),
        // The same with one event in the window: active.
        event("i1", "message", "ahead2", "2026-05-01T08:00:00Z"),
        event("i2", "message", "ahead2", "2026-06-14T08:00:00Z"),
        event("i3", "message", "ahead2", "2026-06-15T12:02:00Z"),
    ];
    on_each_backend(&events, async |store| {
        let agent = store.find_agent("tutor").await.unwrap().unwrap();
        store
            .register(
                &agent,
                "quiet",
                utc("2026-05-01T00:00:00Z").into(),
                pulse_db::learners::Naming::Platform,
            )
            .await
            .unwrap();
        let now = utc("2026-06-15T12:00:00Z");
        let query = custom("2026-06-10", "2026-06-15", "UTC");
        let table = rows(store, &query, now, 14).await;
        let expected = [
            ("edge", FollowUpStatus::Active),
            ("gone", FollowUpStatus::Stopped),
            ("fresh", FollowUpStatus::New),
            ("before", FollowUpStatus::Active),
            ("slow", FollowUpStatus::Slowing),
            ("steady", FollowUpStatus::Active),
            ("third", FollowUpStatus::Slowing),
            ("ahead", FollowUpStatus::Stopped),
            ("ahead2", FollowUpStatus::Active),
            ("quiet", FollowUpStatus::NeverStarted),
        ];
        for (user, status) in expected {
            assert_eq!(status_of(&table, user), status, "{user}");
        }
        let before = table.iter().find(|row| row.user_id == "before").unwrap();
        assert_eq!(
            (
                before.first_active,
                before.previous_messages,
                before.previous_active_days
            ),
            (Some(utc("2026-06-09T23:59:59.999Z")), 0, 0)
        );
        // With 15 days the window opens at 31 May 12:00: gone is back.
        let longer = rows(store, &query, now, 15).await;
        assert_eq!(status_of(&longer, "gone"), FollowUpStatus::Active);
        // With 1 day, slow has no event since 14 June 12:00: stopped.
        let shorter = rows(store, &query, now, 1).await;
        assert_eq!(status_of(&shorter, "slow"), FollowUpStatus::Stopped);
        assert_eq!(status_of(&shorter, "ahead2"), FollowUpStatus::Stopped);
        // The status follows the clock alone: a day later, edge has gone.
        let later = rows(store, &query, utc("2026-06-16T12:00:00Z"), 14).await;
        assert_eq!(status_of(&later, "edge"), FollowUpStatus::Stopped);
    })
    .await;
}

#[tokio::test]
async fn inactive_days_outside_its_range_is_refused_by_name() {
    let events = [event("a1", "message", "ann", "2026-06-01T10:00:00Z")];
    on_each_backend(&events, async |store| {
        let agent = store.find_agent("tutor").await.unwrap().unwrap();
        for days in [0, 3651] {
            let error = Selection::new(store, &agent, &PeriodQuery::default(), Utc::now())
                .unwrap()
                .with_inactive_days(days)
                .err()
                .expect("refused");
            assert!(matches!(error, AnalyticsError::BadPeriod(_)));
            assert!(error.to_string().contains("inactive_days"), "{error}");
        }
    })
    .await;
}

fn in_session(id: &str, kind: &'static str, at: &str, session: &str) -> TestEvent {
    TestEvent {
        session: Some(session.into()),
        ..event(id, kind, "ann", at)
    }
}

#[tokio::test]
async fn a_fall_back_day_counts_its_repeated_hour_once() {
    // New York fell back on 1 November 2026: 01:00-02:00 came twice,
    // 05:00-06:00 UTC (EDT) and 06:00-07:00 UTC (EST).
    let events = [
        in_session("e1", "message", "2026-11-01T05:30:00Z", "s1"), // 01:30 EDT
        in_session("e2", "heartbeat", "2026-11-01T06:30:00Z", "s1"), // 01:30 EST
        in_session("e3", "message", "2026-11-01T12:00:00Z", "s1"), // 07:00 EST
        in_session("e4", "session_end", "2026-11-03T15:00:00Z", "s1"), // after the period
        in_session("e5", "message", "2026-10-30T12:00:00Z", "s0"), // before it
        in_session("e6", "message", "2026-10-31T23:00:00Z", "s2"), // 19:00 EDT, the 31st
        in_session("e7", "heartbeat", "2026-11-02T14:00:00Z", "s2"), // in the period
        event("o1", "message", "bob", "2026-11-01T12:00:00Z"),
        event("o2", "message", "bob", "2026-11-01T12:05:00Z"),
        event("o3", "message", "bob", "2026-11-02T12:05:00Z"),
    ];
    on_each_backend(&events, async |store| {
        let agent = store.find_agent("tutor").await.unwrap().unwrap();
        store
            .register(
                &agent,
                "quiet",
                utc("2026-05-01T00:00:00Z").into(),
                pulse_db::learners::Naming::Platform,
            )
            .await
            .unwrap();
        let now = utc("2026-11-20T00:00:00Z");
        let query = custom("2026-11-01", "2026-11-02", "America/New_York");
        let view = learner(store, &query, now, "ann").await.unwrap();
        let days: Vec<(String, u64, u64)> = view
            .days
            .iter()
            .map(|day| (day.date.to_string(), day.messages, day.active_hours))
            .collect();
        assert_eq!(
            days,
            [
                ("2026-11-01".to_owned(), 2, 2), // 01:00 (twice, once) and 07:00
                ("2026-11-02".to_owned(), 0, 1), // 09:00 EST
            ]
        );
        // Sessions with an event in the period, newest start first, each
        // over all time; s0 has none in it.
        let session =
            |id: &str, start: &str, end: &str, messages: u64, ended: bool| LearnerSession {
                session_id: id.into(),
                start: utc(start),
                end: utc(end),
                messages,
                ended,
            };
        assert_eq!(
            view.sessions,
            [
                session(
                    "s1",
                    "2026-11-01T05:30:00Z",
                    "2026-11-03T15:00:00Z",
                    2,
                    true
                ),
                session(
                    "s2",
                    "2026-10-31T23:00:00Z",
                    "2026-11-02T14:00:00Z",
                    1,
                    false
                ),
            ]
        );
        // Sunday 1 November: 01:00 once (a learner-hour), 07:00; Monday 09:00.
        assert_eq!(view.heatmap.users[6][1], 1);
        assert_eq!(view.heatmap.users[6][7], 1);
        assert_eq!(view.heatmap.users[0][9], 1);
        assert_eq!(view.heatmap.messages[6][1], 1);
        // ann 2 messages, bob 3, quiet 0: median 2; active days 2, 2, 0.
        assert_eq!(view.agent_median.messages, 2.0);
        assert_eq!(view.agent_median.active_days, 2.0);
        assert!(!view.online);
        assert_eq!(view.user.messages, 2);
        assert_eq!(view.user.first_active, Some(utc("2026-10-30T12:00:00Z")));
        // Nobody else's learner view, nor an unknown one.
        for user in ["nobody", ""] {
            assert!(matches!(
                learner(store, &query, now, user).await,
                Err(LearnerError::UnknownLearner(_))
            ));
        }
    })
    .await;
}

#[tokio::test]
async fn a_spring_forward_day_has_one_day_of_23_hours() {
    // New York sprang forward on 8 March 2026: 01:59 EST is 06:59 UTC, and
    // 07:00 UTC is already 03:00 EDT.
    let events = [
        event("e1", "message", "ann", "2026-03-08T06:59:00Z"),
        event("e2", "message", "ann", "2026-03-08T07:00:00Z"),
        event("e3", "message", "ann", "2026-03-08T07:30:00Z"),
    ];
    on_each_backend(&events, async |store| {
        let now = utc("2026-03-20T00:00:00Z");
        let query = custom("2026-03-08", "2026-03-08", "America/New_York");
        let view = learner(store, &query, now, "ann").await.unwrap();
        assert_eq!(view.days.len(), 1);
        assert_eq!(
            (view.days[0].messages, view.days[0].active_hours),
            (3, 2),
            "01:00 and 03:00"
        );
        assert_eq!(view.agent_median.messages, 3.0);
    })
    .await;
}
