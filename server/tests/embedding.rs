//! The Users tab embedded in a host platform (docs/EMBED.md): tokens minted
//! by the documented examples (openssl, Python, Node) and by openssl for
//! each algorithm, exchanged over real HTTP; every refusal named; keys
//! rotated without a restart; pages framed only by the configured origins.
//! Tokens are signed outside Pulse's code (openssl, Python's and Node's
//! standard libraries), so a verifier that accepted anything would fail.

use std::path::{Path, PathBuf};
use std::process::Command;

use pulse_db::accounts::Role;
use pulse_db::testing::TestBackend;
use rstest::rstest;
use serde_json::{Value, json};

use crate::support::{TestApp, event};

const SECRET: &str = "a shared secret of more than thirty-two characters";
const HOST: &str = "http://127.0.0.1:4455";
/// Long enough for a rewritten key file's modification time to differ
/// on any file system's clock grain.
const REFETCH_WAIT: std::time::Duration = std::time::Duration::from_millis(1100);

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

/// Runs a program and returns what it printed, trimmed.
fn output(command: &mut Command) -> String {
    let result = command.output().expect("the program runs");
    assert!(
        result.status.success(),
        "{command:?}: {}",
        String::from_utf8_lossy(&result.stderr)
    );
    String::from_utf8(result.stdout).unwrap().trim().to_owned()
}

fn b64url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// How a test token is signed: by openssl, never by Pulse's library.
enum Signer<'a> {
    Hmac(&'a str, &'a str),
    Rsa(&'a Path),
    Ed25519(&'a Path),
    Unsigned,
}

fn sign(header: &Value, claims: &Value, signer: &Signer) -> String {
    let message = format!(
        "{}.{}",
        b64url(header.to_string().as_bytes()),
        b64url(claims.to_string().as_bytes())
    );
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("message");
    std::fs::write(&input, &message).unwrap();
    let signature_file = dir.path().join("signature");
    let mut openssl = Command::new("openssl");
    match signer {
        Signer::Unsigned => return format!("{message}."),
        // dgst: options, then the file to sign.
        Signer::Hmac(digest, secret) => openssl
            .args(["dgst", &format!("-{digest}"), "-mac", "HMAC", "-macopt"])
            .arg(format!("key:{secret}"))
            .args(["-binary", "-out"])
            .arg(&signature_file)
            .arg(&input),
        Signer::Rsa(key) => openssl
            .args(["dgst", "-sha256", "-binary", "-sign"])
            .arg(key)
            .arg("-out")
            .arg(&signature_file)
            .arg(&input),
        Signer::Ed25519(key) => openssl
            .args(["pkeyutl", "-sign", "-rawin", "-inkey"])
            .arg(key)
            .arg("-in")
            .arg(&input)
            .arg("-out")
            .arg(&signature_file),
    };
    output(&mut openssl);
    let signature = std::fs::read(&signature_file).unwrap();
    format!("{message}.{}", b64url(&signature))
}

/// Claims a valid token carries, issued now for five minutes.
fn claims(agents: &[&str]) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({
        "iss": "lms", "sub": "teacher-7", "name": "Ada Teacher", "role": "admin",
        "agents": agents, "iat": now, "exp": now + 300,
        "jti": format!("{}", rand::random::<u64>()),
    })
}

fn hs256(claims: &Value) -> String {
    sign(
        &json!({"alg": "HS256", "typ": "JWT"}),
        claims,
        &Signer::Hmac("sha256", SECRET),
    )
}

/// A private key made by openssl (`ed25519` or `rsa`), and its public PEM.
fn key_pair(dir: &Path, name: &str, algorithm: &str) -> (PathBuf, String) {
    let private = dir.join(format!("{name}.pem"));
    let mut genpkey = Command::new("openssl");
    genpkey
        .args(["genpkey", "-algorithm", algorithm, "-out"])
        .arg(&private);
    if algorithm == "rsa" {
        genpkey.args(["-pkeyopt", "rsa_keygen_bits:2048"]);
    }
    output(&mut genpkey);
    let public = output(
        Command::new("openssl")
            .args(["pkey", "-pubout", "-in"])
            .arg(&private),
    );
    (private, public)
}

