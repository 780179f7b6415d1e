//! Share links end to end over HTTP: an administrator makes one, anyone
//! holding it sees the REST API's figures with small counts hidden (checked
//! against a naive suppression written here from METRICS.md) and nothing
//! of any learner; passwords, revocation and expiry; erasure over REST.

use crate::support;

use pulse_db::accounts::Role;
use pulse_db::testing::TestBackend;
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::html::{card_value, grouped};
use support::{TestApp, event, server_fn_path, sign_in};

const K: u64 = 3;

/// Learners with distinct names and ids, active at varied hours so that
/// the heatmap holds cells under and over k.
async fn app_with_learners(backend: TestBackend) -> TestApp {
    let app = TestApp::spawn(backend).await;
    let mut events = Vec::new();
    for learner in 0..9_i64 {
        for step in 0..(learner + 1) {
            let minutes_ago = 60 * (step * 7 + learner * 3) + 30;
            events.push(event(
                &format!("e{learner}-{step}"),
                "agent-a",
                &format!("secret-id-{learner}"),
                "message",
                minutes_ago,
            ));
        }
    }
    for (index, value) in events.iter_mut().enumerate() {
        value["username"] = json!(format!("secret-username-{}", index % 9));
        value["name"] = json!(format!("Secret Name {}", index % 9));
    }
    assert_eq!(app.post_events(&Value::Array(events)).await.status(), 200);
    app.account("teacher", "a long password", Role::Admin, &["agent-a"])
        .await;
    app
}

