//! Single sign-on (docs/SSO.md) against a real OpenID provider: the
//! certified `oidc-provider` package run by `end2end/oidc-provider.mjs`,
//! walked over real HTTP as a browser would (its sign-in form, its
//! redirects, its cookies). Accounts are made with what the provider's
//! claim maps to, refreshed at each sign-in; every failure lands on the
//! sign-in page saying why; a rotated signing key is fetched; sign-out
//! ends the provider's session too; a provider that is down leaves
//! password sign-in working.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use pulse_db::accounts::Role;
use pulse_db::testing::TestBackend;
use reqwest::redirect::Policy;
use rstest::rstest;
use serde_json::{Value, json};

use pulse_server::config::ServeConfig;

use crate::support::process::free_port;
use crate::support::{TestApp, call_as, call_form_as, sign_in};

const CLIENT_ID: &str = "pulse";
const CLIENT_SECRET: &str = "the test client secret";
const GRANTS: &str = "algebra-teachers=admin:algebra,geometry/period-1; owners=superadmin";
const NEXT: &str = "/agents/algebra/analytics/users?period=7d&tz=UTC";

/// The provider, running; killed when dropped.
struct Provider {
    child: Child,
    issuer: String,
    people: PathBuf,
}

impl Provider {
    /// Starts the provider on `port` for the Pulse at `pulse_url`, signing
    /// with a new key named `key_id`; returns once it listens.
    fn start(
        port: u16,
        pulse_url: &str,
        people: &Path,
        key_id: &str,
        claims_in_id_token: bool,
    ) -> Provider {
        let repository = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let script = repository.join("end2end/oidc-provider.mjs");
        assert!(
            repository
                .join("end2end/node_modules/oidc-provider")
                .exists(),
            "end2end/node_modules lacks oidc-provider: run scripts/setup.sh --test"
        );
        let issuer = format!("http://127.0.0.1:{port}");
        let mut child = Command::new("node")
            .arg(&script)
            .env("OIDC_ISSUER", &issuer)
            .env("OIDC_CLIENT_ID", CLIENT_ID)
            .env("OIDC_CLIENT_SECRET", CLIENT_SECRET)
            .env(
                "OIDC_REDIRECT_URI",
                format!("{pulse_url}/auth/oidc/callback"),
            )
            .env("OIDC_LOGOUT_URI", format!("{pulse_url}/login"))
            .env("OIDC_PEOPLE_FILE", people)
            .env("OIDC_KEY_ID", key_id)
            .env(
                "OIDC_CLAIMS_IN_ID_TOKEN",
                if claims_in_id_token { "1" } else { "0" },
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("node runs");
        let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        std::io::BufRead::read_line(&mut stdout, &mut line).unwrap();
        assert!(
            line.starts_with("provider at"),
            "the provider did not start: {line:?}"
        );
        // Read on to the end, so that the provider never writes to a closed pipe.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        Provider {
            child,
            issuer,
            people: people.to_owned(),
        }
    }

    /// Sets the people the provider knows: login → (name, groups).
    fn set_people(&self, people: &Value) {
        std::fs::write(&self.people, people.to_string()).unwrap();
    }
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Pulse configured for the provider at `provider_port`, listening on a
/// port chosen first (the provider must know Pulse's callback URL).
async fn pulse_for(backend: TestBackend, provider_port: u16, password_sign_in: bool) -> TestApp {
    let port = free_port();
    TestApp::spawn_with(backend, move |config| {
        config.addr = format!("127.0.0.1:{port}").parse().unwrap();
        config.public_url =
            Some(pulse_server::config::Origin::parse(&format!("http://127.0.0.1:{port}")).unwrap());
        config.oidc.oidc_issuer = Some(format!("http://127.0.0.1:{provider_port}"));
        config.oidc.oidc_client_id = Some(CLIENT_ID.into());
        config.oidc.oidc_client_secret = Some(CLIENT_SECRET.into());
        config.oidc.oidc_grants = Some(GRANTS.into());
        config.oidc.oidc_scopes = "profile email groups".into();
        config.oidc.oidc_name = "School account".into();
        config.oidc.password_sign_in = password_sign_in;
    })
    .await
}

/// A browser: its own cookies, no redirect followed by itself.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .unwrap()
}

fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .unwrap_or_else(|| panic!("no Location in a {} answer", response.status()))
        .to_str()
        .unwrap()
        .to_owned()
}