/// The app with one integration, `lms`, framed from [`HOST`]: HS256 with
/// [`SECRET`] and the public keys in `keys_file`.
async fn embedding_app(backend: TestBackend, dir: &Path, keys_file: &Path) -> TestApp {
    let config = dir.join("embed.toml");
    std::fs::write(
        &config,
        format!(
            "[[integration]]\nname = \"lms\"\norigins = [\"{HOST}\"]\nhs256_secrets = [\"{SECRET}\"]\npublic_keys_file = \"{}\"\n",
            keys_file.display()
        ),
    )
    .unwrap();
    let app = TestApp::spawn_with(backend, |serve| serve.embed.embed_config = Some(config)).await;
    let batch = json!([
        event("1", "tutor", "ann", "message", 3),
        event("2", "essays", "bob", "message", 2)
    ]);
    assert_eq!(app.post_events(&batch).await.status(), 200);
    app
}

/// An app whose integration trusts a new Ed25519 key (and [`SECRET`]):
/// the folder holding the key files, the app, and the private key's file.
async fn app_with_ed_key(backend: TestBackend) -> (tempfile::TempDir, TestApp, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let (private, public) = key_pair(dir.path(), "ed", "ed25519");
    let keys = dir.path().join("keys.pem");
    std::fs::write(&keys, public).unwrap();
    let app = embedding_app(backend, dir.path(), &keys).await;
    (dir, app, private)
}

/// Exchanges a token: the status, the answer and the cookie set, if any.
async fn exchange(app: &TestApp, token: &str, agent: Option<&str>) -> (u16, Value, Option<String>) {
    let mut body = json!({"token": token});
    if let Some(agent) = agent {
        body["agent"] = json!(agent);
    }
    let response = app
        .client
        .post(format!("{}/api/v1/embed/session", app.url))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let cookie = response
        .headers()
        .get("set-cookie")
        .map(|value| value.to_str().unwrap().to_owned());
    (status, response.json().await.unwrap_or(Value::Null), cookie)
}

