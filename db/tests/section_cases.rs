//! Hand-worked cases of sections (METRICS.md, "Sections"): membership is
//! the current one and is seen at once, an unknown section and a section
//! outside a caller's grant are refused, a roster loads in one go.

use crate::support;

use chrono::{DateTime, Utc};
use pulse_db::Store;
use pulse_db::analytics::{AnalyticsError, Selection, Settings};
use pulse_db::sections::RosterLine;
use pulse_db::time::Millis;
use pulse_model::{Overview, PeriodQuery};
use support::{custom, event, on_each_backend, utc};

fn now() -> DateTime<Utc> {
    utc("2026-06-15T12:00:00Z")
}

fn june(section: Option<&str>) -> PeriodQuery {
    PeriodQuery {
        section: section.map(Into::into),
        ..custom("2026-06-01", "2026-06-15", "Europe/Paris")
    }
}

async fn overview(
    store: &Store,
    query: &PeriodQuery,
    allowed: Option<Vec<String>>,
) -> Result<Overview, AnalyticsError> {
    let agent = store.find_agent("tutor").await.unwrap().unwrap();
    Selection::new(store, &agent, query, now())?
        .limited_to(allowed)?
        .overview(Settings::default())
        .await
}

fn events() -> Vec<support::TestEvent> {
    vec![
        event("a1", "message", "ann", "2026-06-02T09:00:00Z"),
        event("a2", "message", "ann", "2026-06-03T09:00:00Z"),
        event("b1", "message", "bob", "2026-06-02T10:00:00Z"),
        event("c1", "heartbeat", "cy", "2026-06-10T10:00:00Z"),
    ]
}

#[tokio::test]
async fn membership_changes_are_seen_at_once() {
    on_each_backend(&events(), async |store: &Store| {
        let agent = store.find_agent("tutor").await.unwrap().unwrap();
        assert!(store.put_section(&agent, "p3", "Period 3").await.unwrap());
        let in_p3 = june(Some("p3"));
        // Empty: nobody counts, the whole agent is untouched.
        let empty = overview(store, &in_p3, None).await.unwrap();
        assert_eq!(
            (empty.registered, empty.active_users, empty.messages),
            (0, 0, 0)
        );
        let add = |user: &'static str| {
            store.add_section_member(
                &agent,
                "p3",
                user,
                (Millis::now(), pulse_db::learners::Naming::Platform),
            )
        };
        assert_eq!(add("ann").await.unwrap(), Some(true));
        assert_eq!(add("ann").await.unwrap(), Some(false));
        let one = overview(store, &in_p3, None).await.unwrap();
        assert_eq!((one.registered, one.active_users, one.messages), (1, 1, 2));
        add("cy").await.unwrap();
        let two = overview(store, &in_p3, None).await.unwrap();
        assert_eq!((two.registered, two.active_users, two.messages), (2, 2, 2));
        // A new member not registered yet is registered by joining.
        add("dee").await.unwrap();
        assert_eq!(
            overview(store, &june(None), None).await.unwrap().registered,
            4
        );
        let removed = store
            .remove_section_member(&agent, "p3", "cy")
            .await
            .unwrap();
        assert_eq!(removed, Some(true));
        let back = overview(store, &in_p3, None).await.unwrap();
        assert_eq!((back.registered, back.active_users), (2, 1));
        // Renaming keeps the members; the listing counts them.
        assert!(
            !store
                .put_section(&agent, "p3", "Period three")
                .await
                .unwrap()
        );
        let listed = store.list_sections(&agent).await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(
            (listed[0].name.as_str(), listed[0].members),
            ("Period three", 2)
        );
        assert!(store.delete_section(&agent, "p3").await.unwrap());
        assert!(matches!(
            overview(store, &in_p3, None).await,
            Err(AnalyticsError::UnknownSection(section)) if section == "p3"
        ));
        assert_eq!(
            store
                .add_section_member(
                    &agent,
                    "p3",
                    "ann",
                    (Millis::now(), pulse_db::learners::Naming::Platform)
                )
                .await
                .unwrap(),
            None
        );
    })
    .await;
}

#[tokio::test]
async fn a_limited_caller_sees_only_its_sections_together() {
    on_each_backend(&events(), async |store: &Store| {
        let agent = store.find_agent("tutor").await.unwrap().unwrap();
        for (section, user) in [("p1", "ann"), ("p2", "bob"), ("p2", "ann")] {
            store.put_section(&agent, section, section).await.unwrap();
            store
                .add_section_member(
                    &agent,
                    section,
                    user,
                    (Millis::now(), pulse_db::learners::Naming::Platform),
                )
                .await
                .unwrap();
        }
        let both = Some(vec!["p2".to_owned(), "p1".to_owned()]);
        // No section asked: the union of the granted ones (ann counted once).
        let all = overview(store, &june(None), both.clone()).await.unwrap();
        assert_eq!((all.registered, all.active_users, all.messages), (2, 2, 3));
        let only_p1 = Some(vec!["p1".to_owned()]);
        let p1 = overview(store, &june(None), only_p1.clone()).await.unwrap();
        assert_eq!((p1.registered, p1.messages), (1, 2));
        assert!(matches!(
            overview(store, &june(Some("p2")), only_p1.clone()).await,
            Err(AnalyticsError::SectionNotGranted(section)) if section == "p2"
        ));
        // A granted section that no longer exists counts nobody, not an error.
        store.delete_section(&agent, "p1").await.unwrap();
        let gone = overview(store, &june(None), only_p1).await.unwrap();
        assert_eq!((gone.registered, gone.active_users), (0, 0));
    })
    .await;
}

#[tokio::test]
async fn a_roster_creates_sections_and_registers_learners_in_one_go() {
    on_each_backend(&events(), async |store: &Store| {
        let agent = store.find_agent("tutor").await.unwrap().unwrap();
        let line = |section: &str, user: &str, section_name: Option<&str>, name: Option<&str>| {
            RosterLine::check(section, user, section_name, None, name).unwrap()
        };
        let lines = vec![
            line("p1", "ann", Some("Period 1"), None),
            line("p1", "new-kid", None, Some("New Kid")),
            line("p2", "bob", None, None),
            line("p2", "bob", None, None),
        ];
        let added = store
            .import_roster(&agent, &lines, Millis::now())
            .await
            .unwrap();
        assert_eq!(added, 3);
        let sections = store.list_sections(&agent).await.unwrap();
        let named: Vec<(&str, &str, u64)> = sections
            .iter()
            .map(|s| (s.section_id.as_str(), s.name.as_str(), s.members))
            .collect();
        assert_eq!(named, [("p1", "Period 1", 2), ("p2", "p2", 1)]);
        let agent = store.find_agent("tutor").await.unwrap().unwrap();
        let selection = Selection::new(store, &agent, &june(Some("p1")), now()).unwrap();
        let users = selection.users().await.unwrap().users;
        let names: Vec<(&str, Option<&str>)> = users
            .iter()
            .map(|row| (row.user_id.as_str(), row.name.as_deref()))
            .collect();
        assert_eq!(names, [("ann", None), ("new-kid", Some("New Kid"))]);
    })
    .await;
}

#[test]
fn roster_lines_name_every_wrong_field() {
    let errors =
        RosterLine::check("p 1", "", Some("\u{7}"), Some(&"x".repeat(201)), None).unwrap_err();
    assert_eq!(errors.len(), 4, "{errors:?}");
    for field in ["section_id", "user_id", "section_name", "username"] {
        assert!(
            errors.iter().any(|e| e.starts_with(field)),
            "{field}: {errors:?}"
        );
    }
}
