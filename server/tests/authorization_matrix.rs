//! Every endpoint and server function, called by every kind of caller:
//! anonymous, administrators of agent A and of agent B, a superadministrator,
//! ingest and read keys, and keys limited to agent A. A route without a row
//! here fails the test, so a new endpoint cannot ship unchecked.

use crate::support;

use std::collections::BTreeSet;

use chrono::Utc;
use pulse_db::accounts::Role;
use pulse_db::keys::KeyScope;
use pulse_db::testing::TestBackend;
use reqwest::Method;
use serde_json::{Value, json};
use support::{TestApp, event, server_fn_path, sign_in};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Caller {
    Anonymous,
    AdminA,
    AdminB,
    Superadmin,
    IngestKey,
    ReadKey,
    IngestKeyA,
    ReadKeyA,
}

use Caller::*;
const CALLERS: [Caller; 8] = [
    Anonymous, AdminA, AdminB, Superadmin, IngestKey, ReadKey, IngestKeyA, ReadKeyA,
];

/// What a caller may expect: the exact status (a refusal that is not the
/// caller's fault would be a 5xx, and must never pass for one).
#[derive(Debug, Clone, Copy)]
enum Expect {
    Status(u16),
    /// The app's page (200), with the Users tab's first figures in it or
    /// without (docs/API.md, "The Users tab's first paint").
    Page {
        figures: bool,
    },
}

/// Method, documented path, concrete path, JSON body, what each caller gets.
type RestRow = (
    Method,
    &'static str,
    &'static str,
    Option<Value>,
    fn(Caller) -> Expect,
);
/// Server function, form arguments, what each caller gets.
/// A server function's arguments as the app sends them: a form, or JSON
/// for those declared `#[server(input = Json)]`.
enum FnArgs {
    Form(Vec<(&'static str, &'static str)>),
    Json(Value),
}

impl FnArgs {
    fn none() -> FnArgs {
        FnArgs::Form(Vec::new())
    }

    fn takes_any(&self) -> bool {
        match self {
            FnArgs::Form(form) => !form.is_empty(),
            FnArgs::Json(_) => true,
        }
    }
}

