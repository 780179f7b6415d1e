//! Hand-worked cases of METRICS.md: every expected figure below was worked
//! out on paper from the definitions, not taken from the code.

use crate::support;

use chrono::{DateTime, Utc};
use pulse_db::analytics::{Selection, Settings};
use pulse_db::{AgentRef, Store};
use pulse_model::{Dashboard, PeriodQuery};
use support::{custom, event, on_each_backend, utc};

async fn dashboard(store: &Store, query: &PeriodQuery, now: DateTime<Utc>) -> Dashboard {
    let agent: AgentRef = store
        .find_agent("tutor")
        .await
        .unwrap()
        .expect("the agent exists");
    let selection = Selection::new(store, &agent, query, now).unwrap();
    selection.dashboard(Settings::default()).await.unwrap()
}

#[tokio::test]
async fn late_evening_utc_is_the_next_day_in_kolkata() {
    // 23:30 UTC on 9 March is 05:00 on 10 March in Kolkata (+05:30).
    let events = [event("e1", "message", "ann", "2026-03-09T23:30:00Z")];
    on_each_backend(&events, async |store| {
        let now = utc("2026-04-01T00:00:00Z");
        let tenth = dashboard(
            store,
            &custom("2026-03-10", "2026-03-10", "Asia/Kolkata"),
            now,
        )
        .await;
        assert_eq!(tenth.overview.active_users, 1);
        assert_eq!(tenth.users.users[0].active_days, 1);
        assert_eq!(tenth.heatmap.users[1][5], 1, "Tuesday 05:00 in Kolkata");
        let ninth = dashboard(
            store,
            &custom("2026-03-09", "2026-03-09", "Asia/Kolkata"),
            now,
        )
        .await;
        assert_eq!(ninth.overview.active_users, 0);
        // In UTC the same event is on the 9th.
        let utc_ninth = dashboard(store, &custom("2026-03-09", "2026-03-09", "UTC"), now).await;
        assert_eq!(utc_ninth.overview.messages, 1);
    })
    .await;
}

#[tokio::test]
async fn a_fall_back_day_repeats_its_hour_in_two_buckets() {
    // New York, 1 November 2026: 01:00-02:00 happens at -04:00, then again at -05:00.
    let events = [
        event("e1", "message", "ann", "2026-11-01T05:30:00Z"), // 01:30 EDT
        event("e2", "message", "bob", "2026-11-01T06:30:00Z"), // 01:30 EST
        event("e3", "heartbeat", "bob", "2026-11-01T06:40:00Z"),
    ];
    on_each_backend(&events, async |store| {
        let now = utc("2026-11-10T00:00:00Z");
        let day = dashboard(
            store,
            &custom("2026-11-01", "2026-11-01", "America/New_York"),
            now,
        )
        .await;
        let buckets = &day.trend.buckets;
        assert_eq!(buckets.len(), 25);
        assert_eq!(buckets[1].start.to_rfc3339(), "2026-11-01T01:00:00-04:00");
        assert_eq!(buckets[2].start.to_rfc3339(), "2026-11-01T01:00:00-05:00");
        assert_eq!((buckets[1].active_users, buckets[1].messages), (1, 1));
        assert_eq!((buckets[2].active_users, buckets[2].messages), (1, 1));
        // The heatmap has one 01:00 hour on that Sunday, with both users.
        assert_eq!(day.heatmap.users[6][1], 2);
        assert_eq!(day.heatmap.occurrences[6][1], 1);
    })
    .await;
}

#[tokio::test]
async fn a_spring_forward_day_has_23_hourly_buckets() {
    let events = [event("e1", "message", "ann", "2026-03-08T07:15:00Z")]; // 03:15 EDT
    on_each_backend(&events, async |store| {
        let now = utc("2026-03-20T00:00:00Z");
        let day = dashboard(
            store,
            &custom("2026-03-08", "2026-03-08", "America/New_York"),
            now,
        )
        .await;
        let starts: Vec<String> = day
            .trend
            .buckets
            .iter()
            .map(|b| b.start.to_rfc3339())
            .collect();
        assert_eq!(starts.len(), 23);
        assert_eq!(starts[1], "2026-03-08T01:00:00-05:00");
        assert_eq!(starts[2], "2026-03-08T03:00:00-04:00");
        assert_eq!(day.trend.buckets[2].messages, 1);
        assert_eq!(day.heatmap.occurrences[6][2], 0, "02:00 never happened");
    })
    .await;
}

