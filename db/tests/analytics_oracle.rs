//! Property test: for random events (duplicates, late arrivals, instants
//! around DST changes), random periods and zones, every figure of the query
//! layer equals the naive oracle's, on SQLite and on PostgreSQL.

use crate::support;

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use pulse_db::analytics::{LearnerError, Selection, Settings};
use pulse_db::testing::{BACKENDS, TestDb};
use pulse_model::{PeriodQuery, WeekStart};
use support::oracle::{Oracle, period};
use support::{TestEvent, ingest, utc};

const ZONES: [&str; 11] = [
    "UTC",
    "America/New_York",
    "Europe/London",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Australia/Lord_Howe",
    "America/Santiago",
    "Pacific/Chatham",
    "America/St_Johns",
    "Europe/Berlin",
    "Antarctica/Casey",
];

/// Moments next to DST changes of the zones above (and a plain one).
const NOWS: [&str; 8] = [
    "2026-03-08T16:20:00Z", // New York sprang forward that morning
    "2026-11-01T13:45:30Z", // New York fell back that morning
    "2026-03-29T10:05:00Z", // Europe sprang forward
    "2026-10-04T03:10:00Z", // Lord Howe moved 30 minutes forward
    "2026-04-05T20:00:00Z", // Chile and Lord Howe fell back
    "2026-06-17T09:31:07Z",
    "2022-10-01T18:00:00Z", // Casey moved to +11 at 16:01 UTC
    "2022-10-05T18:00:00Z", // ... inside a whole UTC day of the period
];

const KINDS: [&str; 4] = ["session_start", "heartbeat", "message", "session_end"];