type FnRow = (&'static str, FnArgs, fn(Caller) -> Expect);

struct Credentials {
    cookies: [(Caller, String); 3],
    keys: [(Caller, String); 4],
}

impl Credentials {
    fn cookie(&self, caller: Caller) -> Option<&str> {
        self.cookies
            .iter()
            .find(|(c, _)| *c == caller)
            .map(|(_, v)| v.as_str())
    }
    fn key(&self, caller: Caller) -> Option<&str> {
        self.keys
            .iter()
            .find(|(c, _)| *c == caller)
            .map(|(_, v)| v.as_str())
    }
}

/// REST rows: method, documented path, concrete path, JSON body, and what
/// each caller gets. Session cookies do not open the REST API.
fn rest_rows() -> Vec<RestRow> {
    let now = Utc::now().to_rfc3339();
    let event_a =
        json!([{"id": "m1", "type": "message", "agent_id": "agent-a", "user_id": "u9", "at": now}]);
    vec![
        (
            Method::POST,
            "/api/v1/events",
            "/api/v1/events",
            Some(event_a),
            |c| match c {
                IngestKey | IngestKeyA => Expect::Status(200),
                ReadKey | ReadKeyA => Expect::Status(403),
                _ => Expect::Status(401),
            },
        ),
        (
            Method::GET,
            "/api/v1/agents",
            "/api/v1/agents",
            None,
            |c| match c {
                ReadKey | ReadKeyA => Expect::Status(200),
                IngestKey | IngestKeyA => Expect::Status(403),
                _ => Expect::Status(401),
            },
        ),
        (
            Method::PUT,
            "/api/v1/agents/{agent_id}",
            "/api/v1/agents/agent-a",
            Some(json!({"name": "A"})),
            |c| match c {
                IngestKey | IngestKeyA => Expect::Status(204),
                ReadKey | ReadKeyA => Expect::Status(403),
                _ => Expect::Status(401),
            },
        ),
        (
            Method::PUT,
            "/api/v1/users/{user_id}",
            "/api/v1/users/u1",
            Some(json!({"name": "U"})),
            |c| match c {
                IngestKey => Expect::Status(204),
                ReadKey | ReadKeyA | IngestKeyA => Expect::Status(403),
                _ => Expect::Status(401),
            },
        ),
        (
            Method::PUT,
            "/api/v1/agents/{agent_id}/members/{user_id}",
            "/api/v1/agents/agent-b/members/u1",
            Some(json!({})),
            |c| match c {
                IngestKey => Expect::Status(204),
                ReadKey | ReadKeyA | IngestKeyA => Expect::Status(403),
                _ => Expect::Status(401),
            },
        ),
        (
            Method::DELETE,
            "/api/v1/agents/{agent_id}/members/{user_id}",
            "/api/v1/agents/agent-b/members/u2",
            None,
            |c| match c {
                IngestKey => Expect::Status(204),
                ReadKey | ReadKeyA | IngestKeyA => Expect::Status(403),
                _ => Expect::Status(401),
            },
        ),
        (
            Method::PUT,
            "/api/v1/agents/{agent_id}/annotations/{annotation_id}",
            "/api/v1/agents/agent-b/annotations/n1",
            Some(json!({"date": "2026-03-02", "label": "Midterms"})),
            write_b,
        ),
        (
            Method::GET,
            "/api/v1/agents/{agent_id}/annotations",
            "/api/v1/agents/agent-b/annotations",
            None,
            read_b,
        ),
        (
            Method::DELETE,
            "/api/v1/agents/{agent_id}/annotations/{annotation_id}",
            "/api/v1/agents/agent-b/annotations/n1",
            None,
            write_b,
        ),
        // Sections: created by the ingest key's call, then used, then gone.
        (
            Method::PUT,
            "/api/v1/agents/{agent_id}/sections/{section_id}",
            "/api/v1/agents/agent-b/sections/s9",
            Some(json!({"name": "Section 9"})),
            write_b,
        ),
        (
            Method::PUT,
            "/api/v1/agents/{agent_id}/sections/{section_id}/members/{user_id}",
            "/api/v1/agents/agent-b/sections/s9/members/u2",
            None,
            write_b,
        ),
        (
            Method::GET,
            "/api/v1/agents/{agent_id}/sections",
            "/api/v1/agents/agent-b/sections",
            None,
            read_b,
        ),
        (
            Method::DELETE,
            "/api/v1/agents/{agent_id}/sections/{section_id}/members/{user_id}",
            "/api/v1/agents/agent-b/sections/s9/members/u2",
            None,
            write_b,
        ),
        (
            Method::DELETE,
            "/api/v1/agents/{agent_id}/sections/{section_id}",
            "/api/v1/agents/agent-b/sections/s9",
            None,
            write_b,
        ),
        (
            Method::GET,
            "/api/v1/agents/{agent_id}/users/overview",
            "/api/v1/agents/agent-b/users/overview",
            None,
            read_b,
        ),
        (
            Method::GET,
            "/api/v1/agents/{agent_id}/users/trend",
            "/api/v1/agents/agent-b/users/trend",
            None,
            read_b,
        ),
        (
            Method::GET,
            "/api/v1/agents/{agent_id}/users/heatmap",
            "/api/v1/agents/agent-b/users/heatmap",
            None,
            read_b,
        ),
        (
            Method::GET,
            "/api/v1/agents/{agent_id}/users/dashboard",
            "/api/v1/agents/agent-b/users/dashboard",
            None,
            read_b,
        ),
        (
            Method::GET,
            "/api/v1/agents/{agent_id}/users/retention",
            "/api/v1/agents/agent-b/users/retention",
            None,
            read_b,
        ),
        (
            Method::GET,
            "/api/v1/agents/{agent_id}/users",
            "/api/v1/agents/agent-b/users",
            None,
            read_b,
        ),
        (
            Method::GET,
            "/api/v1/agents/{agent_id}/users/{user_id}",
            "/api/v1/agents/agent-b/users/u1",
            None,
            read_b,
        ),
        (
            Method::GET,
            "/api/v1/openapi.json",
            "/api/v1/openapi.json",
            None,
            |_| Expect::Status(200),
        ),
        (Method::GET, "/healthz", "/healthz", None, |_| {
            Expect::Status(200)
        }),
        // Only a host platform's signed token opens an embedded session: no
        // session or key stands in for one (tests/embedding.rs signs them).
        (
            Method::POST,
            "/api/v1/embed/session",
            "/api/v1/embed/session",
            Some(json!({"token": "not.a.token", "agent": "agent-a"})),
            |_| Expect::Status(401),
        ),
        // Erasure: only an ingest key for every agent (the first such call
        // erases u-erase; a key limited to agents is refused before looking).
        (
            Method::DELETE,
            "/api/v1/users/{user_id}",
            "/api/v1/users/u-erase",
            None,
            |c| match c {
                IngestKey => Expect::Status(200),
                ReadKey | ReadKeyA | IngestKeyA => Expect::Status(403),
                _ => Expect::Status(401),
            },
        ),
        // Open to the addresses of PULSE_METRICS_ALLOW (loopback here), whoever calls.
        (Method::GET, "/metrics", "/metrics", None, |_| {
            Expect::Status(200)
        }),
    ]
}

/// Routes a browser opens that are not the REST API (so not in its
/// OpenAPI document): the same for every caller, since they sign people in
/// or show a page that does. Single sign-on is off here: its routes are
/// not found (tests/single_sign_on.rs walks them with a real provider).
fn page_rows() -> Vec<RestRow> {
    vec![
        (
            Method::GET,
            "/embed/{*page}",
            "/embed/agents/agent-b/analytics/users",
            None,
            |_| Expect::Status(200),
        ),
        // The tab's page: its first figures only for who may see agent A.
        (
            Method::GET,
            "/agents/{agent_id}/analytics/users",
            "/agents/agent-a/analytics/users?period=7d&tz=UTC",
            None,
            |c| Expect::Page {
                figures: matches!(c, AdminA | Superadmin),
            },
        ),
        // A share page shows what its link shows, to anyone: no link, nothing.
        (
            Method::GET,
            "/share/{token}",
            "/share/0000000000000000000000000000000000000000000000000000000000000000",
            None,
            |_| Expect::Status(404),
        ),
        (
            Method::GET,
            "/auth/oidc/login",
            "/auth/oidc/login?next=/",
            None,
            |_| Expect::Status(404),
        ),
        (
            Method::GET,
            "/auth/oidc/callback",
            "/auth/oidc/callback?code=c&state=s",
            None,
            |_| Expect::Status(404),
        ),
    ]
}

/// Writing agent B's registry: only an ingest key for every agent.
fn write_b(caller: Caller) -> Expect {
    match caller {
        IngestKey => Expect::Status(204),
        ReadKey | IngestKeyA | ReadKeyA => Expect::Status(403),
        _ => Expect::Status(401),
    }
}

/// Reading agent B: only a read key for every agent.
fn read_b(caller: Caller) -> Expect {
    match caller {
        ReadKey => Expect::Status(200),
        IngestKey | IngestKeyA | ReadKeyA => Expect::Status(403),
        _ => Expect::Status(401),
    }
}

/// Server-function rows: name, form arguments (for agent A), and who may call.
fn server_fn_rows() -> Vec<FnRow> {
    let agent_a = vec![("agent_id", "agent-a")];
    // An agent the admin may not see is "not found", like one that does not exist.
    let sees_a = |c: Caller| match c {
        AdminA | Superadmin => Expect::Status(200),
        AdminB => Expect::Status(404),
        _ => Expect::Status(401),
    };
    vec![
        ("list_agents", FnArgs::none(), |c| match c {
            AdminA | AdminB | Superadmin => Expect::Status(200),
            _ => Expect::Status(401),
        }),
        ("get_agent", FnArgs::Form(agent_a.clone()), sees_a),
        ("online_now", FnArgs::Form(agent_a.clone()), sees_a),
        (
            "users_dashboard",
            FnArgs::Form(vec![
                ("agent_id", "agent-a"),
                ("query[period]", "7d"),
                ("query[tz]", "UTC"),
            ]),
            sees_a,
        ),
        (
            "learner_details",
            FnArgs::Form(vec![
                ("agent_id", "agent-a"),
                ("user_id", "u1"),
                ("query[period]", "7d"),
                ("query[tz]", "UTC"),
            ]),
            sees_a,
        ),
        ("list_contact_marks", FnArgs::Form(agent_a.clone()), sees_a),
        ("list_sections", FnArgs::Form(agent_a.clone()), sees_a),
        ("list_annotations", FnArgs::Form(agent_a.clone()), sees_a),
        (
            "section_trends",
            FnArgs::Form(vec![
                ("agent_id", "agent-a"),
                ("query[period]", "7d"),
                ("query[tz]", "UTC"),
            ]),
            sees_a,
        ),
        (
            "save_annotation",
            FnArgs::Json(json!({"agent_id": "agent-a", "note": {
                "id": "n1", "date": "2026-03-02", "end_date": null, "label": "Midterms",
            }})),
            sees_a,
        ),
        // The first administrator to ask deletes it; it is gone after.
        (
            "delete_annotation",
            FnArgs::Form(vec![("agent_id", "agent-a"), ("id", "n1")]),
            |c| match c {
                AdminA => Expect::Status(200),
                AdminB | Superadmin => Expect::Status(404),
                _ => Expect::Status(401),
            },
        ),
        (
            "compare_agents",
            FnArgs::Form(vec![("tz", "UTC")]),
            |c| match c {
                AdminA | AdminB | Superadmin => Expect::Status(200),
                _ => Expect::Status(401),
            },
        ),
        (
            "users_retention",
            FnArgs::Form(vec![
                ("agent_id", "agent-a"),
                ("query[period]", "7d"),
                ("query[tz]", "UTC"),
                ("weeks", "8"),
                ("week_start", "monday"),
            ]),
            sees_a,
        ),
        (
            "save_section",
            FnArgs::Form(vec![
                ("agent_id", "agent-a"),
                ("section_id", "s1"),
                ("name", "Section 1"),
            ]),
            sees_a,
        ),
        (
            "set_section_members",
            FnArgs::Json(json!({"agent_id": "agent-a", "section_id": "s1", "user_ids": ["u1"]})),
            sees_a,
        ),
        (
            "section_member_ids",
            FnArgs::Form(vec![("agent_id", "agent-a"), ("section_id", "s1")]),
            sees_a,
        ),
        // The first administrator to ask deletes it; it is gone after.
        (
            "delete_section",
            FnArgs::Form(vec![("agent_id", "agent-a"), ("section_id", "s1")]),
            |c| match c {
                AdminA => Expect::Status(200),
                AdminB | Superadmin => Expect::Status(404),
                _ => Expect::Status(401),
            },
        ),
        (
            "learner_activity",
            FnArgs::Form(vec![
                ("agent_id", "agent-a"),
                ("query[period]", "7d"),
                ("query[tz]", "UTC"),
            ]),
            sees_a,
        ),
        (
            "mark_contacted",
            FnArgs::Json(json!({"request": {
                "agent_id": "agent-a",
                "user_ids": ["u1"],
                "note": "called",
            }})),
            sees_a,
        ),
        // No webhook on this server: the agent is checked first (404 for
        // one the caller may not see), then reminders are refused.
        (
            "send_reminder",
            FnArgs::Json(json!({"request": {
                "agent_id": "agent-a",
                "user_ids": ["u1"],
                "note": "come back",
            }})),
            |c| match c {
                AdminA | Superadmin => Expect::Status(400),
                AdminB => Expect::Status(404),
                _ => Expect::Status(401),
            },
        ),
        ("list_accounts", FnArgs::none(), only_superadmin),
        ("list_keys", FnArgs::none(), only_superadmin),
        (
            "create_account",
            FnArgs::Json(json!({"account": {
                "username": "matrix-user",
                "password": "a long password",
                "role": "admin",
                "agents": ["agent-a"],
            }})),
            only_superadmin,
        ),
        (
            "create_key",
            FnArgs::Json(json!({"request": {
                "scope": "read",
                "agents": "every",
                "label": "matrix",
            }})),
            only_superadmin,
        ),
        (
            "revoke_key",
            FnArgs::Form(vec![("prefix", THROWAWAY_KEY_PREFIX)]),
            only_superadmin,
        ),
        (
            "save_agent",
            FnArgs::Form(vec![("agent_id", "agent-c"), ("name", "C")]),
            only_superadmin,
        ),
        // Ends admin-b's sessions: after every other row that uses them.
        (
            "update_account",
            FnArgs::Json(json!({"update": {
                "username": "admin-b",
                "agents": ["agent-b"],
                "password": null,
                "disabled": null,
            }})),
            only_superadmin,
        ),
        (
            "create_share_link",
            FnArgs::Json(json!({"request": {
                "agent_id": "agent-a",
                "section": null,
                "period": "30d",
                "from": null,
                "to": null,
                "tz": "UTC",
                "expires_days": 30,
                "min_count": 5,
                "password": null,
            }})),
            sees_a,
        ),
        ("list_share_links", FnArgs::none(), |c| match c {
            AdminA | AdminB | Superadmin => Expect::Status(200),
            _ => Expect::Status(401),
        }),
        (
            "revoke_share_link",
            FnArgs::Form(vec![("id", "999999")]),
            |c| match c {
                AdminA | AdminB | Superadmin => Expect::Status(404),
                _ => Expect::Status(401),
            },
        ),
        ("kept_event_days", FnArgs::none(), |c| match c {
            AdminA | AdminB | Superadmin => Expect::Status(200),
            _ => Expect::Status(401),
        }),
        // Public by design: the token is the credential; an unknown one
        // shows nothing, to anyone.
        (
            "open_share_link",
            FnArgs::Form(vec![("token", "0123456789abcdef")]),
            |_| Expect::Status(404),
        ),
        // Public by design: they are how one signs in and out.
        ("current_account", FnArgs::none(), |_| Expect::Status(200)),
        ("logout", FnArgs::none(), |_| Expect::Status(200)),
        ("sign_in_methods", FnArgs::none(), |_| Expect::Status(200)),
        (
            "login",
            FnArgs::Form(vec![("username", "nobody"), ("password", "wrong password")]),
            |_| Expect::Status(400),
        ),
    ]
}

fn only_superadmin(caller: Caller) -> Expect {
    match caller {
        Superadmin => Expect::Status(200),
        AdminA | AdminB => Expect::Status(403),
        _ => Expect::Status(401),
    }
}

/// A key made for the revoke row to revoke.
const THROWAWAY_KEY_PREFIX: &str = "pk_read_matrix00";

fn check(expect: Expect, status: u16, body: &str, context: &str) {
    match expect {
        Expect::Status(wanted) => assert_eq!(status, wanted, "{context}"),
        Expect::Page { figures } => {
            assert_eq!(status, 200, "{context}");
            assert_eq!(body.contains("id=\"first-paint\""), figures, "{context}");
            assert_eq!(body.contains("card-value"), figures, "{context}");
        }
    }
}

#[tokio::test]
async fn every_route_answers_each_caller_as_it_should() {
    let app = TestApp::spawn(TestBackend::Sqlite).await;
    let batch = json!([
        event("1", "agent-a", "u1", "message", 3),
        event("2", "agent-b", "u2", "message", 2),
        event("3", "agent-b", "u-erase", "message", 2)
    ]);
    assert_eq!(app.post_events(&batch).await.status(), 200);
    let now = pulse_db::time::Millis::now();
    let store = &app.db.store;
    for (name, role, agents) in [
        ("admin-a", Role::Admin, &["agent-a"][..]),
        ("admin-b", Role::Admin, &["agent-b"]),
        ("boss", Role::Superadmin, &[]),
    ] {
        app.account(name, "a long password", role, agents).await;
    }
    let (_, mut throwaway) = pulse_db::keys::generate(KeyScope::Read, None, None, now);
    throwaway.prefix = THROWAWAY_KEY_PREFIX.into();
    store.insert_key(&throwaway).await.unwrap();
    let credentials = Credentials {
        cookies: [
            (AdminA, sign_in(&app, "admin-a", "a long password").await),
            (AdminB, sign_in(&app, "admin-b", "a long password").await),
            (Superadmin, sign_in(&app, "boss", "a long password").await),
        ],
        keys: [
            (IngestKey, app.ingest_key.clone()),
            (ReadKey, app.read_key.clone()),
            (IngestKeyA, app.key(KeyScope::Ingest, &["agent-a"]).await),
            (ReadKeyA, app.key(KeyScope::Read, &["agent-a"]).await),
        ],
    };

    // Every documented route and every server function has a row.
    let (_, document) = app.get_json("/api/v1/openapi.json").await;
    let documented: BTreeSet<(String, String)> = document["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, methods)| {
            methods
                .as_object()
                .unwrap()
                .keys()
                .map(move |m| (m.to_uppercase(), path.clone()))
        })
        .collect();
    let rows = rest_rows();
    let covered: BTreeSet<(String, String)> = rows
        .iter()
        .map(|(m, path, ..)| (m.to_string(), path.to_string()))
        .collect();
    assert_eq!(
        documented, covered,
        "every documented route needs a row in the matrix"
    );
    let functions: BTreeSet<String> = server_fn::axum::server_fn_paths()
        .map(|(path, _)| {
            path.trim_start_matches("/api/")
                .trim_end_matches(char::is_numeric)
                .to_owned()
        })
        .collect();
    let fn_rows = server_fn_rows();
    let fn_covered: BTreeSet<String> = fn_rows.iter().map(|(name, ..)| name.to_string()).collect();
    assert_eq!(
        functions, fn_covered,
        "every server function needs a row in the matrix"
    );

    for (method, _, path, body, expect) in rows.iter().chain(&page_rows()) {
        for caller in CALLERS {
            let mut request = app
                .client
                .request(method.clone(), format!("{}{path}", app.url));
            if let Some(key) = credentials.key(caller) {
                request = request.bearer_auth(key);
            }
            if let Some(cookie) = credentials.cookie(caller) {
                request = request.header("Cookie", cookie);
            }
            if let Some(body) = body {
                request = request.json(body);
            }
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let body = response.text().await.unwrap();
            check(
                expect(caller),
                status,
                &body,
                &format!("{method} {path} as {caller:?}"),
            );
        }
    }
    for (name, args, expect) in &fn_rows {
        for caller in CALLERS {
            let request = app
                .client
                .post(format!("{}{}", app.url, server_fn_path(name)));
            let mut request = match args {
                FnArgs::Form(form) => request.form(form),
                FnArgs::Json(body) => request.json(body),
            };
            if let Some(cookie) = credentials.cookie(caller) {
                request = request.header("Cookie", cookie);
            }
            // Keys never open the dashboard's functions.
            if let Some(key) = credentials.key(caller) {
                request = request.bearer_auth(key);
            }
            let status = request.send().await.unwrap().status().as_u16();
            check(
                expect(caller),
                status,
                "",
                &format!("server function {name} as {caller:?}"),
            );
        }
    }
    // Missing or undecodable arguments are the caller's mistake: 400 for
    // anyone, signed in or not, never a 5xx.
    for (name, args, _) in fn_rows.iter().filter(|(_, args, _)| args.takes_any()) {
        let (content_type, bodies) = match args {
            FnArgs::Form(_) => (
                "application/x-www-form-urlencoded",
                ["", "%ZZ=%&=x&superadmin=maybe"],
            ),
            FnArgs::Json(_) => ("application/json", ["", r#"{"account": {"role": "king"}}"#]),
        };
        for body in bodies {
            for caller in [Anonymous, Superadmin] {
                let mut request = app
                    .client
                    .post(format!("{}{}", app.url, server_fn_path(name)))
                    .header("Content-Type", content_type)
                    .body(body);
                if let Some(cookie) = credentials.cookie(caller) {
                    request = request.header("Cookie", cookie);
                }
                let response = request.send().await.unwrap();
                let status = response.status().as_u16();
                let text = response.text().await.unwrap();
                check(
                    Expect::Status(400),
                    status,
                    &text,
                    &format!("server function {name} as {caller:?} with {body:?}: {text}"),
                );
            }
        }
    }
    app.cleanup().await;
}

/// Who may register, put in a section and name which learner of agent-a
/// (docs/METRICS.md, "Learners and their names"): a key for every agent,
/// a key limited to agent-a, a key limited to its section s1; against a
/// learner of s1, of s2, of no section, of agent-b only, and an unknown id.
/// A limited caller's answer never depends on whether an id exists
/// elsewhere, and nothing it does renames or shows a learner of agent-b.
#[tokio::test]
async fn membership_and_naming_across_agents_and_sections() {
    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Writer {
        Everything,
        AgentA,
        SectionS1,
    }
    const LEARNERS: [&str; 5] = ["in-s1", "in-s2", "no-section", "b-only", "unknown"];
    let app = TestApp::spawn(TestBackend::Sqlite).await;
    let mut batch = json!([
        event("1", "agent-a", "in-s1", "message", 5),
        event("2", "agent-a", "in-s2", "message", 5),
        event("3", "agent-a", "no-section", "message", 5),
        event("4", "agent-b", "b-only", "message", 5),
    ]);
    batch[3]["name"] = json!("B Only Name");
    assert_eq!(app.post_events(&batch).await.status(), 200);
    let put = |path: String, key: String| {
        let request = app.request(Method::PUT, &path, Some(&key));
        async move { request.send().await.unwrap().status().as_u16() }
    };
    for (section, learner) in [("s1", "in-s1"), ("s2", "in-s2")] {
        let path = format!("/api/v1/agents/agent-a/sections/{section}");
        let made = app
            .request(Method::PUT, &path, Some(&app.ingest_key))
            .json(&json!({"name": section}))
            .send()
            .await
            .unwrap();
        assert_eq!(made.status(), 204);
        assert_eq!(
            put(format!("{path}/members/{learner}"), app.ingest_key.clone()).await,
            204
        );
    }
    let now = pulse_db::time::Millis::now();
    let (section_key, _) = app
        .db
        .store
        .create_limited_key(
            KeyScope::Ingest,
            Some(vec!["agent-a".into()]),
            pulse_db::sections::SectionLimits(vec![("agent-a".into(), "s1".into())]),
            None,
            now,
        )
        .await
        .unwrap();
    // The section's key first: the others then put everyone in s1.
    let keys = [
        (Writer::SectionS1, section_key),
        (Writer::Everything, app.ingest_key.clone()),
        (
            Writer::AgentA,
            app.key(KeyScope::Ingest, &["agent-a"]).await,
        ),
    ];
    let expected = |writer: Writer, learner: &str| match writer {
        Writer::Everything | Writer::AgentA => 204,
        Writer::SectionS1 if learner == "in-s1" => 204,
        Writer::SectionS1 => 403,
    };
    for (writer, key) in &keys {
        for learner in LEARNERS {
            for path in [
                format!("/api/v1/agents/agent-a/members/{learner}"),
                format!("/api/v1/agents/agent-a/sections/s1/members/{learner}"),
            ] {
                let status = put(path.clone(), key.clone()).await;
                let wanted = expected(*writer, learner);
                assert_eq!(status, wanted, "PUT {path} by {writer:?}");
            }
            let mut named = event(
                &format!("n-{writer:?}-{learner}"),
                "agent-a",
                learner,
                "heartbeat",
                1,
            );
            named["name"] = json!(format!("{writer:?} named {learner}"));
            let response = app
                .request(Method::POST, "/api/v1/events", Some(key))
                .json(&json!([named]))
                .send()
                .await
                .unwrap();
            let wanted = if expected(*writer, learner) == 204 {
                200
            } else {
                403
            };
            assert_eq!(
                response.status().as_u16(),
                wanted,
                "event of {learner} by {writer:?}"
            );
        }
    }
    // On agent-b the learner is called what the platform said last (a
    // caller for every agent names them everywhere), never what a caller
    // limited to agent-a sent; on agent-a, what agent-a's key sent after.
    let (_, b_table) = app.get_json("/api/v1/agents/agent-b/users").await;
    assert_eq!(b_table["users"][0]["name"], "Everything named b-only");
    let read_a = app.key(KeyScope::Read, &["agent-a"]).await;
    let a_table = app
        .request(Method::GET, "/api/v1/agents/agent-a/users", Some(&read_a))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!a_table.contains("B Only Name"), "{a_table}");
    assert!(a_table.contains("AgentA named b-only"), "{a_table}");
    app.cleanup().await;
}
