//! Annotations (METRICS.md, "Annotations"): stored and replaced by id, on
//! both backends, and a marker on every trend bucket whose local date is in
//! the range, found by walking the oracle's own buckets.

use crate::support;

use chrono::NaiveDate;
use chrono_tz::Tz;
use pulse_db::Store;
use pulse_db::analytics::Selection;
use pulse_model::Annotation;
use support::oracle::{Oracle, period};
use support::{custom, event, on_each_backend, utc};

fn day(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

#[tokio::test]
async fn notes_are_kept_replaced_and_removed() {
    let events = [event("a", "message", "ann", "2026-03-01T10:00:00Z")];
    on_each_backend(&events, async |store: &Store| {
        let agent = store.find_agent("tutor").await.unwrap().unwrap();
        let midterms = Annotation::checked(
            "midterms",
            day("2026-03-02"),
            Some(day("2026-03-06")),
            "Midterm week",
        )
        .unwrap();
        let prompt =
            Annotation::checked("prompt", day("2026-02-20"), None, "Prompt updated").unwrap();
        let created = store
            .put_annotations(&agent, &[midterms.clone(), prompt.clone()])
            .await
            .unwrap();
        assert_eq!(created, 2);
        assert_eq!(
            store.list_annotations(&agent).await.unwrap(),
            [prompt.clone(), midterms]
        );
        let moved =
            Annotation::checked("midterms", day("2026-03-09"), None, "Midterms moved").unwrap();
        assert_eq!(
            store
                .put_annotations(&agent, std::slice::from_ref(&moved))
                .await
                .unwrap(),
            0
        );
        assert_eq!(
            store.list_annotations(&agent).await.unwrap(),
            [prompt, moved]
        );
        assert!(store.delete_annotation(&agent, "prompt").await.unwrap());
        assert!(!store.delete_annotation(&agent, "prompt").await.unwrap());
        assert_eq!(store.list_annotations(&agent).await.unwrap().len(), 1);
    })
    .await;
}

/// A note of 1 November in New York (25 hours, the clocks fall back) marks
/// all 25 hourly buckets of that day in a two-day period and none of the
/// next day's; the oracle's buckets, read in the zone, say which.
#[tokio::test]
async fn a_note_marks_every_bucket_of_its_local_dates() {
    let events = [
        event("a", "message", "ann", "2026-11-01T05:30:00Z"),
        event("b", "message", "ann", "2026-11-02T15:00:00Z"),
    ];
    let now = utc("2026-11-03T12:00:00Z");
    let tz: Tz = "America/New_York".parse().unwrap();
    let note =
        Annotation::checked("fall-back", day("2026-11-01"), None, "Clocks fall back").unwrap();
    on_each_backend(&events, async |store: &Store| {
        let agent = store.find_agent("tutor").await.unwrap().unwrap();
        let query = custom("2026-11-01", "2026-11-02", "America/New_York");
        let trend = Selection::new(store, &agent, &query, now)
            .unwrap()
            .trend()
            .await
            .unwrap();
        let mut oracle = Oracle::default();
        oracle.ingest(&events);
        let expected_period = period(
            "custom",
            Some(day("2026-11-01")),
            Some(day("2026-11-02")),
            tz,
            now,
        );
        let naive = oracle.trend("tutor", &expected_period, tz);
        assert_eq!(trend.buckets.len(), 49);
        let marked: Vec<bool> = trend
            .buckets
            .iter()
            .map(|b| note.covers(b.start.date_naive()))
            .collect();
        let oracle_marked: Vec<bool> = naive
            .buckets
            .iter()
            .map(|b| b.start.with_timezone(&tz).date_naive() == day("2026-11-01"))
            .collect();
        assert_eq!(marked, oracle_marked);
        assert_eq!(marked.iter().filter(|m| **m).count(), 25);
    })
    .await;
}
