//! Hand-worked cases of retention and lifecycle (METRICS.md, "Retention
//! and lifecycle"): local weeks across a DST change, from Sunday and from
//! Monday, and the number of weeks refused out of range.

use crate::support;

use pulse_db::Store;
use pulse_db::analytics::{AnalyticsError, Selection};
use pulse_model::{LifecycleWeek, PeriodQuery, WeekStart};
use support::{event, on_each_backend, utc};

/// Retention by hand in New York across the fall-back Sunday (1 November
/// 2026), weeks from Sunday and from Monday.
#[tokio::test]
async fn retention_weeks_follow_the_local_calendar() {
    let events = vec![
        // Saturday 31 October 23:59 local (EDT): the week before Sunday's.
        event("r1", "message", "sat", "2026-11-01T03:59:00Z"),
        // Sunday 1 November 00:30 local (still EDT).
        event("r2", "message", "sun", "2026-11-01T04:30:00Z"),
        // Both weeks; and one back three weeks earlier, then again now.
        event("r3", "message", "both", "2026-10-30T15:00:00Z"),
        event("r4", "message", "both", "2026-11-03T15:00:00Z"),
        event("r5", "message", "back", "2026-10-12T15:00:00Z"),
        event("r6", "message", "back", "2026-11-02T15:00:00Z"),
    ];
    // Wednesday 4 November, 12:00 local (EST).
    let now = utc("2026-11-04T17:00:00Z");
    on_each_backend(&events, async |store: &Store| {
        let agent = store.find_agent("tutor").await.unwrap().unwrap();
        let query = PeriodQuery {
            tz: "America/New_York".into(),
            ..PeriodQuery::default()
        };
        let selection = Selection::new(store, &agent, &query, now).unwrap();
        let sunday = selection.retention(2, WeekStart::Sunday).await.unwrap();
        let starts: Vec<String> = sunday.weeks.iter().map(|w| w.start.to_string()).collect();
        assert_eq!(starts, ["2026-10-25", "2026-11-01"]);
        assert_eq!(
            sunday.weeks.iter().map(|w| w.complete).collect::<Vec<_>>(),
            [true, false]
        );
        // Week of 25 October: sat and both are new; back's first was earlier.
        assert_eq!(sunday.cohorts[0].size, 2);
        assert_eq!(sunday.cohorts[0].active, [2, 1]);
        assert_eq!(sunday.cohorts[1].size, 1);
        assert_eq!(sunday.cohorts[1].active, [1]);
        assert_eq!(
            sunday.lifecycle[1],
            LifecycleWeek {
                new: 1,
                returning: 1,
                resurrected: 1,
                dormant: 1
            }
        );
        // From Monday: 26 October and 2 November; sat and sun share a week.
        let monday = selection.retention(2, WeekStart::Monday).await.unwrap();
        assert_eq!(monday.weeks[1].start.to_string(), "2026-11-02");
        assert_eq!(monday.cohorts[0].size, 3);
        assert_eq!(monday.cohorts[0].active, [3, 1]);
        assert_eq!(
            monday.lifecycle[1],
            LifecycleWeek {
                new: 0,
                returning: 1,
                resurrected: 1,
                dormant: 2
            }
        );
        assert!(matches!(
            selection.retention(27, WeekStart::Monday).await,
            Err(AnalyticsError::BadPeriod(_))
        ));
    })
    .await;
}
