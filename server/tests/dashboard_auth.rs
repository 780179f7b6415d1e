//! Who may call the dashboard's server functions: signed-in accounts only,
//! each seeing only the agents it may see.

use crate::support;

use pulse_db::accounts::Role;
use pulse_db::testing::TestBackend;
use reqwest::header::{COOKIE, SET_COOKIE};
use rstest::rstest;
use serde_json::{Value, json};
use support::{TestApp, event, server_fn_path};

/// Calls a server function with a form (Leptos' default encoding).
async fn call(
    app: &TestApp,
    name: &str,
    cookie: Option<&str>,
    form: &[(&str, &str)],
) -> (u16, Value, Option<String>) {
    send(app.client.post(function_url(app, name)).form(form), cookie).await
}

/// Calls a server function declared `#[server(input = Json)]`.
async fn call_json(
    app: &TestApp,
    name: &str,
    cookie: Option<&str>,
    body: &Value,
) -> (u16, Value, Option<String>) {
    send(app.client.post(function_url(app, name)).json(body), cookie).await
}

fn function_url(app: &TestApp, name: &str) -> String {
    format!("{}{}", app.url, server_fn_path(name))
}

/// Sends the call (with the session cookie, if any): the status, the body
/// (JSON when it is), and the cookie set.
async fn send(
    mut request: reqwest::RequestBuilder,
    cookie: Option<&str>,
) -> (u16, Value, Option<String>) {
    if let Some(cookie) = cookie {
        request = request.header(COOKIE, cookie);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let set_cookie = response
        .headers()
        .get(SET_COOKIE)
        .map(|v| v.to_str().unwrap().to_owned());
    let body = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&body).unwrap_or(Value::String(body)),
        set_cookie,
    )
}

/// The arguments of `update_account`: `fields` changed, the rest kept.
fn update(username: &str, fields: Value) -> Value {
    let mut update =
        json!({"username": username, "agents": null, "password": null, "disabled": null});
    for (name, value) in fields.as_object().unwrap() {
        update[name] = value.clone();
    }
    json!({ "update": update })
}

/// Agents `tutor` (learner ann) and `essays` (bob), and the
/// superadministrator `boss` (password `boss password 1`).
async fn two_agents_and_a_superadmin(app: &TestApp) {
    let batch = json!([
        event("1", "tutor", "ann", "message", 3),
        event("2", "essays", "bob", "message", 2)
    ]);
    assert_eq!(app.post_events(&batch).await.status(), 200);
    app.account("boss", "boss password 1", Role::Superadmin, &[])
        .await;
}