async fn call(app: &TestApp, name: &str, cookie: Option<&str>, body: Value) -> (u16, String) {
    let mut request = app
        .client
        .post(format!("{}{}", app.url, server_fn_path(name)))
        .json(&body);
    if let Some(cookie) = cookie {
        request = request.header("Cookie", cookie);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

async fn call_form(app: &TestApp, name: &str, form: &[(&str, &str)]) -> (u16, String) {
    call_form_as(app, name, None, form).await
}

async fn call_form_as(
    app: &TestApp,
    name: &str,
    cookie: Option<&str>,
    form: &[(&str, &str)],
) -> (u16, String) {
    let mut request = app
        .client
        .post(format!("{}{}", app.url, server_fn_path(name)))
        .form(form);
    if let Some(cookie) = cookie {
        request = request.header("Cookie", cookie);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

async fn make_link(app: &TestApp, cookie: &str, password: Option<&str>) -> (i64, String) {
    let (status, text) = call(
        app,
        "create_share_link",
        Some(cookie),
        json!({"request": {
            "agent_id": "agent-a", "section": null, "period": "7d", "from": null, "to": null,
            "tz": "Asia/Kathmandu", "expires_days": 7, "min_count": K, "password": password,
        }}),
    )
    .await;
    assert_eq!(status, 200, "{text}");
    let made: Value = serde_json::from_str(&text).unwrap();
    let path = made["path"].as_str().unwrap();
    let token = path.strip_prefix("/share/").unwrap().to_owned();
    // 256 random bits, hex.
    assert_eq!(token.len(), 64);
    (made["link"]["id"].as_i64().unwrap(), token)
}

async fn open(app: &TestApp, token: &str, password: Option<&str>) -> (u16, String) {
    let mut form = vec![("token", token)];
    if let Some(password) = password {
        form.push(("password", password));
    }
    call_form(app, "open_share_link", &form).await
}

/// METRICS.md's suppression, done the plain way: hide counts 1..k-1;
/// then, until nothing changes, in each row then each column holding
/// exactly one hidden cell hide its smallest other non-zero cell (the
/// first of equals).
fn naive_hidden(grid: &[[u64; 24]; 7], k: u64) -> Vec<Vec<bool>> {
    let mut hidden: Vec<Vec<bool>> = grid
        .iter()
        .map(|row| row.iter().map(|&v| v >= 1 && v < k).collect())
        .collect();
    let mut lines: Vec<Vec<(usize, usize)>> = Vec::new();
    for w in 0..7 {
        lines.push((0..24).map(|h| (w, h)).collect());
    }
    for h in 0..24 {
        lines.push((0..7).map(|w| (w, h)).collect());
    }
    loop {
        let before = hidden.clone();
        for line in &lines {
            let hidden_here: Vec<_> = line.iter().filter(|(w, h)| hidden[*w][*h]).collect();
            if hidden_here.len() != 1 {
                continue;
            }
            let mut best: Option<(usize, usize)> = None;
            for &(w, h) in line {
                if hidden[w][h] || grid[w][h] == 0 {
                    continue;
                }
                if best.is_none_or(|(bw, bh)| grid[w][h] < grid[bw][bh]) {
                    best = Some((w, h));
                }
            }
            if let Some((w, h)) = best {
                hidden[w][h] = true;
            }
        }
        if hidden == before {
            return hidden;
        }
    }
}

fn shown(value: &Value, k: u64) -> Value {
    match value.as_u64() {
        Some(n) if n >= 1 && n < k => Value::Null,
        _ => value.clone(),
    }
}

fn grid(value: &Value) -> [[u64; 24]; 7] {
    serde_json::from_value(value.clone()).unwrap()
}

#[tokio::test]
async fn a_share_link_shows_the_apis_figures_with_small_counts_hidden_and_no_learner() {
    for backend in [TestBackend::Sqlite, TestBackend::Postgres] {
        let app = app_with_learners(backend).await;
        let cookie = sign_in(&app, "teacher", "a long password").await;
        let (id, token) = make_link(&app, &cookie, None).await;
        let (status, text) = open(&app, &token, None).await;
        assert_eq!(status, 200, "{text}");
        for secret in ["secret-id", "secret-username", "Secret Name"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        let page: Value = serde_json::from_str(&text).unwrap();
        let figures = &page["View"]["figures"];
        assert_eq!(figures["min_count"], K);

        let query = "period=7d&tz=Asia/Kathmandu";
        let (_, overview) = app
            .get_json(&format!("/api/v1/agents/agent-a/users/overview?{query}"))
            .await;
        for field in [
            "online",
            "active_30d",
            "registered",
            "active_users",
            "previous_active_users",
        ] {
            assert_eq!(
                figures["overview"][field],
                shown(&overview[field], K),
                "{field}"
            );
        }
        assert_eq!(figures["overview"]["messages"], overview["messages"]);
        let (_, trend) = app
            .get_json(&format!("/api/v1/agents/agent-a/users/trend?{query}"))
            .await;
        let buckets = trend["buckets"].as_array().unwrap();
        let shared = figures["trend"]["buckets"].as_array().unwrap();
        assert_eq!(buckets.len(), shared.len());
        for (api, page) in buckets.iter().zip(shared) {
            assert_eq!(page["active_users"], shown(&api["active_users"], K));
            assert_eq!(page["messages"], api["messages"]);
        }
        let (_, heatmap) = app
            .get_json(&format!("/api/v1/agents/agent-a/users/heatmap?{query}"))
            .await;
        let users = grid(&heatmap["users"]);
        let hidden = naive_hidden(&users, K);
        for w in 0..7 {
            for h in 0..24 {
                let cell = &figures["heatmap"]["users"][w][h];
                if hidden[w][h] {
                    assert!(cell.is_null(), "cell {w},{h}");
                } else {
                    assert_eq!(cell.as_u64(), Some(users[w][h]), "cell {w},{h}");
                }
            }
        }
        assert!(
            hidden.iter().flatten().any(|cell| *cell),
            "the data hides some cells"
        );
        assert_eq!(figures["heatmap"]["messages"], heatmap["messages"]);
        assert_eq!(figures["heatmap"]["suppressed"], true);

        // Settings lists it with its view; once revoked it shows nothing.
        let (_, listed) = call_form_as(&app, "list_share_links", Some(&cookie), &[]).await;
        let listed: Value = serde_json::from_str(&listed).unwrap();
        assert_eq!(listed[0]["id"], id);
        assert_eq!(listed[0]["views"], 1);
        assert_eq!(listed[0]["created_by"], "teacher");
        let (status, _) = call_form(&app, "revoke_share_link", &[("id", &id.to_string())]).await;
        assert_eq!(status, 401, "revoking needs a session");
        let id_text = id.to_string();
        let form = [("id", id_text.as_str())];
        let (status, _) = call_form_as(&app, "revoke_share_link", Some(&cookie), &form).await;
        assert_eq!(status, 200);
        let (status, text) = open(&app, &token, None).await;
        assert_eq!(status, 404);
        assert!(text.contains("revoked"), "{text}");
        assert!(!text.contains("secret"), "{text}");
        app.db.cleanup().await;
    }
}

#[tokio::test]
async fn passwords_are_asked_for_checked_and_throttled() {
    let app = app_with_learners(TestBackend::Sqlite).await;
    let cookie = sign_in(&app, "teacher", "a long password").await;
    let (_, token) = make_link(&app, &cookie, Some("open sesame")).await;
    let (status, text) = open(&app, &token, None).await;
    assert_eq!((status, text.as_str()), (200, "\"PasswordNeeded\""));
    let (status, _) = open(&app, &token, Some("open sesame")).await;
    assert_eq!(status, 200);
    let (status, text) = open(&app, &token, Some("wrong guess")).await;
    assert_eq!(status, 403, "{text}");
    assert!(!text.contains("secret"));
    // Ten wrong guesses from one address on one link stop that address.
    let mut statuses = Vec::new();
    for _ in 0..10 {
        statuses.push(open(&app, &token, Some("wrong guess")).await.0);
    }
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
    let (status, _) = open(&app, &token, Some("open sesame")).await;
    assert_eq!(
        status, 429,
        "even the right password waits out the throttle"
    );
}

#[tokio::test]
async fn expired_and_unknown_links_show_nothing() {
    let app = app_with_learners(TestBackend::Sqlite).await;
    let (token, token_hash) = pulse_db::accounts::new_session_token();
    let past = chrono::Utc::now().timestamp_millis() - 1000;
    let row = pulse_db::share_links::NewLinkRow {
        token_hash: &token_hash,
        agent_id: "agent-a",
        section: None,
        period: "7d",
        from: None,
        to: None,
        tz: "UTC",
        min_count: 5,
        password_hash: None,
        created_by: "test",
        created_at: past - 1000,
        expires_at: past,
    };
    app.db.store.create_share_link(&row).await.unwrap();
    let (status, text) = open(&app, &token, None).await;
    assert_eq!(status, 404);
    assert!(text.contains("expired"), "{text}");
    let (status, text) = open(&app, &"0".repeat(64), None).await;
    assert_eq!(status, 404);
    assert!(text.contains("does not exist"), "{text}");
}

#[tokio::test]
async fn bad_share_requests_are_refused_by_name() {
    let app = app_with_learners(TestBackend::Sqlite).await;
    let cookie = sign_in(&app, "teacher", "a long password").await;
    for (field, value, says) in [
        ("min_count", json!(1), "min_count"),
        ("expires_days", json!(400), "expires_days"),
        ("tz", json!("Mars/Olympus"), "Mars/Olympus"),
        ("section", json!("no-such"), "no-such"),
        ("password", json!("short"), "password"),
    ] {
        let mut request = json!({
            "agent_id": "agent-a", "section": null, "period": "7d", "from": null, "to": null,
            "tz": "UTC", "expires_days": 7, "min_count": 5, "password": null,
        });
        request[field] = value;
        let (status, text) = call(
            &app,
            "create_share_link",
            Some(&cookie),
            json!({"request": request}),
        )
        .await;
        assert!(status == 400 || status == 404, "{field}: {status} {text}");
        assert!(text.contains(says), "{field}: {text}");
    }
    let (_, listed) = call_form_as(&app, "list_share_links", Some(&cookie), &[]).await;
    assert_eq!(listed, "[]", "nothing was made");
}

#[tokio::test]
async fn erasure_over_rest_removes_the_learner_from_every_figure() {
    let app = app_with_learners(TestBackend::Postgres).await;
    let (_, before) = app
        .get_json("/api/v1/agents/agent-a/users?period=30d")
        .await;
    let rows = before["users"].as_array().unwrap().len();
    let response = app
        .request(
            reqwest::Method::DELETE,
            "/api/v1/users/secret-id-8",
            Some(&app.ingest_key),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body,
        json!({"user_id": "secret-id-8", "events": 9, "agents": 1})
    );
    let (_, after) = app
        .get_json("/api/v1/agents/agent-a/users?period=30d")
        .await;
    let users = after["users"].as_array().unwrap();
    assert_eq!(users.len(), rows - 1);
    assert!(users.iter().all(|row| row["user_id"] != "secret-id-8"));
    let (_, overview) = app
        .get_json("/api/v1/agents/agent-a/users/overview?period=30d")
        .await;
    assert_eq!(overview["registered"], 8);
    assert_eq!(overview["messages"], (1..=8).sum::<u64>());
    let again = app
        .request(
            reqwest::Method::DELETE,
            "/api/v1/users/secret-id-8",
            Some(&app.ingest_key),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn who_may_share_list_and_revoke_which_links() {
    let app = app_with_learners(TestBackend::Sqlite).await;
    let store = &app.db.store;
    let agent = store.find_agent("agent-a").await.unwrap().unwrap();
    for section in ["p1", "p2"] {
        store.put_section(&agent, section, section).await.unwrap();
    }
    app.account("assistant", "a long password", Role::Admin, &[])
        .await;
    assert!(
        store
            .grant_agent("assistant", "agent-a", &["p1".to_owned()])
            .await
            .unwrap()
    );
    app.account("other", "a long password", Role::Admin, &["agent-b"])
        .await;
    let teacher = sign_in(&app, "teacher", "a long password").await;
    let assistant = sign_in(&app, "assistant", "a long password").await;
    let other = sign_in(&app, "other", "a long password").await;
    let request = |section: Value| {
        json!({"request": {
            "agent_id": "agent-a", "section": section, "period": "30d", "from": null, "to": null,
            "tz": "UTC", "expires_days": 7, "min_count": 5, "password": null,
        }})
    };
    // Limited to p1: the whole agent and p2 are refused, p1 is made.
    for (section, status) in [(Value::Null, 403), (json!("p2"), 403), (json!("p1"), 200)] {
        let (got, text) = call(
            &app,
            "create_share_link",
            Some(&assistant),
            request(section),
        )
        .await;
        assert_eq!(got, status, "{text}");
    }
    // Another agent's administrator may not make one: the agent is "not found".
    let (got, _) = call(
        &app,
        "create_share_link",
        Some(&other),
        request(Value::Null),
    )
    .await;
    assert_eq!(got, 404);
    let (got, _) = call(
        &app,
        "create_share_link",
        Some(&teacher),
        request(Value::Null),
    )
    .await;
    assert_eq!(got, 200);

    let teacher_sees = listed(&app, &teacher).await;
    let assistant_sees = listed(&app, &assistant).await;
    assert_eq!(
        teacher_sees.len(),
        2,
        "the whole agent's administrator sees both"
    );
    assert_eq!(
        assistant_sees.len(),
        1,
        "the assistant sees their section's"
    );
    assert_eq!(assistant_sees[0].1, json!("p1"));
    assert!(listed(&app, &other).await.is_empty());
    // The assistant cannot revoke the whole agent's link: it is not theirs to see.
    let whole = teacher_sees
        .iter()
        .find(|(_, section)| section.is_null())
        .unwrap()
        .0
        .to_string();
    // Nor can another agent's administrator; its maker can.
    for (who, cookie, expected) in [
        ("the assistant", &assistant, 404),
        ("another agent's administrator", &other, 404),
        ("its maker", &teacher, 200),
    ] {
        let (got, _) = call_form_as(
            &app,
            "revoke_share_link",
            Some(cookie),
            &[("id", whole.as_str())],
        )
        .await;
        assert_eq!(got, expected, "{who}");
    }
}

/// The (id, section) of each share link the session's account is shown.
async fn listed(app: &TestApp, cookie: &str) -> Vec<(i64, Value)> {
    let (_, text) = call_form_as(app, "list_share_links", Some(cookie), &[]).await;
    let links: Value = serde_json::from_str(&text).unwrap();
    links
        .as_array()
        .unwrap()
        .iter()
        .map(|link| (link["id"].as_i64().unwrap(), link["section"].clone()))
        .collect()
}

#[tokio::test]
async fn a_link_of_fixed_dates_shows_those_dates() {
    let app = app_with_learners(TestBackend::Postgres).await;
    let cookie = sign_in(&app, "teacher", "a long password").await;
    // Dates in the zone the link reads them in: "yesterday" in UTC is
    // still today in St John's for three and a half hours each night, and
    // a period that ends now differs by the millisecond between two reads.
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::America::St_Johns)
        .date_naive();
    let from = (today - chrono::Duration::days(6)).to_string();
    let to = (today - chrono::Duration::days(1)).to_string();
    let request = |from: &str, to: &str| {
        json!({"request": {
            "agent_id": "agent-a", "section": null, "period": "custom", "from": from, "to": to,
            "tz": "America/St_Johns", "expires_days": 7, "min_count": 2, "password": null,
        }})
    };
    // Dates the wrong way round are refused, naming them.
    let (status, text) = call(
        &app,
        "create_share_link",
        Some(&cookie),
        request(&to, &from),
    )
    .await;
    assert_eq!(status, 400, "{text}");
    assert!(text.contains(&to), "{text}");
    let (status, text) = call(
        &app,
        "create_share_link",
        Some(&cookie),
        request(&from, &to),
    )
    .await;
    assert_eq!(status, 200, "{text}");
    let made: Value = serde_json::from_str(&text).unwrap();
    let token = made["path"].as_str().unwrap().trim_start_matches("/share/");
    let (_, text) = open(&app, token, None).await;
    let page: Value = serde_json::from_str(&text).unwrap();
    let (_, overview) = app
        .get_json(&format!(
            "/api/v1/agents/agent-a/users/overview?period=custom&from={from}&to={to}&tz=America/St_Johns"
        ))
        .await;
    let shared = &page["View"]["figures"]["overview"];
    assert_eq!(shared["period"], overview["period"]);
    assert_eq!(shared["messages"], overview["messages"]);
    assert_eq!(page["View"]["period_label"], "Custom");
}

/// Found from outside: ten learners on five days of a week and one on the
/// sixth, a link of threshold 5. The average daily users, times 7, less
/// the days shown, once gave back the hidden day (7.2857 x 7 - 50 = 1).
#[tokio::test]
async fn the_average_gives_no_hidden_day_back() {
    for backend in [TestBackend::Sqlite, TestBackend::Postgres] {
        let app = TestApp::spawn(backend).await;
        let first = chrono::Utc::now().date_naive() - chrono::Duration::days(10);
        let mut events = Vec::new();
        let mut add = |user: String, day: i64| {
            let at = (first + chrono::Duration::days(day))
                .and_hms_opt(10, 0, 0)
                .unwrap();
            events.push(json!({
                "id": format!("{user}-{day}"), "type": "message", "agent_id": "agent-a",
                "user_id": user, "at": format!("{at}Z"),
            }));
        };
        for learner in 0..10 {
            for day in [0, 1, 3, 4, 5] {
                add(format!("ten-{learner}"), day);
            }
        }
        add("the-one".into(), 2);
        assert_eq!(app.post_events(&Value::Array(events)).await.status(), 200);
        app.account("teacher", "a long password", Role::Admin, &["agent-a"])
            .await;
        let cookie = sign_in(&app, "teacher", "a long password").await;
        let (from, to) = (
            first.to_string(),
            (first + chrono::Duration::days(6)).to_string(),
        );
        let (status, text) = call(
            &app,
            "create_share_link",
            Some(&cookie),
            json!({"request": {
                "agent_id": "agent-a", "section": null, "period": "custom", "from": from, "to": to,
                "tz": "UTC", "expires_days": 7, "min_count": 5, "password": null,
            }}),
        )
        .await;
        assert_eq!(status, 200, "{text}");
        let made: Value = serde_json::from_str(&text).unwrap();
        let token = made["path"].as_str().unwrap().trim_start_matches("/share/");
        let (status, text) = open(&app, token, None).await;
        assert_eq!(status, 200, "{text}");
        let page: Value = serde_json::from_str(&text).unwrap();
        let figures = &page["View"]["figures"];
        let days: Vec<Value> = figures["trend"]["buckets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|bucket| bucket["active_users"].clone())
            .collect();
        assert_eq!(
            days,
            [
                json!(10),
                json!(10),
                Value::Null,
                json!(10),
                json!(10),
                json!(10),
                json!(0)
            ]
        );
        assert_eq!(
            figures["overview"]["average_daily_users"],
            Value::Null,
            "{text}"
        );
        assert_eq!(figures["overview"]["suppressed"], true);
        // The REST API, for an account's own key, still has it.
        let query = format!("period=custom&from={from}&to={to}&tz=UTC");
        let (_, overview) = app
            .get_json(&format!("/api/v1/agents/agent-a/users/overview?{query}"))
            .await;
        assert!((overview["average_daily_users"].as_f64().unwrap() - 51.0 / 7.0).abs() < 1e-9);
        app.cleanup().await;
    }
}

/// `GET` (or, with a password, `POST` of the form) of the share page:
/// status, headers and HTML.
async fn page(
    app: &TestApp,
    token: &str,
    password: Option<&str>,
) -> (u16, reqwest::header::HeaderMap, String) {
    let url = format!("{}/share/{token}", app.url);
    let request = match password {
        Some(password) => app.client.post(url).form(&[("password", password)]),
        None => app.client.get(url),
    };
    let response = request.send().await.unwrap();
    let (status, headers) = (response.status().as_u16(), response.headers().clone());
    (status, headers, response.text().await.unwrap())
}

/// A count as the share page writes it: grouped in threes, or hidden.
fn shown_text(value: &Value, k: u64) -> String {
    match value.as_u64() {
        Some(n) if n >= 1 && n < k => format!("fewer than {k}"),
        Some(n) => grouped(n),
        None => panic!("not a count: {value}"),
    }
}

#[tokio::test]
async fn the_share_page_is_plain_html_with_the_apis_figures_and_no_script() {
    for backend in [TestBackend::Sqlite, TestBackend::Postgres] {
        let app = app_with_learners(backend).await;
        let cookie = sign_in(&app, "teacher", "a long password").await;
        let (_, token) = make_link(&app, &cookie, None).await;
        let (status, headers, html) = page(&app, &token, None).await;
        assert_eq!(status, 200, "{html}");
        assert!(
            headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        assert_eq!(headers["cache-control"], "no-store");
        // No script but the print button's, no WebAssembly, no style
        // attribute (the Content-Security-Policy forbids them), no learner.
        assert_eq!(html.matches("<script").count(), 1, "{html}");
        assert!(html.contains(r#"<script src="/public/print.js" defer></script>"#));
        for absent in [
            ".wasm",
            " style=",
            "secret-id",
            "secret-username",
            "Secret Name",
        ] {
            assert!(!html.contains(absent), "{absent} in {html}");
        }
        assert!(
            html.contains("rel=\"stylesheet\""),
            "the app's stylesheet: {html}"
        );
        let query = "period=7d&tz=Asia/Kathmandu";
        let (_, overview) = app
            .get_json(&format!("/api/v1/agents/agent-a/users/overview?{query}"))
            .await;
        for (testid, field) in [
            ("card-online", "online"),
            ("card-active30", "active_30d"),
            ("card-registered", "registered"),
            ("card-active", "active_users"),
        ] {
            assert_eq!(
                card_value(&html, testid),
                shown_text(&overview[field], K),
                "{testid}"
            );
        }
        assert_eq!(
            card_value(&html, "card-messages"),
            shown_text(&overview["messages"], 0)
        );
        // The heatmap hides what the naive suppression hides, cell for cell.
        let (_, heatmap) = app
            .get_json(&format!("/api/v1/agents/agent-a/users/heatmap?{query}"))
            .await;
        let hidden = naive_hidden(&grid(&heatmap["users"]), K);
        let expected = hidden.iter().flatten().filter(|hidden| **hidden).count();
        assert!(expected > 0, "the data hides some cells");
        assert_eq!(
            // Heatmap cells (titled with their hour), not the trend's rows.
            html.matches(&format!(": fewer than {K}\" class=\"suppressed\">"))
                .count(),
            expected,
            "{html}"
        );
        // The exports are links holding their files.
        assert!(html.contains("download=\"access-times.csv\" href=\"data:text/csv;charset=utf-8,"));
        assert!(html.contains("download=\"active-users.csv\" href=\"data:text/csv;charset=utf-8,"));

        let (status, _, html) = page(&app, &"0".repeat(64), None).await;
        assert_eq!(status, 404);
        assert!(
            html.contains("Nothing to show") && html.contains("does not exist"),
            "{html}"
        );
    }
}

#[tokio::test]
async fn the_share_pages_password_form_works_without_script() {
    let app = app_with_learners(TestBackend::Sqlite).await;
    let cookie = sign_in(&app, "teacher", "a long password").await;
    let (_, token) = make_link(&app, &cookie, Some("open sesame")).await;
    let (status, _, html) = page(&app, &token, None).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("method=\"post\"") && html.contains("name=\"password\""),
        "{html}"
    );
    assert!(!html.contains("card-value"));
    let (status, _, html) = page(&app, &token, Some("wrong guess")).await;
    assert_eq!(status, 403);
    assert!(
        html.contains("Wrong password") && html.contains("name=\"password\""),
        "{html}"
    );
    let (status, _, html) = page(&app, &token, Some("open sesame")).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("card-value") && html.contains("agent-a"),
        "{html}"
    );
    // The right password cleared the count: ten wrong guesses, then the
    // eleventh waits.
    let mut last = (0, None);
    for _ in 0..11 {
        let (status, headers, _) = page(&app, &token, Some("wrong guess")).await;
        last = (status, headers.get("retry-after").cloned());
    }
    assert_eq!(last.0, 429);
    assert!(last.1.is_some(), "429 says when to try again");
}
