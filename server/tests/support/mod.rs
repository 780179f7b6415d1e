//! The real app on a random port, on a fresh database of either backend.

pub mod html;
pub mod postgres_cluster;
pub mod process;

use chrono::Utc;
use pulse_db::accounts::{Role, hash_password};
use pulse_db::keys::KeyScope;
use pulse_db::testing::{TestBackend, TestDb};
use pulse_server::config::{
    ConnectionLimits, DatabaseConfig, EmbedConfig, OidcConfig, ServeConfig,
};
use pulse_server::startup::Application;
use reqwest::{Client, RequestBuilder, Response};
use serde_json::Value;

pub struct TestApp {
    pub url: String,
    pub db: TestDb,
    pub client: Client,
    pub ingest_key: String,
    pub read_key: String,
    _dist: tempfile::TempDir,
}

impl TestApp {
    pub async fn spawn(backend: TestBackend) -> TestApp {
        TestApp::spawn_with(backend, |_| {}).await
    }

    /// The app with some settings changed from the tests' defaults.
    pub async fn spawn_with(
        backend: TestBackend,
        configure: impl FnOnce(&mut ServeConfig),
    ) -> TestApp {
        TestApp::spawn_on(TestDb::new(backend).await, configure).await
    }

    /// The app on a database the test filled first.
    pub async fn spawn_on(db: TestDb, configure: impl FnOnce(&mut ServeConfig)) -> TestApp {
        let dist = test_dist();
        let mut config = config_for(&db.url);
        config.dist_dir = Some(dist.path().to_owned());
        configure(&mut config);
        let app = Application::build(config).await.expect("the app starts");
        let url = format!("http://{}", app.address());
        tokio::spawn(app.run_until_stopped());
        let ingest_key = create_key(&db, KeyScope::Ingest, None).await;
        let read_key = create_key(&db, KeyScope::Read, None).await;
        TestApp {
            url,
            db,
            client: Client::new(),
            ingest_key,
            read_key,
            _dist: dist,
        }
    }

    pub async fn key(&self, scope: KeyScope, agents: &[&str]) -> String {
        create_key(
            &self.db,
            scope,
            Some(
                agents
                    .iter()
                    .map(std::string::ToString::to_string)
                    .collect(),
            ),
        )
        .await
    }

    /// Creates a dashboard account with `password`, seeing `agents`.
    pub async fn account(&self, username: &str, password: &str, role: Role, agents: &[&str]) {
        let agents: Vec<String> = agents
            .iter()
            .map(std::string::ToString::to_string)
            .collect();
        let now = pulse_db::time::Millis::now();
        self.db
            .store
            .create_account(username, &hash_password(password), role, &agents, now)
            .await
            .unwrap();
    }

    pub fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        key: Option<&str>,
    ) -> RequestBuilder {
        let request = self.client.request(method, format!("{}{path}", self.url));
        match key {
            Some(key) => request.bearer_auth(key),
            None => request,
        }
    }

    /// POSTs a JSON array of events with the ingest key.
    pub async fn post_events(&self, events: &Value) -> Response {
        self.request(
            reqwest::Method::POST,
            "/api/v1/events",
            Some(&self.ingest_key),
        )
        .json(events)
        .send()
        .await
        .unwrap()
    }

    pub async fn get_json(&self, path: &str) -> (u16, Value) {
        let response = self
            .request(reqwest::Method::GET, path, Some(&self.read_key))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// GETs `path` without a key, checks the answer is a 200 of the media
    /// type `content_type`, and returns it (to read its body).
    pub async fn get_ok(&self, path: &str, content_type: &str) -> reqwest::Response {
        let response = self
            .request(reqwest::Method::GET, path, None)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "GET {path}");
        let actual = response.headers()["content-type"].to_str().unwrap();
        assert!(actual.starts_with(content_type), "GET {path}: {actual}");
        response
    }

    pub async fn cleanup(self) {
        self.db.cleanup().await;
    }
}