/// `location` made absolute against `base`.
fn absolute(base: &str, location: &str) -> String {
    reqwest::Url::parse(base)
        .unwrap()
        .join(location)
        .unwrap()
        .to_string()
}

/// How a walk through the provider ended back at Pulse.
struct Landing {
    /// Where Pulse sent the browser last.
    location: String,
    /// Pulse's session cookie (`name=value`), when it set one.
    session: Option<String>,
    /// Whether the provider showed its sign-in form on the way.
    asked_to_sign_in: bool,
    /// Pulse's callback URL the provider sent the browser to.
    callback: String,
}

/// Clicks "Sign in with School account" and walks on as a browser:
/// through the provider's redirects, signing in as `login` when it asks,
/// to Pulse's callback and its answer.
async fn sign_on(browser: &reqwest::Client, app: &TestApp, login: &str, next: &str) -> Landing {
    let start = format!("{}/auth/oidc/login?next={}", app.url, urlencode(next));
    let mut answer = browser.get(&start).send().await.unwrap();
    assert_eq!(answer.status(), 303, "{start}");
    let mut url = absolute(&start, &location(&answer));
    if url.starts_with(&app.url) {
        // Straight back to Pulse: the provider was not reached.
        return Landing {
            location: url.clone(),
            session: None,
            asked_to_sign_in: false,
            callback: String::new(),
        };
    }
    let authorize = reqwest::Url::parse(&url).unwrap();
    let asked: Vec<(String, String)> = authorize.query_pairs().into_owned().collect();
    for (parameter, expected) in [
        ("code_challenge_method", Some("S256")),
        ("response_type", Some("code")),
        ("state", None),
        ("nonce", None),
        ("code_challenge", None),
    ] {
        let value = asked
            .iter()
            .find(|(name, _)| name == parameter)
            .map(|(_, value)| value.as_str());
        assert!(
            value.is_some_and(|value| value.len() >= 4 || Some(value) == expected),
            "{parameter} in {url}"
        );
        if let Some(expected) = expected {
            assert_eq!(value, Some(expected));
        }
    }
    let mut asked_to_sign_in = false;
    // The provider's pages until it sends the browser back to Pulse.
    loop {
        answer = browser.get(&url).send().await.unwrap();
        if answer.status().is_redirection() {
            url = absolute(&url, &location(&answer));
            if url.starts_with(&app.url) {
                break;
            }
            continue;
        }
        let page = answer.text().await.unwrap();
        let action = page
            .split("action=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_else(|| panic!("no form on the provider's page: {page}"));
        asked_to_sign_in = true;
        let posted = browser
            .post(absolute(&url, action))
            .form(&[
                ("prompt", "login"),
                ("login", login),
                ("password", "any password"),
            ])
            .send()
            .await
            .unwrap();
        assert!(posted.status().is_redirection(), "{}", posted.status());
        url = absolute(&url, &location(&posted));
        if url.starts_with(&app.url) {
            break;
        }
    }
    let callback = url.clone();
    let landed = browser.get(&url).send().await.unwrap();
    assert_eq!(landed.status(), 303, "{url}");
    let session = landed
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|cookie| cookie.to_str().ok())
        .find(|cookie| {
            cookie.starts_with("pulse_session=") && !cookie.starts_with("pulse_session=;")
        })
        .map(|cookie| cookie.split(';').next().unwrap().to_owned());
    Landing {
        location: location(&landed),
        session,
        asked_to_sign_in,
        callback,
    }
}

/// Starts a sign-in in `browser` (to come back to `next`) without going on
/// to the provider: the `state` it was given.
async fn started_state(browser: &reqwest::Client, app: &TestApp, next: &str) -> String {
    let start = browser
        .get(format!(
            "{}/auth/oidc/login?next={}",
            app.url,
            urlencode(next)
        ))
        .send()
        .await
        .unwrap();
    reqwest::Url::parse(&location(&start))
        .unwrap()
        .query_pairs()
        .find(|(name, _)| name == "state")
        .expect("a state in the provider's URL")
        .1
        .into_owned()
}

fn urlencode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

async fn account(app: &TestApp, username: &str) -> pulse_db::accounts::Account {
    app.db
        .store
        .list_accounts()
        .await
        .unwrap()
        .into_iter()
        .find(|account| account.username == username)
        .unwrap_or_else(|| panic!("no account {username}"))
}