async fn sign_in(app: &TestApp, username: &str, password: &str) -> Option<String> {
    let (status, _, set_cookie) = call(
        app,
        "login",
        None,
        &[("username", username), ("password", password)],
    )
    .await;
    if status != 200 {
        return None;
    }
    let cookie = set_cookie.expect("a session cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    Some(cookie.split(';').next().unwrap().to_owned())
}

#[tokio::test]
async fn server_functions_answer_only_whom_they_may() {
    let app = TestApp::spawn(TestBackend::Sqlite).await;
    two_agents_and_a_superadmin(&app).await;
    app.account("tutor-admin", "tutor password 1", Role::Admin, &["tutor"])
        .await;

    // Anonymous: nothing.
    for name in ["list_agents", "get_agent", "users_dashboard", "online_now"] {
        let (status, body, _) = call(&app, name, None, &[("agent_id", "tutor")]).await;
        assert!(
            status >= 400,
            "{name} answered anonymously: {status} {body}"
        );
    }
    // Wrong password and unknown user: the same answer.
    let (wrong_status, wrong, _) = call(
        &app,
        "login",
        None,
        &[("username", "boss"), ("password", "nope")],
    )
    .await;
    let (unknown_status, unknown, _) = call(
        &app,
        "login",
        None,
        &[("username", "nobody"), ("password", "nope")],
    )
    .await;
    assert_eq!((wrong_status, &wrong), (unknown_status, &unknown));
    assert!(sign_in(&app, "boss", "wrong").await.is_none());

    let boss = sign_in(&app, "boss", "boss password 1").await.unwrap();
    let (status, agents, _) = call(&app, "list_agents", Some(&boss), &[]).await;
    assert_eq!(status, 200);
    assert_eq!(agents.as_array().unwrap().len(), 2);

    let admin = sign_in(&app, "tutor-admin", "tutor password 1")
        .await
        .unwrap();
    let (_, agents, _) = call(&app, "list_agents", Some(&admin), &[]).await;
    assert_eq!(agents, json!([{"agent_id": "tutor", "name": "tutor"}]));
    let (status, _, _) = call(&app, "get_agent", Some(&admin), &[("agent_id", "tutor")]).await;
    assert_eq!(status, 200);
    // Another agent is "not found", exactly like an agent that does not exist.
    let (forbidden_status, forbidden, _) =
        call(&app, "get_agent", Some(&admin), &[("agent_id", "essays")]).await;
    let (missing_status, missing, _) =
        call(&app, "get_agent", Some(&admin), &[("agent_id", "nothing")]).await;
    assert!(forbidden_status >= 400);
    assert_eq!(forbidden_status, missing_status);
    assert_eq!(
        forbidden.to_string().replace("essays", "X"),
        missing.to_string().replace("nothing", "X")
    );

    // A forged or signed-out session is refused.
    let (status, _, _) = call(&app, "list_agents", Some("pulse_session=forged"), &[]).await;
    assert!(status >= 400);
    let (status, _, cleared) = call(&app, "logout", Some(&admin), &[]).await;
    assert_eq!(status, 200);
    assert!(cleared.unwrap().contains("Max-Age=0"));
    let (status, _, _) = call(&app, "list_agents", Some(&admin), &[]).await;
    assert!(status >= 400, "the session ended with logout");
    app.cleanup().await;
}

#[tokio::test]
async fn repeated_failed_sign_ins_are_throttled_even_with_the_right_password() {
    let app = TestApp::spawn(TestBackend::Postgres).await;
    app.account("ann", "ann password 12", Role::Admin, &[])
        .await;
    for _ in 0..10 {
        assert!(sign_in(&app, "ann", "guess").await.is_none());
    }
    let (status, body, _) = call(
        &app,
        "login",
        None,
        &[("username", "ann"), ("password", "ann password 12")],
    )
    .await;
    assert!(
        status >= 400 && body.to_string().contains("Too many failed sign-ins"),
        "{status} {body}"
    );
    // Another account from the same address is not locked out (below the address limit).
    app.account("bob", "bob password 12", Role::Admin, &[])
        .await;
    assert!(sign_in(&app, "bob", "bob password 12").await.is_some());
    app.cleanup().await;
}

#[tokio::test]
async fn server_functions_refuse_cross_site_requests() {
    let app = TestApp::spawn(TestBackend::Sqlite).await;
    let path = server_fn_path("list_agents");
    let post = |header: (&'static str, &'static str)| {
        app.client
            .post(format!("{}{path}", app.url))
            .header(header.0, header.1)
            .form(&[("x", "y")])
            .send()
    };
    assert_eq!(
        post(("Origin", "https://evil.example"))
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        post(("Sec-Fetch-Site", "cross-site"))
            .await
            .unwrap()
            .status(),
        403
    );
    let same_origin = app.url.clone();
    let response = app
        .client
        .post(format!("{}{path}", app.url))
        .header("Origin", same_origin)
        .form(&[("x", "y")])
        .send()
        .await
        .unwrap();
    assert_ne!(
        response.status(),
        403,
        "same-origin calls go through (and are then asked to sign in)"
    );
    app.cleanup().await;
}

#[tokio::test]
async fn a_superadministrator_manages_accounts_and_keys() {
    let app = TestApp::spawn(TestBackend::Postgres).await;
    two_agents_and_a_superadmin(&app).await;
    let boss = sign_in(&app, "boss", "boss password 1").await.unwrap();

    let created = json!({"account": {
        "username": "carol",
        "password": "carol password",
        "role": "admin",
        "agents": ["tutor"],
    }});
    assert_eq!(
        call_json(&app, "create_account", Some(&boss), &created)
            .await
            .0,
        200
    );
    assert!(
        call_json(&app, "create_account", Some(&boss), &created)
            .await
            .0
            >= 400,
        "a second carol is refused"
    );
    let carol = sign_in(&app, "carol", "carol password").await.unwrap();
    let (_, agents, _) = call(&app, "list_agents", Some(&carol), &[]).await;
    assert_eq!(agents, json!([{"agent_id": "tutor", "name": "tutor"}]));

    // Grants take effect at once, in the session she already has.
    let grant = update("carol", json!({"agents": ["tutor", " essays "]}));
    assert_eq!(
        call_json(&app, "update_account", Some(&boss), &grant)
            .await
            .0,
        200
    );
    assert_eq!(
        call(&app, "list_agents", Some(&carol), &[])
            .await
            .1
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // A new password, then disabled: the old password and then the account stop working.
    assert_eq!(
        call_json(
            &app,
            "update_account",
            Some(&boss),
            &update("carol", json!({"password": "another password"}))
        )
        .await
        .0,
        200
    );
    assert!(sign_in(&app, "carol", "carol password").await.is_none());
    assert!(sign_in(&app, "carol", "another password").await.is_some());
    assert_eq!(
        call_json(
            &app,
            "update_account",
            Some(&boss),
            &update("carol", json!({"disabled": true}))
        )
        .await
        .0,
        200
    );
    assert!(sign_in(&app, "carol", "another password").await.is_none());
    let (_, accounts, _) = call(&app, "list_accounts", Some(&boss), &[]).await;
    assert_eq!(
        accounts[1],
        json!({"username": "carol", "superadmin": false, "disabled": true, "agents": ["essays", "tutor"]})
    );

    // A key made in the settings works on the API until it is revoked.
    let (status, secret, _) = call_json(
        &app,
        "create_key",
        Some(&boss),
        &json!({"request": {"scope": "read", "agents": {"only": ["essays"]}, "label": "report"}}),
    )
    .await;
    assert_eq!(status, 200);
    let secret = secret.as_str().unwrap().to_owned();
    let read = |path: &'static str| {
        app.client
            .get(format!("{}{path}", app.url))
            .bearer_auth(&secret)
            .send()
    };
    assert_eq!(
        read("/api/v1/agents/essays/users").await.unwrap().status(),
        200
    );
    assert_eq!(
        read("/api/v1/agents/tutor/users").await.unwrap().status(),
        403
    );
    let (_, keys, _) = call(&app, "list_keys", Some(&boss), &[]).await;
    let listed = keys
        .as_array()
        .unwrap()
        .iter()
        .find(|key| key["label"] == "report")
        .unwrap()
        .clone();
    assert!(
        !keys.to_string().contains(&secret),
        "secrets are never listed"
    );
    let prefix = listed["prefix"].as_str().unwrap();
    assert_eq!(
        call(&app, "revoke_key", Some(&boss), &[("prefix", prefix)])
            .await
            .0,
        200
    );
    assert_eq!(
        read("/api/v1/agents/essays/users").await.unwrap().status(),
        401
    );
    app.cleanup().await;
}

#[tokio::test]
async fn a_session_id_planted_before_sign_in_is_never_signed_in() {
    let app = TestApp::spawn(TestBackend::Sqlite).await;
    app.account("ann", "ann password 12", Role::Admin, &[])
        .await;
    let planted = "pulse_session=chosen-by-an-attacker";
    let (status, _, issued) = call(
        &app,
        "login",
        Some(planted),
        &[("username", "ann"), ("password", "ann password 12")],
    )
    .await;
    assert_eq!(status, 200);
    let issued = issued.unwrap();
    assert!(
        !issued.contains("chosen-by-an-attacker"),
        "a fresh token is issued: {issued}"
    );
    assert!(
        call(&app, "list_agents", Some(planted), &[]).await.0 >= 400,
        "the planted id stays signed out"
    );
    app.cleanup().await;
}

/// Rows of a table, counted with a connection of the test's own.
async fn count_rows(app: &TestApp, sql: &str) -> i64 {
    use sqlx::Connection;
    if app.db.url.starts_with("sqlite:") {
        let mut connection = sqlx::SqliteConnection::connect(&app.db.url).await.unwrap();
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
            .fetch_one(&mut connection)
            .await
            .unwrap()
    } else {
        let mut connection = sqlx::PgConnection::connect(&app.db.url).await.unwrap();
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
            .fetch_one(&mut connection)
            .await
            .unwrap()
    }
}

#[rstest]
#[case::sqlite(TestBackend::Sqlite)]
#[case::postgres(TestBackend::Postgres)]
#[tokio::test]
async fn parallel_guesses_cannot_pass_the_throttle_together(#[case] backend: TestBackend) {
    let app = TestApp::spawn(backend).await;
    app.account("ann", "ann password 12", Role::Admin, &[])
        .await;
    // 100 guesses at once, the right password among them.
    let url = format!("{}{}", app.url, server_fn_path("login"));
    let mut guesses = tokio::task::JoinSet::new();
    for index in 0..100 {
        let password = if index == 60 {
            "ann password 12".to_owned()
        } else {
            format!("guess {index}")
        };
        let request = app
            .client
            .post(&url)
            .form(&[("username", "ann".to_owned()), ("password", password)]);
        guesses.spawn(async move {
            let response = request.send().await.unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        });
    }
    let answers = guesses.join_all().await;
    let checked = answers
        .iter()
        // Only these had their password checked: the others were refused
        // by the throttle (or, the hash gate being full, before hashing).
        .filter(|(status, body)| *status == 200 || body.contains("Wrong username or password"))
        .count();
    assert!(
        checked <= 10,
        "{backend:?}: {checked} of 100 parallel guesses had their password checked (limit 10)"
    );
    app.cleanup().await;
}

#[tokio::test]
async fn sign_in_fields_are_bounded_before_anything_is_recorded() {
    let app = TestApp::spawn(TestBackend::Sqlite).await;
    let huge = "u".repeat(1_000_000);
    let (status, body, _) = call(
        &app,
        "login",
        None,
        &[("username", &huge), ("password", "x")],
    )
    .await;
    assert!((400..500).contains(&status), "{status}");
    assert!(
        body.to_string().contains("at most 100 characters"),
        "{body}"
    );
    let long_password = "p".repeat(5_000);
    let (status, _, _) = call(
        &app,
        "login",
        None,
        &[("username", "ann"), ("password", &long_password)],
    )
    .await;
    assert!((400..500).contains(&status), "{status}");
    assert_eq!(
        count_rows(&app, "SELECT COUNT(*) FROM login_failures").await,
        0
    );
    app.cleanup().await;
}

#[rstest]
#[case::sqlite(TestBackend::Sqlite)]
#[case::postgres(TestBackend::Postgres)]
#[tokio::test]
async fn account_and_key_changes_are_checked_before_anything_is_written(
    #[case] backend: TestBackend,
) {
    let app = TestApp::spawn(backend).await;
    two_agents_and_a_superadmin(&app).await;
    app.account("carol", "carol password", Role::Admin, &["tutor"])
        .await;
    let boss = sign_in(&app, "boss", "boss password 1").await.unwrap();

    // New agents with a too-short password: refused, and the agents stay.
    let change = update(
        "carol",
        json!({"agents": ["tutor", "essays"], "password": "short"}),
    );
    let (status, body, _) = call_json(&app, "update_account", Some(&boss), &change).await;
    assert_eq!(status / 100, 4, "{backend:?}: {status} {body}");
    let carol = sign_in(&app, "carol", "carol password")
        .await
        .expect("password unchanged");
    let (_, agents, _) = call(&app, "list_agents", Some(&carol), &[]).await;
    assert_eq!(
        agents,
        json!([{"agent_id": "tutor", "name": "tutor"}]),
        "{backend:?}"
    );

    // An empty list of agents is an error, never "every agent".
    let keys_before = count_rows(&app, "SELECT COUNT(*) FROM api_keys").await;
    for agents in [json!([]), json!(["", " "]), json!([" , "])] {
        let request =
            json!({"request": {"scope": "read", "agents": {"only": agents}, "label": ""}});
        let (status, body, _) = call_json(&app, "create_key", Some(&boss), &request).await;
        assert_eq!(status / 100, 4, "{backend:?} {agents:?}: {status} {body}");
        if agents != json!([" , "]) {
            assert!(body.to_string().contains("at least one agent"), "{body}");
        }
    }
    // "Every agent" with a list cannot be said any more; an unknown scope is refused.
    let request = json!({"request": {"scope": "admin", "agents": "every", "label": ""}});
    assert_eq!(
        call_json(&app, "create_key", Some(&boss), &request).await.0,
        400
    );
    assert_eq!(
        count_rows(&app, "SELECT COUNT(*) FROM api_keys").await,
        keys_before,
        "{backend:?}"
    );

    // Two keys sharing a prefix (as old keys could): revoking by the
    // prefix revokes neither; a new key never takes a used prefix.
    let first = app.key(pulse_db::keys::KeyScope::Read, &["tutor"]).await;
    let second = app.key(pulse_db::keys::KeyScope::Read, &["essays"]).await;
    let prefix = |key: &str| key.rsplit_once('_').unwrap().0.to_owned();
    let shared = prefix(&first);
    let sql = format!(
        "UPDATE api_keys SET prefix = '{shared}' WHERE prefix = '{}'",
        prefix(&second)
    );
    {
        use sqlx::Connection;
        if backend == TestBackend::Sqlite {
            let mut c = sqlx::SqliteConnection::connect(&app.db.url).await.unwrap();
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&mut c)
                .await
                .unwrap();
        } else {
            let mut c = sqlx::PgConnection::connect(&app.db.url).await.unwrap();
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&mut c)
                .await
                .unwrap();
        }
    }
    let (status, body, _) = call(&app, "revoke_key", Some(&boss), &[("prefix", &shared)]).await;
    assert_eq!(status / 100, 4, "{backend:?}: {status} {body}");
    assert!(body.to_string().contains("2 active keys share"), "{body}");
    for key in [&first, &second] {
        let response = app
            .request(reqwest::Method::GET, "/api/v1/agents", Some(key))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{backend:?}: the key still works");
    }
    let (_, mut taken) = pulse_db::keys::generate(
        pulse_db::keys::KeyScope::Read,
        None,
        None,
        pulse_db::time::Millis(0),
    );
    taken.prefix = shared.clone();
    assert!(
        !app.db.store.insert_key(&taken).await.unwrap(),
        "{backend:?}: a used prefix is refused"
    );
    app.cleanup().await;
}

