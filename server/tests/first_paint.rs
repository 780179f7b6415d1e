//! The Users tab's first paint: the app's page for the tab carries the
//! topline figures of the REST API, for a session that may see the agent,
//! and nothing for anyone else.

use crate::support;

use pulse_db::accounts::Role;
use pulse_db::testing::TestBackend;
use serde_json::Value;
use support::html::{card_value, grouped};
use support::{TestApp, event, sign_in};

/// The page at `path` as the holder of `cookie` gets it.
async fn page(app: &TestApp, path: &str, cookie: Option<&str>) -> (u16, String, String) {
    let mut request = app.client.get(format!("{}{path}", app.url));
    if let Some(cookie) = cookie {
        request = request.header("Cookie", cookie);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let cache = response.headers()["cache-control"]
        .to_str()
        .unwrap()
        .to_owned();
    (status, cache, response.text().await.unwrap())
}

#[tokio::test]
async fn the_users_tab_page_carries_its_first_figures_for_its_viewer_only() {
    for backend in [TestBackend::Sqlite, TestBackend::Postgres] {
        let app = TestApp::spawn(backend).await;
        let events: Vec<Value> = (0..1_200_i64)
            .map(|index| {
                event(
                    &format!("e{index}"),
                    "agent-a",
                    &format!("learner-{}", index % 7),
                    "message",
                    index * 7,
                )
            })
            .collect();
        assert_eq!(app.post_events(&Value::Array(events)).await.status(), 200);
        app.account("teacher", "a long password", Role::Admin, &["agent-a"])
            .await;
        app.account("stranger", "a long password", Role::Admin, &["agent-b"])
            .await;
        let teacher = sign_in(&app, "teacher", "a long password").await;
        let stranger = sign_in(&app, "stranger", "a long password").await;
        // An odd offset: the period's days are Kathmandu's.
        let query = "period=7d&tz=Asia/Kathmandu";
        let path = format!("/agents/agent-a/analytics/users?{query}");

        let (status, cache, html) = page(&app, &path, Some(&teacher)).await;
        assert_eq!((status, cache.as_str()), (200, "no-store"), "{html}");
        assert!(html.contains("id=\"first-paint\""), "{html}");
        let (_, overview) = app
            .get_json(&format!("/api/v1/agents/agent-a/users/overview?{query}"))
            .await;
        assert!(
            overview["messages"].as_u64().unwrap() >= 1000,
            "grouped counts are read"
        );
        for (testid, field) in [
            ("card-online", "online"),
            ("card-active30", "active_30d"),
            ("card-registered", "registered"),
            ("card-active", "active_users"),
            ("card-messages", "messages"),
        ] {
            assert_eq!(
                card_value(&html, testid),
                grouped(overview[field].as_u64().unwrap()),
                "{testid}"
            );
        }
        assert!(html.contains("agent-a"), "the agent's header");

        // Nobody else gets figures: not signed in, an agent not theirs, no
        // zone (the browser's, which the server does not know), a period
        // refused.
        for (path, cookie) in [
            (path.clone(), None),
            (path.clone(), Some(stranger.as_str())),
            (
                "/agents/agent-a/analytics/users?period=7d".to_owned(),
                Some(teacher.as_str()),
            ),
            (
                "/agents/agent-a/analytics/users?period=custom&from=2026-13-01&tz=UTC".to_owned(),
                Some(teacher.as_str()),
            ),
        ] {
            let (status, cache, html) = page(&app, &path, cookie).await;
            assert_eq!((status, cache.as_str()), (200, "no-cache"), "{path}");
            assert!(!html.contains("first-paint"), "{path}: {html}");
            assert!(!html.contains("card-value"), "{path}");
        }
    }
}