#[tokio::test]
async fn kathmandu_days_turn_at_18_15_utc() {
    // Asia/Kathmandu is +05:45: 18:14:59 UTC is 23:59:59, 18:15 UTC is midnight.
    let events = [
        event("e1", "message", "ann", "2026-06-01T18:14:59Z"),
        event("e2", "message", "ann", "2026-06-01T18:15:00Z"),
    ];
    on_each_backend(&events, async |store| {
        let now = utc("2026-06-20T00:00:00Z");
        let two_days = dashboard(
            store,
            &custom("2026-06-01", "2026-06-02", "Asia/Kathmandu"),
            now,
        )
        .await;
        assert_eq!(two_days.heatmap.messages[0][23], 1, "Monday 23:00");
        assert_eq!(two_days.heatmap.messages[1][0], 1, "Tuesday 00:00");
        assert_eq!(two_days.users.users[0].active_days, 2);
        assert_eq!(two_days.trend.buckets.len(), 48);
        assert_eq!(
            two_days.trend.buckets[24].start.to_rfc3339(),
            "2026-06-02T00:00:00+05:45"
        );
    })
    .await;
}

#[tokio::test]
async fn lord_howe_spring_forward_gives_a_half_hour_bucket() {
    // Australia/Lord_Howe, 4 October 2026: 02:00 (+10:30) jumps to 02:30 (+11:00).
    let events = [event("e1", "message", "ann", "2026-10-03T15:40:00Z")]; // 02:40 +11:00
    on_each_backend(&events, async |store| {
        let now = utc("2026-10-20T00:00:00Z");
        let day = dashboard(
            store,
            &custom("2026-10-04", "2026-10-04", "Australia/Lord_Howe"),
            now,
        )
        .await;
        let buckets = &day.trend.buckets;
        assert_eq!(buckets.len(), 24);
        assert_eq!(buckets[2].start.to_rfc3339(), "2026-10-04T02:30:00+11:00");
        assert_eq!(buckets[3].start.to_rfc3339(), "2026-10-04T03:00:00+11:00");
        assert_eq!(buckets[2].messages, 1);
    })
    .await;
}

#[tokio::test]
async fn a_registered_user_without_events_has_a_row_of_nothing() {
    let events = [event("e1", "message", "ann", "2026-06-01T10:00:00Z")];
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
        let now = utc("2026-06-05T00:00:00Z");
        let week = dashboard(
            store,
            &PeriodQuery {
                period: "7d".into(),
                ..PeriodQuery::default()
            },
            now,
        )
        .await;
        let quiet = week
            .users
            .users
            .iter()
            .find(|row| row.user_id == "quiet")
            .expect("a row for quiet");
        assert_eq!(
            (quiet.messages, quiet.active_days, quiet.last_active),
            (0, 0, None)
        );
        assert_eq!(quiet.registered_at, utc("2026-05-01T00:00:00Z"));
        assert_eq!(week.overview.registered, 2);
        // ann registered automatically at her first event.
        let ann = week
            .users
            .users
            .iter()
            .find(|row| row.user_id == "ann")
            .unwrap();
        assert_eq!(ann.registered_at, utc("2026-06-01T10:00:00Z"));
    })
    .await;
}

#[tokio::test]
async fn occurrences_of_a_ten_day_period() {
    // 1-10 June 2026 in UTC: Monday the 1st to Wednesday the 10th. Mondays,
    // Tuesdays and Wednesdays occur twice, the other weekdays once.
    on_each_backend(
        &[event("e1", "heartbeat", "ann", "2026-06-03T09:00:00Z")],
        async |store| {
            let now = utc("2026-07-01T00:00:00Z");
            let days = dashboard(store, &custom("2026-06-01", "2026-06-10", "UTC"), now).await;
            for hour in 0..24 {
                let column: Vec<u64> = (0..7)
                    .map(|weekday| days.heatmap.occurrences[weekday][hour])
                    .collect();
                assert_eq!(column, vec![2, 2, 2, 1, 1, 1, 1], "hour {hour}");
            }
            assert_eq!(days.trend.buckets.len(), 10);
        },
    )
    .await;
}

#[tokio::test]
async fn today_ends_now_and_compares_with_yesterday_so_far() {
    let events = [
        event("e1", "message", "ann", "2026-06-10T09:00:00Z"),
        event("e2", "message", "bob", "2026-06-10T11:00:00Z"), // after now: not today (yet)
        event("e3", "message", "ann", "2026-06-09T09:59:00Z"),
        event("e4", "message", "bob", "2026-06-09T10:31:00Z"), // after yesterday's 10:30
    ];
    on_each_backend(&events, async |store| {
        let now = utc("2026-06-10T10:30:00Z");
        let today = dashboard(
            store,
            &PeriodQuery {
                period: "today".into(),
                ..PeriodQuery::default()
            },
            now,
        )
        .await;
        assert_eq!(
            (today.overview.active_users, today.overview.messages),
            (1, 1)
        );
        assert_eq!(
            (
                today.overview.previous_active_users,
                today.overview.previous_messages
            ),
            (1, 1)
        );
        assert_eq!(
            today.trend.buckets.len(),
            11,
            "00:00 to 10:00, the hour now is in"
        );
        // bob counts through yesterday's event; his 11:00 one is after now.
        assert_eq!(today.overview.active_30d, 2);
    })
    .await;
}