#[derive(Debug, Clone)]
struct Scenario {
    tz: &'static str,
    now: DateTime<Utc>,
    batches: Vec<Vec<TestEvent>>,
    period: (&'static str, Option<NaiveDate>, Option<NaiveDate>),
    inactive_days: u32,
    /// Which of the users are put in a section of agent-0 at the end (bit n:
    /// user-n); only registered ones are.
    section_mask: u8,
    /// Retention: how many weeks, and whether they start on Sunday.
    weeks: u32,
    sunday: bool,
    /// The user erased at the end (user-n).
    erased: usize,
}

prop_compose! {
    fn event_spec()(
        agent in 0..2usize,
        user in 0..6usize,
        kind in prop::sample::select(vec![0usize, 1, 2, 2, 2, 3]),
        near in any::<bool>(),
        near_offset in -3 * 86_400i64..240,
        far_offset in -45 * 86_400i64..240,
        session in 0..3usize,
        reuse in prop::option::weighted(0.15, 0..1000usize),
    ) -> (usize, usize, usize, i64, usize, Option<usize>) {
        (agent, user, kind, if near { near_offset } else { far_offset }, session, reuse)
    }
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (
        0..ZONES.len(),
        0..NOWS.len(),
        prop::collection::vec(event_spec(), 1..80),
        1..4usize,
        any::<u64>(),
        0..4usize,
        0..40i64,
        // Up to 44 days: a period longer than one run of day rows (32 days).
        1..45i64,
        1..20u32,
        any::<u8>(),
        (1..10u32, any::<bool>()),
    )
        .prop_map(
            |(
                zone,
                now,
                specs,
                batch_count,
                shuffle_seed,
                kind,
                from_back,
                length,
                inactive_days,
                section_mask,
                (weeks, sunday),
            )| {
                let now = utc(NOWS[now]);
                let tz = ZONES[zone];
                let mut events: Vec<TestEvent> = Vec::new();
                for (index, (agent, user, kind, offset, session, reuse)) in
                    specs.into_iter().enumerate()
                {
                    // A reused id is a duplicate: the copy must change nothing.
                    let id = match reuse {
                        Some(pick) if !events.is_empty() => events[pick % events.len()].id.clone(),
                        _ => format!("ev-{index}"),
                    };
                    events.push(TestEvent {
                        id,
                        kind: KINDS[kind],
                        agent: format!("agent-{agent}"),
                        user: format!("user-{user}"),
                        at: now
                            + Duration::seconds(offset)
                            + Duration::milliseconds((index as i64 * 7919) % 1000),
                        session: (session > 0).then(|| format!("s{session}")),
                    });
                }
                // Batches arrive in any order: late events are the norm.
                let mut batches: Vec<Vec<TestEvent>> = vec![Vec::new(); batch_count];
                for (index, event) in events.into_iter().enumerate() {
                    let slot = (shuffle_seed.rotate_left(index as u32) as usize) % batch_count;
                    batches[slot].push(event);
                }
                let today = now.with_timezone(&tz.parse::<Tz>().unwrap()).date_naive();
                let period = match kind {
                    0 => ("today", None, None),
                    1 => ("7d", None, None),
                    2 => ("30d", None, None),
                    _ => {
                        let from = today - Duration::days(from_back);
                        (
                            "custom",
                            Some(from),
                            Some(from + Duration::days(length - 1)),
                        )
                    }
                };
                Scenario {
                    tz,
                    now,
                    batches,
                    period,
                    inactive_days,
                    section_mask,
                    weeks,
                    sunday,
                    erased: (shuffle_seed % 6) as usize,
                }
            },
        )
}

async fn check(scenario: Scenario) {
    let tz: Tz = scenario.tz.parse().unwrap();
    let (kind, from, to) = scenario.period;
    let expected_period = period(kind, from, to, tz, scenario.now);
    let query = PeriodQuery {
        period: kind.into(),
        from: from.map(|d| d.to_string()),
        to: to.map(|d| d.to_string()),
        tz: scenario.tz.into(),
        section: None,
    };
    for backend in BACKENDS {
        let db = TestDb::new(backend).await;
        let mut oracle = Oracle::default();
        // The figures after every batch: the same selection asked again after
        // a write must include it (the store keeps figures between requests).
        for (index, batch) in scenario.batches.iter().enumerate() {
            ingest(&db.store, batch).await;
            oracle.ingest(batch);
            let context = format!("{backend:?} after batch {index} of {scenario:?}");
            let expected = Expected {
                oracle: &oracle,
                period: &expected_period,
                now: scenario.now,
                inactive_days: scenario.inactive_days,
                weeks: (scenario.weeks, week_start(scenario.sunday)),
            };
            compare(&db, &expected, &query, &Scope::WHOLE, &context).await;
        }
        let members = check_section(&db, &oracle, &scenario, &query, &expected_period).await;
        check_erasure(&db, &oracle, &scenario, &query, &expected_period, members).await;
        db.cleanup().await;
    }
}

/// A section of agent-0 holding the registered users of the scenario's
/// mask: its figures equal the oracle's on a data set holding only them,
/// asked for by name and as the one section a caller is limited to.
async fn check_section(
    db: &TestDb,
    oracle: &Oracle,
    scenario: &Scenario,
    query: &PeriodQuery,
    period: &support::oracle::Period,
) -> BTreeSet<String> {
    let Some(agent) = db.store.find_agent("agent-0").await.unwrap() else {
        return BTreeSet::new();
    };
    db.store
        .put_section(&agent, "sec", "Section")
        .await
        .unwrap();
    let members: BTreeSet<String> = (0..6)
        .filter(|n| scenario.section_mask & (1 << n) != 0)
        .map(|n| format!("user-{n}"))
        .filter(|user| {
            oracle
                .members
                .contains_key(&("agent-0".to_owned(), user.clone()))
        })
        .collect();
    for user in &members {
        let added = db.store.add_section_member(
            &agent,
            "sec",
            user,
            (
                pulse_db::time::Millis::now(),
                pulse_db::learners::Naming::Platform,
            ),
        );
        assert_eq!(added.await.unwrap(), Some(true));
    }
    let only = oracle.only("agent-0", &members);
    let expected = Expected {
        oracle: &only,
        period,
        now: scenario.now,
        inactive_days: scenario.inactive_days,
        weeks: (scenario.weeks, week_start(scenario.sunday)),
    };
    let named = PeriodQuery {
        section: Some("sec".into()),
        ..query.clone()
    };
    let context = format!("section {members:?} of {scenario:?}");
    let agent_0 = Scope {
        agents: &["agent-0"],
        allowed: None,
    };
    compare(db, &expected, &named, &agent_0, &context).await;
    let limited = Scope {
        agents: &["agent-0"],
        allowed: Some(vec!["sec".into()]),
    };
    compare(
        db,
        &expected,
        query,
        &limited,
        &format!("limited to {context}"),
    )
    .await;
    members
}

/// Erasing a user: every figure, of the whole agents and of the section,
/// equals the oracle's on the data set in which they never existed.
async fn check_erasure(
    db: &TestDb,
    oracle: &Oracle,
    scenario: &Scenario,
    query: &PeriodQuery,
    period: &support::oracle::Period,
    mut members: BTreeSet<String>,
) {
    let user = format!("user-{}", scenario.erased);
    // A user exists once a batch named them in an event it kept, even one
    // whose id was already stored (it changed no figure, but the id is
    // known, so erasing it is no "no such user"); an event repeating an
    // id earlier in its own batch is dropped before anything is read.
    let existed = scenario.batches.iter().any(|batch| {
        let mut seen = BTreeSet::new();
        batch
            .iter()
            .filter(|event| seen.insert((event.agent.clone(), event.id.clone())))
            .any(|event| event.user == user)
    });
    let erased = db
        .store
        .forget_user(&user, "test", pulse_db::time::Millis::now())
        .await
        .unwrap();
    assert_eq!(erased.is_some(), existed, "{user} erased: {scenario:?}");
    let without = oracle.without_user(&user);
    if let Some(erasure) = erased {
        let events = oracle.events.len() - without.events.len();
        assert_eq!(
            erasure.events, events as u64,
            "{user}'s events: {scenario:?}"
        );
    }
    // Once gone, there is nothing left to erase.
    let again = db
        .store
        .forget_user(&user, "test", pulse_db::time::Millis::now());
    assert_eq!(again.await.unwrap(), None);
    let expected = Expected {
        oracle: &without,
        period,
        now: scenario.now,
        inactive_days: scenario.inactive_days,
        weeks: (scenario.weeks, week_start(scenario.sunday)),
    };
    let context = format!("after erasing {user} from {scenario:?}");
    compare(db, &expected, query, &Scope::WHOLE, &context).await;
    if db.store.find_agent("agent-0").await.unwrap().is_none() {
        return;
    }
    members.remove(&user);
    let only = without.only("agent-0", &members);
    let in_section = Expected {
        oracle: &only,
        ..expected
    };
    let named = PeriodQuery {
        section: Some("sec".into()),
        ..query.clone()
    };
    let agent_0 = Scope {
        agents: &["agent-0"],
        allowed: None,
    };
    compare(
        db,
        &in_section,
        &named,
        &agent_0,
        &format!("section, {context}"),
    )
    .await;
}

/// Which agents are compared, and the sections the caller is limited to.
struct Scope<'a> {
    agents: &'a [&'a str],
    allowed: Option<Vec<String>>,
}