/// A server function called with the session `cookie` (`name=value`).
async fn call(app: &TestApp, cookie: &str, name: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let (status, text) = crate::support::call_form_as(app, cookie, name, form).await;
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn opened_session(app: &TestApp, token: &str) -> String {
    let (status, body, cookie) = exchange(app, token, None).await;
    assert_eq!(status, 200, "{body}");
    let cookie = cookie.expect("a session cookie");
    for attribute in [
        "HttpOnly",
        "Secure",
        "SameSite=None",
        "Partitioned",
        "Path=/",
    ] {
        assert!(cookie.contains(attribute), "{attribute} missing: {cookie}");
    }
    cookie.split(';').next().unwrap().to_owned()
}

#[rstest]
#[case::sqlite(TestBackend::Sqlite)]
#[case::postgres(TestBackend::Postgres)]
#[tokio::test]
async fn the_documented_examples_open_the_tab_of_the_agents_they_name(
    #[case] backend: TestBackend,
) {
    let (_dir, app, _) = app_with_ed_key(backend).await;
    let examples = repository().join("examples/host-platform");
    let shell = output(
        Command::new(examples.join("mint-token.sh"))
            .env("PULSE_EMBED_SECRET", SECRET)
            .args(["lms", "teacher-7", "Ada Teacher", "admin", "tutor"]),
    );
    let python = output(
        Command::new("python3")
            .arg(examples.join("mint_token.py"))
            .env("PULSE_EMBED_SECRET", SECRET)
            .args(["lms", "teacher-7", "Ada Teacher", "admin", "tutor"]),
    );
    let node = output(Command::new("node").current_dir(&examples).args([
        "-e",
        &format!(
            "console.log(require('./mint-token').mint({{secret: {SECRET:?}, integration: 'lms', \
             viewerId: 'teacher-7', viewerName: 'Ada Teacher', role: 'admin', agents: ['tutor']}}))"
        ),
    ]));
    for (language, token) in [("shell", shell), ("python", python), ("node", node)] {
        let (status, body, _) = exchange(&app, &token, None).await;
        assert_eq!(status, 200, "{language}: {body}");
        assert_eq!(
            body["location"], "/agents/tutor/analytics/users",
            "{language}"
        );
    }
    let cookie = opened_session(&app, &hs256(&claims(&["tutor"]))).await;
    let (status, me) = call(&app, &cookie, "current_account", &[]).await;
    assert_eq!(status, 200);
    assert_eq!(me["name"], "Ada Teacher");
    assert_eq!(me["manages_settings"], false);
    assert_eq!(me["embedded_agents"], json!(["tutor"]));
    let (status, agents) = call(&app, &cookie, "list_agents", &[]).await;
    assert_eq!(status, 200);
    let ids: Vec<&str> = agents
        .as_array()
        .unwrap()
        .iter()
        .map(|agent| agent["agent_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["tutor"], "only the agent the token named");
    let (status, _) = call(&app, &cookie, "get_agent", &[("agent_id", "tutor")]).await;
    assert_eq!(status, 200);
    // The other agent exists, but not for this viewer: not found.
    let (status, _) = call(&app, &cookie, "get_agent", &[("agent_id", "essays")]).await;
    assert_eq!(status, 404);
    // Nor may an embedded viewer manage accounts.
    let (status, _) = call(&app, &cookie, "list_accounts", &[]).await;
    assert_eq!(status, 403);
    // The same viewer, one account, listed as embedded.
    let accounts = app.db.store.list_accounts().await.unwrap();
    let viewer: Vec<_> = accounts
        .iter()
        .filter(|account| account.username == "embed:lms:teacher-7")
        .collect();
    assert_eq!(viewer.len(), 1);
    assert_eq!(
        viewer[0].embedded.as_ref().unwrap().display_name,
        "Ada Teacher"
    );
    app.cleanup().await;
}

#[rstest]
#[case::sqlite(TestBackend::Sqlite)]
#[case::postgres(TestBackend::Postgres)]
#[tokio::test]
async fn every_refusal_says_what_was_wrong_and_never_repeats_the_token(
    #[case] backend: TestBackend,
) {
    let (dir, app, ed_private) = app_with_ed_key(backend).await;
    let now = chrono::Utc::now().timestamp();
    let with = |changes: Value| {
        let mut claims = claims(&["tutor"]);
        for (name, value) in changes.as_object().unwrap() {
            if value.is_null() {
                claims.as_object_mut().unwrap().remove(name);
            } else {
                claims[name] = value.clone();
            }
        }
        claims
    };
    let valid = hs256(&claims(&["tutor"]));
    let tampered = {
        let parts: Vec<&str> = valid.split('.').collect();
        let other = b64url(with(json!({"agents": ["essays"]})).to_string().as_bytes());
        format!("{}.{other}.{}", parts[0], parts[2])
    };
    let (other_private, _) = key_pair(dir.path(), "other", "ed25519");
    let cases: Vec<(&str, String, Option<&str>, u16, &str)> = vec![
        ("empty", String::new(), None, 401, "missing"),
        ("not a JWT", "not-a-token".into(), None, 401, "not a JWT"),
        (
            "alg none",
            sign(
                &json!({"alg": "none"}),
                &claims(&["tutor"]),
                &Signer::Unsigned,
            ),
            None,
            401,
            "alg none",
        ),
        (
            "HS512",
            sign(
                &json!({"alg": "HS512"}),
                &claims(&["tutor"]),
                &Signer::Hmac("sha512", SECRET),
            ),
            None,
            401,
            "does not accept tokens signed with HS512",
        ),
        (
            "RS256 without RSA keys",
            sign(
                &json!({"alg": "RS256"}),
                &claims(&["tutor"]),
                &Signer::Rsa(&key_pair(dir.path(), "rsa", "rsa").0),
            ),
            None,
            401,
            "signature does not verify",
        ),
        (
            "wrong secret",
            sign(
                &json!({"alg": "HS256"}),
                &claims(&["tutor"]),
                &Signer::Hmac("sha256", "another secret of thirty-two characters or more"),
            ),
            None,
            401,
            "signature does not verify",
        ),
        (
            "wrong Ed25519 key",
            sign(
                &json!({"alg": "EdDSA"}),
                &claims(&["tutor"]),
                &Signer::Ed25519(&other_private),
            ),
            None,
            401,
            "signature does not verify",
        ),
        ("tampered", tampered, None, 401, "signature does not verify"),
        (
            "unknown integration",
            hs256(&with(json!({"iss": "moodle"}))),
            None,
            401,
            "no embedding integration is named \"moodle\"",
        ),
        (
            "no issuer",
            hs256(&with(json!({"iss": null}))),
            None,
            401,
            "names no integration",
        ),
        (
            "expired",
            hs256(&with(json!({"iat": now - 900, "exp": now - 120}))),
            None,
            401,
            "has expired",
        ),
        (
            "not yet valid",
            hs256(&with(json!({"iat": now + 600, "exp": now + 700}))),
            None,
            401,
            "not valid yet",
        ),
        (
            "nbf ahead",
            hs256(&with(json!({"nbf": now + 300}))),
            None,
            401,
            "not valid yet",
        ),
        (
            "too long-lived",
            hs256(&with(json!({"exp": now + 3600}))),
            None,
            401,
            "more than 10 minutes after its `iat`",
        ),
        (
            "no jti",
            hs256(&with(json!({"jti": null}))),
            None,
            401,
            "lacks the `jti` claim",
        ),
        (
            "no agents",
            hs256(&with(json!({"agents": []}))),
            None,
            401,
            "`agents` claim",
        ),
        (
            "bad agent id",
            hs256(&with(json!({"agents": ["<b>"]}))),
            None,
            401,
            "`agents` claim",
        ),
        (
            "bad role",
            hs256(&with(json!({"role": "owner"}))),
            None,
            401,
            "`role` claim",
        ),
        (
            "other agent",
            hs256(&claims(&["tutor"])),
            Some("essays"),
            403,
            "does not name agent \"essays\"",
        ),
        (
            "exp before iat",
            hs256(&with(json!({"iat": now, "exp": now - 30}))),
            None,
            401,
            "more than 10 minutes after its `iat`",
        ),
        (
            "iat at the start of time",
            hs256(&with(json!({"iat": i64::MIN, "exp": now + 60}))),
            None,
            401,
            "more than 10 minutes after its `iat`",
        ),
        (
            "a superadministrator's section without agents",
            hs256(&with(
                json!({"role": "superadmin", "agents": null, "section": "p1"}),
            )),
            None,
            401,
            "lacks the `agents` claim",
        ),
        (
            "a superadministrator's empty agent list",
            hs256(&with(json!({"role": "superadmin", "agents": []}))),
            None,
            401,
            "`agents` claim",
        ),
    ];
    for (what, token, agent, status, message) in &cases {
        let (actual, body, cookie) = exchange(&app, token, *agent).await;
        let error = body["error"].as_str().unwrap_or_default();
        assert_eq!(actual, *status, "{what}: {body}");
        assert!(
            error.contains(message),
            "{what}: {error:?} lacks {message:?}"
        );
        assert!(cookie.is_none(), "{what}: a cookie was set");
        if token.len() > 20 {
            let signature = token.rsplit('.').next().unwrap();
            assert!(
                !error.contains(token.as_str())
                    && (signature.len() < 8 || !error.contains(signature)),
                "{what}: {error}"
            );
        }
    }
    // An Ed25519 token from the configured key works; used twice, refused.
    let ed = sign(
        &json!({"alg": "EdDSA"}),
        &claims(&["tutor"]),
        &Signer::Ed25519(&ed_private),
    );
    opened_session(&app, &ed).await;
    let (status, body, _) = exchange(&app, &ed, None).await;
    assert_eq!(status, 401, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("already used"),
        "{body}"
    );
    // A viewer disabled in Settings is refused with a new token.
    let viewer = "embed:lms:teacher-7";
    let change = pulse_db::accounts::AccountChange {
        disabled: Some(true),
        ..Default::default()
    };
    assert!(app.db.store.update_account(viewer, &change).await.unwrap());
    let (status, body, _) = exchange(&app, &hs256(&claims(&["tutor"])), None).await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("disabled"),
        "{body}"
    );
    // Their grants and password are the platform's, not Settings'.
    let change = pulse_db::accounts::AccountChange {
        password_hash: Some("x".into()),
        ..Default::default()
    };
    assert!(app.db.store.update_account(viewer, &change).await.is_err());
    app.cleanup().await;
}

#[tokio::test]
async fn keys_rotate_without_a_restart_and_sections_limit_the_viewer() {
    let dir = tempfile::tempdir().unwrap();
    let (old_private, old_public) = key_pair(dir.path(), "old", "ed25519");
    let (new_private, new_public) = key_pair(dir.path(), "new", "rsa");
    let keys = dir.path().join("keys.pem");
    std::fs::write(&keys, &old_public).unwrap();
    let app = embedding_app(TestBackend::Sqlite, dir.path(), &keys).await;
    let old = |claims: &Value| {
        sign(
            &json!({"alg": "EdDSA"}),
            claims,
            &Signer::Ed25519(&old_private),
        )
    };
    let new = |claims: &Value| sign(&json!({"alg": "RS256"}), claims, &Signer::Rsa(&new_private));
    opened_session(&app, &old(&claims(&["tutor"]))).await;
    let (status, _, _) = exchange(&app, &new(&claims(&["tutor"])), None).await;
    assert_eq!(status, 401, "not configured yet");
    // The platform publishes its new key beside the old one, then alone.
    // The key file is read again when it changes.
    tokio::time::sleep(REFETCH_WAIT).await;
    std::fs::write(&keys, format!("{old_public}\n{new_public}\n")).unwrap();
    opened_session(&app, &new(&claims(&["tutor"]))).await;
    opened_session(&app, &old(&claims(&["tutor"]))).await;
    // The old key withdrawn: its tokens are refused once the file is read again.
    tokio::time::sleep(REFETCH_WAIT).await;
    std::fs::write(&keys, &new_public).unwrap();
    let (status, body, _) = exchange(&app, &old(&claims(&["tutor"])), None).await;
    assert_eq!(status, 401, "{body}");
    opened_session(&app, &new(&claims(&["tutor"]))).await;
    // A token limited to one section: the viewer is limited to it.
    let mut limited = claims(&["tutor"]);
    limited["section"] = json!("period-3");
    limited["sub"] = json!("teacher-9");
    opened_session(&app, &new(&limited)).await;
    let accounts = app.db.store.list_accounts().await.unwrap();
    let viewer = accounts
        .iter()
        .find(|a| a.username == "embed:lms:teacher-9")
        .unwrap();
    assert_eq!(
        viewer.section_limit("tutor"),
        Some(vec!["period-3".to_owned()])
    );
    assert!(!viewer.may_view("essays"));
    // A later token without the section lifts the limit; the grants are
    // the latest token's.
    limited.as_object_mut().unwrap().remove("section");
    limited["jti"] = json!("another");
    limited["agents"] = json!(["essays"]);
    opened_session(&app, &new(&limited)).await;
    let accounts = app.db.store.list_accounts().await.unwrap();
    let viewer = accounts
        .iter()
        .find(|a| a.username == "embed:lms:teacher-9")
        .unwrap();
    assert_eq!(viewer.section_limit("essays"), None);
    assert!(viewer.may_view("essays") && !viewer.may_view("tutor"));
    app.cleanup().await;
}

#[tokio::test]
async fn only_embeddable_pages_may_be_framed_and_only_by_the_host() {
    let (_dir, app, _) = app_with_ed_key(TestBackend::Sqlite).await;
    for (path, framed) in [
        ("/embed/agents/tutor/analytics/users", true),
        ("/agents/tutor/analytics/users", true),
        ("/login", false),
        ("/settings", false),
        // An unknown link: the share page's 404, unframeable all the same.
        ("/share/abc", false),
        ("/", false),
    ] {
        let response = app
            .client
            .get(format!("{}{path}", app.url))
            .send()
            .await
            .unwrap();
        let expected = if path.starts_with("/share/") {
            404
        } else {
            200
        };
        assert_eq!(response.status(), expected, "{path}");
        let headers = response.headers();
        let policy = headers["content-security-policy"].to_str().unwrap();
        let ancestors = policy
            .split(';')
            .find_map(|directive| directive.trim().strip_prefix("frame-ancestors "))
            .unwrap_or_else(|| panic!("{path}: {policy}"));
        if framed {
            assert_eq!(ancestors, HOST, "{path}");
            assert!(headers.get("x-frame-options").is_none(), "{path}");
        } else {
            assert_eq!(ancestors, "'none'", "{path}");
            assert_eq!(headers["x-frame-options"], "DENY", "{path}");
        }
    }
    // Without integrations nothing may be framed.
    let plain = TestApp::spawn(TestBackend::Sqlite).await;
    let response = plain
        .client
        .get(format!("{}/embed/agents/tutor/analytics/users", plain.url))
        .send()
        .await
        .unwrap();
    let policy = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(policy.ends_with("frame-ancestors 'none'"), "{policy}");
    let (status, body, _) = exchange(&plain, &hs256(&claims(&["tutor"])), None).await;
    assert_eq!(status, 401, "{body}");
    plain.cleanup().await;
    app.cleanup().await;
}

#[test]
fn a_password_account_cannot_take_an_embedded_viewers_name() {
    let error = pulse_db::accounts::checked_username("embed:lms:teacher-7").unwrap_err();
    assert!(error.0.contains("embedded"), "{error}");
    assert!(pulse_db::accounts::checked_username("Embed:x").is_err());
    assert!(pulse_db::accounts::checked_username("embedder").is_ok());
}

/// docs/EMBED.md shows the examples' code: every line it shows is in the
/// file the tests run, so the page cannot drift from what works.
#[test]
fn the_minting_examples_in_the_docs_are_the_tested_files() {
    let docs = std::fs::read_to_string(repository().join("docs/EMBED.md")).unwrap();
    let minting = docs
        .split("## Minting a token")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("docs/EMBED.md has \"Minting a token\"");
    let blocks: Vec<(&str, &str)> = minting
        .split("```")
        .collect::<Vec<_>>()
        .chunks(2)
        .filter_map(|pair| {
            let block = pair.get(1)?;
            let (language, code) = block.split_once('\n')?;
            Some((language.trim(), code))
        })
        .collect();
    let file_of = |language: &str| match language {
        "python" => "mint_token.py",
        "js" => "mint-token.js",
        _ => "mint-token.sh",
    };
    let mut checked = 0;
    for (language, code) in blocks {
        let file = file_of(language);
        let source =
            std::fs::read_to_string(repository().join("examples/host-platform").join(file))
                .unwrap();
        for line in code.lines().map(str::trim).filter(|line| !line.is_empty()) {
            // The shell block that runs the script names it, not its lines.
            if line.contains("examples/host-platform/") || line.starts_with("PULSE_EMBED_SECRET=") {
                continue;
            }
            let normalized = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(
                source
                    .lines()
                    .any(|source_line| normalized(source_line).contains(&normalized(line))),
                "docs/EMBED.md shows {line:?}, which {file} does not have"
            );
            checked += 1;
        }
    }
    assert!(checked >= 20, "only {checked} lines checked");
}

/// The platform's public keys published as a JWKS document at a URL (a real
/// HTTP server here): a token naming a new `kid` makes Pulse fetch the
/// document again; an unreachable URL is a 502 naming only its host.
#[tokio::test]
async fn keys_published_at_a_jwks_url_are_fetched_again_for_a_new_kid() {
    use std::sync::{Arc, Mutex};
    let dir = tempfile::tempdir().unwrap();
    // An Ed25519 public key as a JWK: its raw 32 bytes, the DER's last ones.
    let jwk = |name: &str, kid: &str| -> (PathBuf, Value) {
        let (private, _) = key_pair(dir.path(), name, "ed25519");
        let der = Command::new("openssl")
            .args(["pkey", "-pubout", "-outform", "DER", "-in"])
            .arg(&private)
            .output()
            .unwrap()
            .stdout;
        let x = b64url(&der[der.len() - 32..]);
        (
            private,
            json!({"kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid, "alg": "EdDSA", "use": "sig"}),
        )
    };
    let (first_private, first) = jwk("first", "k1");
    let (second_private, second) = jwk("second", "k2");
    let published = Arc::new(Mutex::new(json!({"keys": [first]})));
    let document = Arc::clone(&published);
    let platform = axum::Router::new().route(
        "/.well-known/jwks.json",
        axum::routing::get(move || {
            let document = Arc::clone(&document);
            async move { axum::Json(document.lock().unwrap().clone()) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let jwks_url = format!(
        "http://{}/.well-known/jwks.json",
        listener.local_addr().unwrap()
    );
    tokio::spawn(async move { axum::serve(listener, platform).await.unwrap() });

    let app = TestApp::spawn_with(TestBackend::Sqlite, |serve| {
        serve.embed.embed_issuer = Some("lms".into());
        serve.embed.embed_origins = vec![HOST.into()];
        serve.embed.embed_jwks_url = Some(jwks_url.clone());
    })
    .await;
    let signed = |kid: &str, private: &Path| {
        sign(
            &json!({"alg": "EdDSA", "kid": kid}),
            &claims(&["tutor"]),
            &Signer::Ed25519(private),
        )
    };
    opened_session(&app, &signed("k1", &first_private)).await;
    // The platform adds a key; a token signed with it makes Pulse look again
    // (once the few seconds between two fetches have passed).
    published.lock().unwrap()["keys"] = json!([first, second]);
    tokio::time::sleep(std::time::Duration::from_millis(5100)).await;
    opened_session(&app, &signed("k2", &second_private)).await;
    // A kid the document names, with another key's signature: refused.
    let (status, body, _) = exchange(&app, &signed("k1", &second_private), None).await;
    assert_eq!(status, 401, "{body}");
    app.cleanup().await;

    // A platform whose keys cannot be fetched: 502, naming only the host.
    let down = TestApp::spawn_with(TestBackend::Sqlite, |serve| {
        serve.embed.embed_issuer = Some("lms".into());
        serve.embed.embed_origins = vec![HOST.into()];
        serve.embed.embed_jwks_url = Some("http://127.0.0.1:9/keys?token=s3cret".into());
    })
    .await;
    let (status, body, _) = exchange(&down, &signed("k1", &first_private), None).await;
    assert_eq!(status, 502, "{body}");
    let error = body["error"].as_str().unwrap();
    assert!(
        error.contains("could not be fetched from 127.0.0.1"),
        "{error}"
    );
    assert!(!error.contains("s3cret"), "{error}");
    down.cleanup().await;
}

/// Whatever role a host platform gives, an embedded viewer manages nothing
/// in Pulse (accounts, keys, agents); a superadministrator's token without
/// agents sees every agent, and only that; an account of the viewer's name
/// made otherwise is never taken over.
#[rstest]
#[case::sqlite(TestBackend::Sqlite)]
#[case::postgres(TestBackend::Postgres)]
#[tokio::test]
async fn an_embedded_superadministrator_manages_nothing_and_names_are_never_taken_over(
    #[case] backend: TestBackend,
) {
    let (_dir, app, _) = app_with_ed_key(backend).await;
    let mut limited = claims(&["tutor", "tutor"]);
    limited["role"] = json!("superadmin");
    limited["section"] = json!("p1");
    // The same agent twice with a section: one grant, no error.
    let cookie = opened_session(&app, &hs256(&limited)).await;
    for name in ["list_accounts", "list_keys"] {
        let (status, body) = call(&app, &cookie, name, &[]).await;
        assert_eq!(status, 403, "{name}: {body}");
    }
    let (status, _) = crate::support::call_as(
        &app,
        &cookie,
        "create_key",
        &json!({"request": {"scope": "read", "agents": "every", "label": "x"}}),
    )
    .await;
    assert_eq!(status, 403, "create_key");
    let (status, _) = crate::support::call_as(
        &app,
        &cookie,
        "update_account",
        &json!({"update": {"username": "embed:lms:teacher-7", "agents": null, "password": "a new password 123", "disabled": null}}),
    )
    .await;
    assert_eq!(status, 403, "update_account");
    let (_, me) = call(&app, &cookie, "current_account", &[]).await;
    assert_eq!(me["manages_settings"], false);
    let (status, _) = call(&app, &cookie, "get_agent", &[("agent_id", "essays")]).await;
    assert_eq!(status, 404, "a superadministrator's token names its agents");
    // Without agents: every agent, still managing nothing.
    let mut every = claims(&["tutor"]);
    every.as_object_mut().unwrap().remove("agents");
    every["role"] = json!("superadmin");
    every["sub"] = json!("principal");
    let (status, body, cookie) = exchange(&app, &hs256(&every), Some("essays")).await;
    assert_eq!(status, 200, "{body}");
    let cookie = cookie.unwrap().split(';').next().unwrap().to_owned();
    let (status, _) = call(&app, &cookie, "get_agent", &[("agent_id", "essays")]).await;
    assert_eq!(status, 200);
    let (status, _) = call(&app, &cookie, "list_accounts", &[]).await;
    assert_eq!(status, 403);
    // An account named like a viewer, made before the names were reserved.
    app.db
        .store
        .create_account(
            "embed:lms:old-account",
            &pulse_db::accounts::hash_password("a password of old"),
            Role::Superadmin,
            &[],
            pulse_db::time::Millis::now(),
        )
        .await
        .unwrap();
    let mut taker = claims(&["tutor"]);
    taker["sub"] = json!("old-account");
    let (status, body, cookie) = exchange(&app, &hs256(&taker), None).await;
    assert_eq!(status, 409, "{body}");
    assert!(cookie.is_none());
    let accounts = app.db.store.list_accounts().await.unwrap();
    let old = accounts
        .iter()
        .find(|a| a.username == "embed:lms:old-account")
        .unwrap();
    assert!(old.embedded.is_none() && old.role == Role::Superadmin && old.agents.is_empty());
    app.cleanup().await;
}