#[tokio::test]
async fn a_range_reaching_past_today_is_hourly_while_it_has_two_days() {
    // Asked on 6 December at 21:00 in New York (02:00 UTC on the 7th): 5 to
    // 11 December covers the 5th and the 6th so far, so hour buckets.
    let events = [
        event("e1", "message", "ann", "2026-12-05T15:10:00Z"), // 10:10 on the 5th
        event("e2", "message", "bob", "2026-12-07T01:59:00Z"), // 20:59 on the 6th
        event("e3", "message", "cy", "2026-12-07T02:30:00Z"),  // after now
    ];
    on_each_backend(&events, async |store| {
        let now = utc("2026-12-07T02:00:00Z");
        let week = dashboard(
            store,
            &custom("2026-12-05", "2026-12-11", "America/New_York"),
            now,
        )
        .await;
        let buckets = &week.trend.buckets;
        assert_eq!(week.trend.granularity, pulse_model::Granularity::Hour);
        assert_eq!(buckets.len(), 24 + 21, "the 5th whole, the 6th to 21:00");
        assert_eq!(buckets[0].start.to_rfc3339(), "2026-12-05T00:00:00-05:00");
        assert_eq!((buckets[10].active_users, buckets[10].messages), (1, 1));
        assert_eq!((buckets[44].active_users, buckets[44].messages), (1, 1));
        assert_eq!(week.overview.active_users, 2);
        // The next day it covers three days: daily buckets.
        let later = dashboard(
            store,
            &custom("2026-12-05", "2026-12-11", "America/New_York"),
            utc("2026-12-08T02:00:00Z"),
        )
        .await;
        assert_eq!(later.trend.granularity, pulse_model::Granularity::Day);
        assert_eq!(later.trend.buckets.len(), 3);
    })
    .await;
}

#[tokio::test]
async fn a_change_of_offset_one_minute_past_the_quarter_splits_the_hour() {
    // Antarctica/Casey went from +08:00 to +11:00 at 2022-10-01 16:01 UTC:
    // 16:00:30 UTC is 00:00:30 on 2 October, 16:05 UTC is 03:05.
    let events = [
        event("e1", "message", "ann", "2022-10-01T16:00:30Z"),
        event("e2", "message", "bob", "2022-10-01T16:05:00Z"),
        event("e3", "message", "bob", "2022-10-01T16:30:00Z"),
    ];
    on_each_backend(&events, async |store| {
        let now = utc("2022-10-20T00:00:00Z");
        let day = dashboard(
            store,
            &custom("2022-10-02", "2022-10-02", "Antarctica/Casey"),
            now,
        )
        .await;
        // Sunday 2 October: one message at 00:00, two at 03:00.
        assert_eq!(day.heatmap.messages[6][0], 1);
        assert_eq!(day.heatmap.messages[6][3], 2);
        assert_eq!(day.heatmap.users[6][3], 1);
        let starts: Vec<String> = day
            .trend
            .buckets
            .iter()
            .map(|b| b.start.to_rfc3339())
            .collect();
        assert_eq!(starts[0], "2022-10-02T00:00:00+08:00");
        assert_eq!(starts[1], "2022-10-02T03:01:00+11:00");
        assert_eq!(
            (day.trend.buckets[0].messages, day.trend.buckets[1].messages),
            (1, 2)
        );
        assert_eq!(
            starts.len(),
            22,
            "hours 01 and 02 and the rest of 00 never happen"
        );
    })
    .await;
}

#[tokio::test]
async fn average_daily_users_is_the_mean_over_every_local_day_touched() {
    // 1-3 June in Kolkata (+05:30): ann on the 1st and the 2nd (20:00 UTC
    // on 1 June is 01:30 on the 2nd), bob on the 2nd, nobody on the 3rd:
    // (1 + 2 + 0) / 3 = 1. Stickiness would be 1 / 2.
    let events = [
        event("e1", "message", "ann", "2026-06-01T04:00:00Z"),
        event("e2", "message", "ann", "2026-06-01T20:00:00Z"),
        event("e3", "heartbeat", "bob", "2026-06-02T09:00:00Z"),
    ];
    on_each_backend(&events, async |store| {
        let now = utc("2026-07-01T00:00:00Z");
        let days = dashboard(
            store,
            &custom("2026-06-01", "2026-06-03", "Asia/Kolkata"),
            now,
        )
        .await;
        assert_eq!(days.overview.average_daily_users, 1.0);
        assert_eq!(days.overview.active_users, 2);
        // In UTC the same events fall on the 1st (ann) and the 2nd (bob).
        let utc_days = dashboard(store, &custom("2026-06-01", "2026-06-03", "UTC"), now).await;
        assert_eq!(utc_days.overview.average_daily_users, 2.0 / 3.0);
    })
    .await;
}