impl Scope<'_> {
    const WHOLE: Scope<'static> = Scope {
        agents: &["agent-0", "agent-1"],
        allowed: None,
    };
}

fn week_start(sunday: bool) -> WeekStart {
    if sunday {
        WeekStart::Sunday
    } else {
        WeekStart::Monday
    }
}

/// What the oracle is asked, besides the query.
struct Expected<'a> {
    oracle: &'a Oracle,
    period: &'a support::oracle::Period,
    now: DateTime<Utc>,
    inactive_days: u32,
    /// Retention's weeks and their first day.
    weeks: (u32, WeekStart),
}

async fn compare(
    db: &TestDb,
    expected: &Expected<'_>,
    query: &PeriodQuery,
    scope: &Scope<'_>,
    context: &str,
) {
    let Expected {
        oracle,
        period: expected_period,
        now,
        inactive_days,
        weeks: (weeks, week_start),
    } = *expected;
    let tz: Tz = query.tz.parse().unwrap();
    let settings = Settings::default();
    for &agent_id in scope.agents {
        let Some(agent) = db.store.find_agent(agent_id).await.unwrap() else {
            assert!(oracle.events.iter().all(|e| e.agent != agent_id));
            continue;
        };
        let selection = Selection::new(&db.store, &agent, query, now)
            .unwrap()
            .limited_to(scope.allowed.clone())
            .unwrap()
            .with_inactive_days(inactive_days)
            .unwrap();
        let dashboard = selection.dashboard(settings).await.unwrap();
        let context = format!("{agent_id} {context}");
        assert_eq!(
            dashboard.overview,
            oracle.overview(
                agent_id,
                expected_period,
                tz,
                &query.tz,
                now,
                settings.online_window
            ),
            "overview: {context}"
        );
        assert_eq!(
            dashboard.trend,
            oracle.trend(agent_id, expected_period, tz),
            "trend: {context}"
        );
        assert_eq!(
            dashboard.heatmap,
            oracle.heatmap(agent_id, expected_period, tz),
            "heatmap: {context}"
        );
        let mut users = dashboard.users.users;
        users.sort_by(|a, b| a.user_id.cmp(&b.user_id));
        assert_eq!(
            users,
            oracle.users(agent_id, expected_period, tz, now, inactive_days),
            "users: {context}"
        );
        assert_eq!(
            selection.activity_strips().await.unwrap(),
            oracle.strips(agent_id, expected_period, tz),
            "strips: {context}"
        );
        assert_eq!(
            selection.retention(weeks, week_start).await.unwrap(),
            oracle.retention(agent_id, tz, now, i64::from(weeks), week_start),
            "retention over {weeks} weeks from {week_start}: {context}"
        );
        // The agents table's row: the oracle's overview and daily users.
        let want_overview = oracle.overview(
            agent_id,
            expected_period,
            tz,
            &query.tz,
            now,
            settings.online_window,
        );
        let want_trend = oracle.trend(agent_id, expected_period, tz);
        assert_eq!(
            selection.agent_figures(settings).await.unwrap(),
            pulse_model::AgentFigures {
                online: want_overview.online,
                active_30d: want_overview.active_30d,
                registered: want_overview.registered,
                messages: want_overview.messages,
                previous_messages: want_overview.previous_messages,
                daily_users: want_trend.buckets.iter().map(|b| b.active_users).collect(),
            },
            "agent figures: {context}"
        );
        // The single-figure calls agree with the dashboard's.
        assert_eq!(selection.trend().await.unwrap(), dashboard.trend);
        for user in (0..6).map(|n| format!("user-{n}")) {
            let learner = match selection.learner(&user, settings).await {
                Ok(view) => Some(view),
                Err(LearnerError::UnknownLearner(_)) => None,
                Err(error) => panic!("learner {user}: {error}"),
            };
            let want = oracle.learner(
                agent_id,
                &user,
                expected_period,
                tz,
                now,
                inactive_days,
                settings.online_window,
            );
            assert_eq!(learner, want, "learner {user}: {context}");
        }
    }
}

proptest! {
    // Failing cases are kept (and replayed first) beside this file, in
    // analytics_oracle.proptest-regressions; since tests/main.rs exists, proptest's
    // default would be db/proptest-regressions/analytics_oracle.txt.
    #![proptest_config(ProptestConfig {
        cases: 48,
        failure_persistence: Some(Box::new(
            FileFailurePersistence::WithSource("proptest-regressions"),
        )),
        ..ProptestConfig::default()
    })]

    #[test]
    fn every_figure_matches_the_oracle(scenario in scenario()) {
        tokio::runtime::Runtime::new().unwrap().block_on(check(scenario));
    }
}