/// The tests' default settings, on the database at `database_url`.
pub fn config_for(database_url: &str) -> ServeConfig {
    ServeConfig {
        addr: "127.0.0.1:0".parse().unwrap(),
        online_window: 300,
        figure_cache_mb: 96,
        retention_days: None,
        request_timeout: 30,
        dist_dir: None,
        demo: false,
        embed: EmbedConfig::default(),
        oidc: OidcConfig::default(),
        outreach_webhook: None,
        outreach_webhook_secret: None,
        outreach_timeout: 10,
        secure_cookies: false,
        public_url: None,
        trusted_proxies: Vec::new(),
        metrics_allow: vec!["127.0.0.0/8".parse().unwrap()],
        connections: ConnectionLimits::default(),
        database: DatabaseConfig {
            database_url: database_url.to_owned(),
        },
    }
}

/// Signs in through the app's server function; the session cookie
/// (`name=value`) it sets.
pub async fn sign_in(app: &TestApp, username: &str, password: &str) -> String {
    let response = app
        .client
        .post(format!("{}{}", app.url, server_fn_path("login")))
        .form(&[("username", username), ("password", password)])
        .send()
        .await
        .unwrap();
    let cookie = response.headers()["set-cookie"].to_str().unwrap();
    cookie.split(';').next().unwrap().to_owned()
}

/// Calls a server function with a JSON body as the holder of `cookie`
/// (`name=value`): the status and the answer's text.
pub async fn call_as(app: &TestApp, cookie: &str, name: &str, body: &Value) -> (u16, String) {
    let response = app
        .client
        .post(format!("{}{}", app.url, server_fn_path(name)))
        .header("Cookie", cookie)
        .json(body)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// Calls a server function with form arguments as the holder of `cookie`
/// (`name=value`): the status and the answer's text.
pub async fn call_form_as(
    app: &TestApp,
    cookie: &str,
    name: &str,
    form: &[(&str, &str)],
) -> (u16, String) {
    let response = app
        .client
        .post(format!("{}{}", app.url, server_fn_path(name)))
        .header("Cookie", cookie)
        .form(form)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// A stand-in for Trunk's output: an index page, a hashed asset, a public file.
pub fn test_dist() -> tempfile::TempDir {
    let dist = tempfile::tempdir().unwrap();
    std::fs::write(
        dist.path().join("index.html"),
        "<!DOCTYPE html><title>Pulse test</title>\
         <link rel=\"stylesheet\" href=\"/main-0123456789abcdef.css\"/><body></body>",
    )
    .unwrap();
    std::fs::write(
        dist.path().join("main-0123456789abcdef.css"),
        "body { margin: 0 }",
    )
    .unwrap();
    std::fs::write(
        dist.path().join("app-0123456789abcdef.js"),
        "console.log(1)",
    )
    .unwrap();
    std::fs::write(dist.path().join("robots.txt"), "User-agent: *").unwrap();
    dist
}

pub async fn create_key(db: &TestDb, scope: KeyScope, agents: Option<Vec<String>>) -> String {
    let (secret, _) = db
        .store
        .create_key(scope, agents, None, pulse_db::time::Millis::now())
        .await
        .unwrap();
    secret
}

/// A valid event, `minutes_ago` before now.
pub fn event(id: &str, agent: &str, user: &str, kind: &str, minutes_ago: i64) -> Value {
    let at = Utc::now() - chrono::Duration::minutes(minutes_ago);
    serde_json::json!({"id": id, "type": kind, "agent_id": agent, "user_id": user, "at": at.to_rfc3339()})
}

/// How many raw events the agent has (0 when it does not exist).
pub async fn stored_events(db: &TestDb, agent: &str) -> usize {
    match db.store.find_agent(agent).await.unwrap() {
        Some(agent) => db
            .store
            .raw_activity(
                &agent,
                pulse_db::time::Millis(0),
                pulse_db::time::Millis(i64::MAX),
            )
            .await
            .unwrap()
            .len(),
        None => 0,
    }
}

/// The URL path of a registered server function (`name` and Leptos' suffix).
pub fn server_fn_path(name: &str) -> String {
    pulse_app::server::register_server_fns();
    server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.to_owned())
        .find(|path| path.starts_with(&format!("/api/{name}")))
        .unwrap_or_else(|| panic!("server function {name}"))
}

/// Tests that load the machine (crash loops, database faults) and tests that
/// assert on elapsed time hold this while they run, so that none of them
/// runs beside another: in one test binary they would otherwise overlap,
/// and a deadline checked beside a crash loop could miss without a fault.
pub async fn one_at_a_time() -> tokio::sync::MutexGuard<'static, ()> {
    static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    SERIAL.lock().await
}