/// Signs in through a proxy on loopback that says the client is `client`.
async fn sign_in_from(
    app: &TestApp,
    client: &str,
    username: &str,
    password: &str,
) -> (u16, String) {
    let response = app
        .client
        .post(format!("{}{}", app.url, server_fn_path("login")))
        .header("X-Forwarded-For", client)
        .form(&[("username", username), ("password", password)])
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test]
async fn failed_sign_ins_slow_the_attacker_not_the_account() {
    let app = TestApp::spawn_with(TestBackend::Sqlite, |config| {
        config.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    app.account("ann", "ann password 12", Role::Admin, &[])
        .await;
    // A stranger at one address fails ten times on ann's name ...
    for attempt in 0..10 {
        let (status, _) =
            sign_in_from(&app, "198.51.100.66", "ann", &format!("guess {attempt}")).await;
        assert_eq!(status, 400);
    }
    let (status, body) = sign_in_from(&app, "198.51.100.66", "ann", "ann password 12").await;
    assert_eq!(
        status, 429,
        "the stranger is stopped, even with the password: {body}"
    );
    // ... and ann, from her own address, still signs in: the account is
    // never locked for everyone (a short wait at most).
    let started = std::time::Instant::now();
    let (status, body) = sign_in_from(&app, "203.0.113.5", "ann", "ann password 12").await;
    assert_eq!(status, 200, "{body}");
    assert!(
        started.elapsed() >= std::time::Duration::from_millis(250),
        "the account's failures slow each attempt"
    );
    // One address failing on many accounts is stopped at 50.
    for attempt in 0..50 {
        let (status, _) =
            sign_in_from(&app, "192.0.2.99", &format!("user{attempt}"), "wrong").await;
        assert_eq!(status, 400, "attempt {attempt}");
    }
    assert_eq!(
        sign_in_from(&app, "192.0.2.99", "ann", "ann password 12")
            .await
            .0,
        429
    );
    assert_eq!(
        sign_in_from(&app, "192.0.2.100", "ann", "ann password 12")
            .await
            .0,
        200
    );
    app.cleanup().await;
}

#[tokio::test]
async fn forwarding_headers_count_only_from_trusted_proxies() {
    // No trusted proxies: X-Forwarded-For is the client's own claim, ignored.
    let app = TestApp::spawn(TestBackend::Sqlite).await;
    app.account("ann", "ann password 12", Role::Admin, &[])
        .await;
    for attempt in 0..10 {
        let claimed = format!("198.51.100.{attempt}");
        assert_eq!(sign_in_from(&app, &claimed, "ann", "guess").await.0, 400);
    }
    let (status, _) = sign_in_from(&app, "198.51.100.200", "ann", "ann password 12").await;
    assert_eq!(
        status, 429,
        "rotating a forged header does not escape the limit"
    );
    app.cleanup().await;
}