fn people(groups: &[&str]) -> Value {
    json!({ "ada": { "name": "Ada Lovelace", "groups": groups } })
}

/// Pulse and its provider, started together, Ada in `groups`.
struct SignOnSetting {
    app: TestApp,
    provider: Provider,
    provider_port: u16,
    people_file: PathBuf,
    claims_in_id_token: bool,
    _dir: tempfile::TempDir,
}

impl SignOnSetting {
    async fn start(
        backend: TestBackend,
        password_sign_in: bool,
        claims_in_id_token: bool,
        groups: &[&str],
    ) -> SignOnSetting {
        let provider_port = free_port();
        let app = pulse_for(backend, provider_port, password_sign_in).await;
        let dir = tempfile::tempdir().unwrap();
        let people_file = dir.path().join("people.json");
        let provider = Provider::start(
            provider_port,
            &app.url,
            &people_file,
            "key-1",
            claims_in_id_token,
        );
        provider.set_people(&people(groups));
        SignOnSetting {
            app,
            provider,
            provider_port,
            people_file,
            claims_in_id_token,
            _dir: dir,
        }
    }

    /// The provider started again, signing with a new key `key_id`.
    fn restart_provider(&mut self, key_id: &str) {
        let people = std::fs::read_to_string(&self.people_file).unwrap();
        // The old one stops (and frees its port) first.
        self.provider.child.kill().unwrap();
        self.provider.child.wait().unwrap();
        self.provider = Provider::start(
            self.provider_port,
            &self.app.url,
            &self.people_file,
            key_id,
            self.claims_in_id_token,
        );
        std::fs::write(&self.people_file, people).unwrap();
    }
}

#[rstest]
#[case::sqlite(TestBackend::Sqlite)]
#[case::postgres(TestBackend::Postgres)]
#[tokio::test]
async fn the_first_sign_in_makes_the_account_its_claim_maps_to_and_each_sign_in_refreshes_it(
    #[case] backend: TestBackend,
) {
    // The standard provider: groups at the userinfo endpoint, not in the ID token.
    let SignOnSetting {
        app,
        provider,
        _dir,
        ..
    } = SignOnSetting::start(backend, true, false, &["algebra-teachers", "choir"]).await;

    let landing = sign_on(&browser(), &app, "ada", NEXT).await;
    assert_eq!(landing.location, NEXT, "back where the sign-in started");
    assert!(landing.asked_to_sign_in);
    let session = landing.session.expect("a session cookie");
    let ada = account(&app, "sso:ada").await;
    assert_eq!(
        (ada.role, ada.agents.clone()),
        (
            Role::Admin,
            vec!["algebra".to_owned(), "geometry".to_owned()]
        )
    );
    assert_eq!(
        ada.section_limit("geometry"),
        Some(vec!["period-1".to_owned()])
    );
    assert_eq!(ada.section_limit("algebra"), None);
    assert!(!ada.manages_pulse());
    let (status, me) = call_as(&app, &session, "current_account", &json!({})).await;
    assert_eq!(status, 200, "{me}");
    let me: Value = serde_json::from_str(&me).unwrap();
    assert_eq!(
        (me["name"].as_str(), me["manages_settings"].as_bool()),
        (Some("Ada Lovelace"), Some(false))
    );
    let (status, _) = call_as(&app, &session, "list_accounts", &json!({})).await;
    assert_eq!(status, 403, "an administrator manages nothing");

    // Her groups change at the provider: the next sign-in brings them.
    provider.set_people(&people(&["owners"]));
    let landing = sign_on(&browser(), &app, "ada", "/").await;
    let session = landing.session.expect("signed in again");
    assert_eq!(account(&app, "sso:ada").await.role, Role::Superadmin);
    let (status, accounts) = call_as(&app, &session, "list_accounts", &json!({})).await;
    assert_eq!(
        status, 200,
        "a superadministrator by the provider's word manages Pulse: {accounts}"
    );
    assert!(
        accounts.contains("\"display_name\":\"Ada Lovelace\""),
        "{accounts}"
    );

    // In no group Pulse knows: refused, and the account keeps no agents.
    provider.set_people(&people(&["choir"]));
    let landing = sign_on(&browser(), &app, "ada", NEXT).await;
    assert_eq!(landing.session, None);
    assert!(
        landing.location.starts_with("/login?sso=no-access&next="),
        "{}",
        landing.location
    );
    let ada = account(&app, "sso:ada").await;
    assert_eq!((ada.role, ada.agents.len()), (Role::Admin, 0));
    assert!(!ada.may_view("algebra"));

    // Disabled in Settings: the provider's word does not enable it.
    provider.set_people(&people(&["algebra-teachers"]));
    app.db
        .store
        .update_account(
            "sso:ada",
            &pulse_db::accounts::AccountChange {
                disabled: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let landing = sign_on(&browser(), &app, "ada", NEXT).await;
    assert_eq!(
        (
            landing.session,
            landing.location.starts_with("/login?sso=disabled")
        ),
        (None, true)
    );
    // Its grants are the provider's alone.
    let refused = app
        .db
        .store
        .update_account(
            "sso:ada",
            &pulse_db::accounts::AccountChange {
                agents: Some(vec!["x".into()]),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("single sign-on"), "{refused}");
    app.cleanup().await;
}

#[rstest]
#[case::sqlite(TestBackend::Sqlite)]
#[case::postgres(TestBackend::Postgres)]
#[tokio::test]
async fn answers_that_are_not_this_browsers_own_fresh_ones_land_on_the_sign_in_page(
    #[case] backend: TestBackend,
) {
    let SignOnSetting {
        app,
        provider,
        _dir,
        ..
    } = SignOnSetting::start(backend, true, true, &["algebra-teachers"]).await;

    // A callback this browser never started (a forged or stolen link).
    let stranger = browser();
    let forged = stranger
        .get(format!("{}/auth/oidc/callback?code=abc&state=xyz", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(
        (forged.status().as_u16(), location(&forged)),
        (303, "/login?sso=expired".to_owned())
    );

    // A genuine answer, taken twice: the second time it is spent.
    let ada = browser();
    let landing = sign_on(&ada, &app, "ada", NEXT).await;
    assert!(landing.session.is_some());
    let again = ada.get(&landing.callback).send().await.unwrap();
    assert_eq!(location(&again), "/login?sso=expired");

    // Someone else's answer, in another browser (login CSRF): refused.
    let victim = browser();
    let attacker = browser();
    let state = started_state(&attacker, &app, "/").await;
    let planted = victim
        .get(format!(
            "{}/auth/oidc/callback?code=abc&state={state}",
            app.url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&planted), "/login?sso=expired");

    // The provider says no (the person cancelled there).
    let state = started_state(&attacker, &app, NEXT).await;
    let denied = attacker
        .get(format!(
            "{}/auth/oidc/callback?error=access_denied&error_description=%3Cb%3Ehi&state={state}",
            app.url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(
        location(&denied),
        format!("/login?sso=denied&next={}", urlencode(NEXT))
    );

    // `next` elsewhere than this site is never followed.
    for foreign in [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
    ] {
        let landing = sign_on(&browser(), &app, "ada", foreign).await;
        assert_eq!(landing.location, "/", "{foreign}");
    }

    // The provider goes down: the sign-in page says so, and passwords still work.
    drop(provider);
    let landing = sign_on(&browser(), &app, "ada", NEXT).await;
    assert_eq!(
        landing.location,
        format!("{}/login?sso=unreachable&next={}", app.url, urlencode(NEXT))
    );
    app.account(
        "local-admin",
        "a long enough password",
        Role::Superadmin,
        &[],
    )
    .await;
    let cookie = sign_in(&app, "local-admin", "a long enough password").await;
    assert!(cookie.starts_with("pulse_session="), "{cookie}");
    app.cleanup().await;
}

#[tokio::test]
async fn a_rotated_key_is_fetched_and_sign_out_ends_the_providers_session_too() {
    let mut setting =
        SignOnSetting::start(TestBackend::Sqlite, false, true, &["algebra-teachers"]).await;
    let ada = browser();
    assert!(
        sign_on(&ada, &setting.app, "ada", "/")
            .await
            .session
            .is_some()
    );

    // The provider restarts with a new signing key: Pulse, which kept the
    // old one, fetches the new one when a token names it.
    setting.restart_provider("key-2");
    let SignOnSetting {
        app,
        provider,
        _dir,
        ..
    } = setting;
    let landing = sign_on(&ada, &app, "ada", "/").await;
    let session = landing.session.expect("signed in with the rotated key");
    // Still signed in at the provider: no form this time.
    let again = sign_on(&ada, &app, "ada", "/").await;
    assert!(!again.asked_to_sign_in && again.session.is_some());

    // Signing out of Pulse sends the browser on to the provider's sign-out.
    let (status, answer) = call_as(&app, &session, "logout", &json!({})).await;
    assert_eq!(status, 200, "{answer}");
    let end_session: Option<String> = serde_json::from_str(&answer).unwrap();
    let end_session = end_session.expect("the provider's end-session URL");
    assert!(
        end_session.starts_with(&format!("{}/session/end", provider.issuer)),
        "{end_session}"
    );
    let (status, _) = call_as(&app, &session, "list_agents", &json!({})).await;
    assert_eq!(status, 401, "Pulse's session ended");
    // The provider asks to confirm; the browser confirms and comes back.
    let page = ada
        .get(&end_session)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let action = page
        .split("action=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let xsrf = page
        .split("name=\"xsrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let confirmed = ada
        .post(absolute(&end_session, action))
        .form(&[("xsrf", xsrf), ("logout", "yes")])
        .send()
        .await
        .unwrap();
    let mut url = absolute(&end_session, &location(&confirmed));
    while !url.starts_with(&app.url) {
        let answer = ada.get(&url).send().await.unwrap();
        url = absolute(&url, &location(&answer));
    }
    assert_eq!(url, format!("{}/login", app.url));
    // The provider's session ended too: it asks for the sign-in again.
    let after = sign_on(&ada, &app, "ada", "/").await;
    assert!(after.asked_to_sign_in && after.session.is_some());

    // Passwords are off here: the page offers the provider alone.
    let (status, methods) = call_as(&app, "", "sign_in_methods", &json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_str::<Value>(&methods).unwrap(),
        json!({"password": false, "single_sign_on": "School account"})
    );
    app.account(
        "local-admin",
        "a long enough password",
        Role::Superadmin,
        &[],
    )
    .await;
    let (status, refused) = call_form_as(
        &app,
        "",
        "login",
        &[
            ("username", "local-admin"),
            ("password", "a long enough password"),
        ],
    )
    .await;
    assert_eq!(status, 403, "{refused}");
    assert!(
        refused.contains("password sign-in is turned off"),
        "{refused}"
    );
    app.cleanup().await;
}

/// A change to the settings, making them wrong.
type Change = dyn Fn(&mut ServeConfig);

#[tokio::test]
async fn single_sign_on_settings_are_checked_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, Box<Change>); 4] = [
        (
            "PULSE_PUBLIC_URL",
            Box::new(|config| config.public_url = None),
        ),
        (
            "PULSE_OIDC_CLIENT_ID",
            Box::new(|config| config.oidc.oidc_client_id = None),
        ),
        (
            "PULSE_OIDC_GRANTS",
            Box::new(|config| config.oidc.oidc_grants = Some(" ; ".into())),
        ),
        (
            "PULSE_OIDC_CLIENT_SECRET_FILE",
            Box::new(|config| {
                config.oidc.oidc_client_secret = None;
                config.oidc.oidc_client_secret_file = Some("/nonexistent/secret".into());
            }),
        ),
    ];
    let database = format!("sqlite://{}/pulse.db", dir.path().display());
    for (named, change) in cases {
        let mut config = crate::support::config_for(&database);
        config.public_url =
            Some(pulse_server::config::Origin::parse("http://127.0.0.1:9").unwrap());
        config.oidc.oidc_issuer = Some("http://127.0.0.1:9".into());
        config.oidc.oidc_client_id = Some(CLIENT_ID.into());
        config.oidc.oidc_client_secret = Some(CLIENT_SECRET.into());
        config.oidc.oidc_grants = Some(GRANTS.into());
        change(&mut config);
        let error = pulse_server::startup::Application::build(config)
            .await
            .err()
            .expect("refused");
        assert!(error.to_string().contains(named), "{named}: {error}");
    }
    let mut config = crate::support::config_for(&database);
    config.oidc.password_sign_in = false;
    let error = pulse_server::startup::Application::build(config)
        .await
        .err()
        .expect("refused");
    assert!(
        error
            .to_string()
            .contains("PULSE_PASSWORD_SIGN_IN=off needs single sign-on"),
        "{error}"
    );
}
