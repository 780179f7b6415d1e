//! `GET /api/v1/openapi.json`, generated from the code: a well-formed
//! OpenAPI 3.1 document whose constraints are the server's own (the
//! validator's limits, the zones and periods it knows), and whose every
//! route answers what the document says. scripts/fuzz-api.sh checks the
//! rest with a contract fuzzer against a running server.

use crate::support;

use std::collections::BTreeSet;

use pulse_db::ingest::{EventKind, FIELDS, MAX_BATCH_EVENTS};
use pulse_db::testing::TestBackend;
use pulse_model::PeriodKind;
use reqwest::Method;
use rstest::rstest;
use serde_json::{Value, json};
use support::{TestApp, event};

async fn document(app: &TestApp) -> Value {
    app.get_ok("/api/v1/openapi.json", "application/json")
        .await
        .json()
        .await
        .unwrap()
}

const METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];

/// Every (method, path, operation) of the document.
fn operations(document: &Value) -> Vec<(String, String, &Value)> {
    let mut found = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            assert!(METHODS.contains(&method.as_str()), "{method} {path}");
            found.push((method.clone(), path.clone(), operation));
        }
    }
    found
}

/// Every `$ref` anywhere in `value`.
fn refs<'a>(value: &'a Value, found: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                match (key.as_str(), inner) {
                    ("$ref", Value::String(target)) => found.push(target),
                    _ => refs(inner, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| refs(item, found)),
        _ => {}
    }
}

/// `#/components/schemas/Name` -> the schema.
fn resolve<'a>(document: &'a Value, reference: &str) -> Option<&'a Value> {
    let pointer = reference.strip_prefix('#')?;
    document.pointer(pointer)
}

fn schema<'a>(document: &'a Value, name: &str) -> &'a Value {
    let schema = &document["components"]["schemas"][name];
    assert!(schema.is_object(), "no schema {name}");
    schema
}

fn strings(value: &Value) -> BTreeSet<String> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {value}"))
        .iter()
        .map(|item| item.as_str().unwrap().to_owned())
        .collect()
}

/// Whether an operation takes a key: a non-empty security requirement.
fn takes_key(operation: &Value) -> bool {
    operation["security"]
        .as_array()
        .is_some_and(|requirements| {
            requirements
                .iter()
                .any(|requirement| requirement.as_object().is_some_and(|r| !r.is_empty()))
        })
}

#[tokio::test]
async fn the_document_is_well_formed_openapi_3_1() {
    let app = TestApp::spawn(TestBackend::Sqlite).await;
    let document = document(&app).await;
    assert_eq!(document["openapi"], "3.1.0");
    assert!(document["info"]["title"].is_string());
    assert!(document["info"]["version"].is_string());
    assert_eq!(
        document["components"]["securitySchemes"]["bearer"],
        json!({
            "type": "http",
            "scheme": "bearer",
            "description": document["components"]["securitySchemes"]["bearer"]["description"]
        })
    );

    // Every reference points at something that exists.
    let mut targets = Vec::new();
    refs(&document, &mut targets);
    assert!(targets.len() > 20, "{targets:?}");
    for target in targets {
        assert!(
            resolve(&document, target).is_some_and(Value::is_object),
            "dangling reference {target}"
        );
    }

    let operations = operations(&document);
    assert_eq!(operations.len(), 26, "{operations:#?}");
    let mut ids = BTreeSet::new();
    for (method, path, operation) in &operations {
        let label = format!("{method} {path}");
        assert!(
            ids.insert(operation["operationId"].as_str().unwrap()),
            "{label}: operationId repeated"
        );
        assert!(operation["summary"].is_string(), "{label}: no summary");
        let responses = operation["responses"].as_object().unwrap();
        assert!(
            responses.keys().any(|status| status.starts_with('2')),
            "{label}"
        );
        for (status, response) in responses {
            let code: u16 = status
                .parse()
                .unwrap_or_else(|_| panic!("{label}: {status}"));
            assert!((200..600).contains(&code), "{label}: {status}");
            // A 500 is a bug, never an answer to plan for.
            assert_ne!(code, 500, "{label} documents a 500");
            assert!(response["description"].is_string(), "{label} {status}");
            if code >= 400 && *path != "/healthz" {
                assert_eq!(
                    response["content"]["application/json"]["schema"]["$ref"],
                    "#/components/schemas/Error",
                    "{label} {status}: errors are JSON"
                );
            }
        }
        // Every {name} of the path is a required path parameter, and back.
        let in_path: BTreeSet<String> = path
            .split('/')
            .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
            .map(str::to_owned)
            .collect();
        let parameters = operation["parameters"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let declared: BTreeSet<String> = parameters
            .iter()
            .filter(|parameter| parameter["in"] == "path")
            .map(|parameter| {
                assert_eq!(parameter["required"], true, "{label}");
                parameter["name"].as_str().unwrap().to_owned()
            })
            .collect();
        assert_eq!(in_path, declared, "{label}");
        for parameter in &parameters {
            assert!(
                ["path", "query"].contains(&parameter["in"].as_str().unwrap()),
                "{label}: {parameter}"
            );
            assert!(parameter["schema"].is_object(), "{label}: {parameter}");
        }
        // Whatever takes a key says what a missing or wrong one gets, and
        // what a database outage or a slow client gets.
        if takes_key(operation) {
            for status in ["401", "403", "408", "503", "507"] {
                assert!(responses.contains_key(status), "{label} lacks {status}");
            }
        }
    }
    let keyless: BTreeSet<String> = operations
        .iter()
        .filter(|(_, _, operation)| !takes_key(operation))
        .map(|(method, path, _)| format!("{method} {path}"))
        .collect();
    assert_eq!(
        keyless,
        BTreeSet::from([
            "get /api/v1/openapi.json".to_owned(),
            "get /healthz".to_owned(),
            "post /api/v1/embed/session".to_owned(),
            "get /metrics".to_owned()
        ])
    );
    app.cleanup().await;
}

#[tokio::test]
async fn the_event_schema_is_the_validators_rules() {
    let app = TestApp::spawn(TestBackend::Sqlite).await;
    let document = document(&app).await;
    let event_schema = schema(&document, "Event");
    let properties = event_schema["properties"].as_object().unwrap();
    assert_eq!(
        properties.keys().cloned().collect::<BTreeSet<_>>(),
        FIELDS
            .iter()
            .map(std::string::ToString::to_string)
            .collect(),
    );
    assert_eq!(event_schema["additionalProperties"], false);
    assert_eq!(
        strings(&event_schema["required"]),
        ["id", "type", "agent_id", "user_id", "at"]
            .map(String::from)
            .into()
    );
    let kinds = resolve(&document, properties["type"]["$ref"].as_str().unwrap()).unwrap();
    assert_eq!(
        strings(&kinds["enum"]),
        EventKind::ALL
            .iter()
            .map(|kind| kind.as_str().to_owned())
            .collect()
    );
    let limits = |field: &str| {
        (
            properties[field]["minLength"].as_u64(),
            properties[field]["maxLength"].as_u64(),
        )
    };
    assert_eq!(limits("id"), (Some(1), Some(128)));
    assert_eq!(limits("agent_id"), (Some(1), Some(64)));
    assert_eq!(limits("user_id"), (Some(1), Some(128)));
    assert_eq!(limits("session_id"), (Some(1), Some(128)));
    assert_eq!(limits("username"), (None, Some(200)));
    assert_eq!(limits("name"), (None, Some(200)));
    assert_eq!(properties["agent_id"]["pattern"], "^[A-Za-z0-9._-]{1,64}$");
    assert_eq!(properties["at"]["format"], "date-time");
    assert_eq!(
        schema(&document, "EventBatch")["maxItems"].as_u64(),
        Some(MAX_BATCH_EVENTS as u64)
    );
    let body = &document["paths"]["/api/v1/events"]["post"]["requestBody"]["content"];
    assert_eq!(
        body.as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect::<BTreeSet<_>>(),
        ["application/json", "application/x-ndjson"]
            .map(String::from)
            .into()
    );

    // And the server holds to them, at the edges.
    let long = |n: usize| "x".repeat(n);
    let with = |field: &str, value: Value| {
        let mut event = event("edge", "tutor", "u1", "message", 1);
        event[field] = value;
        event
    };
    for (field, longest) in [
        ("id", 128),
        ("agent_id", 64),
        ("user_id", 128),
        ("session_id", 128),
        ("username", 200),
        ("name", 200),
    ] {
        let response = app
            .post_events(&json!([with(field, json!(long(longest)))]))
            .await;
        assert_eq!(response.status(), 200, "{field} of {longest}");
        let response = app
            .post_events(&json!([with(field, json!(long(longest + 1)))]))
            .await;
        assert_eq!(response.status(), 422, "{field} of {}", longest + 1);
        let answer: Value = response.json().await.unwrap();
        assert_eq!(answer["details"][0]["field"], field, "{answer}");
    }
    for (field, value) in [
        ("agent_id", json!("no spaces")),
        ("id", json!("")),
        ("id", json!("tab\there")),
        ("type", json!("click")),
        ("at", json!("2026-03-01 09:30")),
        ("unknown", json!("x")),
    ] {
        let response = app.post_events(&json!([with(field, value)])).await;
        assert_eq!(response.status(), 422, "{field}");
    }
    // Null is the same as absent for the optional fields ("type": [.., "null"]).
    for field in ["session_id", "username", "name"] {
        assert!(
            strings(&properties[field]["type"]).contains("null"),
            "{field}"
        );
        let response = app.post_events(&json!([with(field, Value::Null)])).await;
        assert_eq!(response.status(), 200, "{field}: null");
    }
    // An empty batch is accepted and stores nothing (the schema has no minItems).
    assert!(schema(&document, "EventBatch").get("minItems").is_none());
    let response = app.post_events(&json!([])).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"accepted": 0, "duplicates": 0})
    );
    app.cleanup().await;
}

#[tokio::test]
async fn the_read_parameters_are_the_servers() {
    let app = TestApp::spawn(TestBackend::Sqlite).await;
    let document = document(&app).await;
    assert_eq!(
        strings(&schema(&document, "PeriodKind")["enum"]),
        PeriodKind::ALL
            .iter()
            .map(|kind| kind.as_str().to_owned())
            .collect()
    );
    let zones = strings(&schema(&document, "TimeZone")["enum"]);
    assert!(zones.len() > 400, "{}", zones.len());
    for zone in ["UTC", "Europe/Paris", "America/St_Johns", "Asia/Kolkata"] {
        assert!(zones.contains(zone), "{zone}");
    }
    let read = &document["paths"]["/api/v1/agents/{agent_id}/users/overview"]["get"];
    let names: BTreeSet<&str> = read["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|parameter| parameter["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        BTreeSet::from(["agent_id", "period", "from", "to", "tz", "section"])
    );

    assert_eq!(
        app.post_events(&json!([event("e1", "tutor", "u1", "message", 5)]))
            .await
            .status(),
        200
    );
    let overview = "/api/v1/agents/tutor/users/overview";
    // Every zone of the document is one the server takes; a few, for time.
    for zone in zones.iter().step_by(37) {
        let (status, answer) = app
            .get_json(&format!("{overview}?tz={}", zone.replace('+', "%2B")))
            .await;
        assert_eq!(status, 200, "{zone}: {answer}");
    }
    for (query, expected) in [
        // from and to are ignored with another period than custom...
        ("period=today&from=2026-01-01&to=2026-01-02", 200),
        ("period=30d&to=2020-02-29", 200),
        // ...but must still be dates.
        ("period=today&from=yesterday", 400),
        ("period=7d&to=2026-1-2", 400),
        ("period=custom&from=2026-01-01", 400),
        ("period=custom&from=2026-01-02&to=2026-01-01", 400),
        ("tz=Mars/Olympus_Mons", 400),
        ("tz=utc", 400),
        ("period=week", 400),
        ("colour=blue", 400),
    ] {
        let (status, answer) = app.get_json(&format!("{overview}?{query}")).await;
        assert_eq!(status, expected, "{query}: {answer}");
    }
    let (status, _) = app.get_json("/api/v1/agents/tutor/users?format=xml").await;
    assert_eq!(status, 400);
    app.cleanup().await;
}

/// Each documented operation, called as the document describes it with the
/// key it needs, gets one of its documented statuses: the document's routes
/// are the router's.
#[tokio::test]
async fn every_documented_operation_answers_a_documented_status() {
    let app = TestApp::spawn(TestBackend::Sqlite).await;
    let document = document(&app).await;
    assert_eq!(
        app.post_events(&json!([event("e1", "algebra-tutor", "u42", "message", 5)]))
            .await
            .status(),
        200
    );
    // Registering before unregistering; a section's members before it.
    let mut all = operations(&document);
    let order = |method: &str| {
        ["post", "put", "get", "delete"]
            .iter()
            .position(|m| *m == method)
    };
    let deepest_first = |method: &str, path: &str| match method {
        "delete" => -(path.len() as i64),
        _ => 0,
    };
    all.sort_by_key(|(method, path, _)| (order(method), deepest_first(method, path), path.clone()));
    for (method, path, operation) in all {
        let mut concrete = path.clone();
        for parameter in operation["parameters"].as_array().into_iter().flatten() {
            if parameter["in"] == "path" {
                let name = parameter["name"].as_str().unwrap();
                let example = parameter["example"].as_str().unwrap();
                concrete = concrete.replace(&format!("{{{name}}}"), example);
            }
        }
        let tag = operation["tags"][0].as_str().unwrap();
        if tag == "embedding" {
            // Its example token is signed by no integration this app has:
            // a documented refusal (tests/embedding.rs opens real sessions).
            let body = &operation["requestBody"]["content"]["application/json"]["schema"];
            let mut targets = Vec::new();
            refs(body, &mut targets);
            let example = resolve(&document, targets[0]).unwrap()["example"].clone();
            let response = app
                .request(reqwest::Method::POST, &concrete, None)
                .json(&example)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 401, "{method} {concrete}");
            assert!(
                operation["responses"]["401"].is_object(),
                "{method} {concrete}: 401 undocumented"
            );
            continue;
        }
        let key = match (tag, method.as_str()) {
            ("reads", _) | ("sections" | "annotations", "get") => Some(app.read_key.as_str()),
            ("operations", _) => None,
            _ => Some(app.ingest_key.as_str()),
        };
        let mut request = app.request(method.to_uppercase().parse().unwrap(), &concrete, key);
        let body = &operation["requestBody"]["content"]["application/json"];
        if body.is_object() {
            let mut targets = Vec::new();
            refs(&body["schema"], &mut targets);
            let example = targets
                .first()
                .and_then(|target| resolve(&document, target))
                .map(|schema| schema["example"].clone())
                .filter(|example| !example.is_null())
                .unwrap_or_else(|| json!([event("e2", "algebra-tutor", "u42", "message", 1)]));
            request = request.json(&example);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16().to_string();
        assert!(
            status.starts_with('2'),
            "{method} {concrete}: {status} {}",
            response.text().await.unwrap()
        );
        assert!(
            operation["responses"].get(&status).is_some(),
            "{method} {path}: {status} is not documented"
        );
        // And the wrong kind of key gets the documented 403.
        if let Some(used) = key {
            let other = if used == app.read_key {
                &app.ingest_key
            } else {
                &app.read_key
            };
            let mut request = app.request(
                method.to_uppercase().parse().unwrap(),
                &concrete,
                Some(other),
            );
            if body.is_object() {
                request = request.json(&json!({}));
            }
            assert_eq!(
                request.send().await.unwrap().status(),
                403,
                "{method} {path}"
            );
        }
    }
    app.cleanup().await;
}

/// What the document refuses never reaches the database as a query: a NUL
/// in an id, which PostgreSQL cannot even look up, is "not found" there too.
#[rstest]
#[case::sqlite(TestBackend::Sqlite)]
#[case::postgres(TestBackend::Postgres)]
#[tokio::test]
async fn ids_no_agent_or_user_can_have_are_not_found_on_both_backends(
    #[case] backend: TestBackend,
) {
    let app = TestApp::spawn(backend).await;
    let put = app
        .request(Method::PUT, "/api/v1/agents/tutor", Some(&app.ingest_key))
        .json(&json!({"name": "Tutor"}))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 204);
    for (method, path, key) in [
        (
            Method::GET,
            "/api/v1/agents/a%00b/users/overview",
            &app.read_key,
        ),
        (Method::GET, "/api/v1/agents/a%20b/users", &app.read_key),
        (
            Method::PUT,
            "/api/v1/agents/a%00b/members/u1",
            &app.ingest_key,
        ),
        (
            Method::DELETE,
            "/api/v1/agents/a%00b/members/u1",
            &app.ingest_key,
        ),
        (
            Method::DELETE,
            "/api/v1/agents/tutor/members/u%00",
            &app.ingest_key,
        ),
    ] {
        let response = app
            .request(method.clone(), path, Some(key))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404, "{backend:?}: {method} {path}");
        let answer: Value = response.json().await.unwrap();
        assert!(answer["error"].is_string(), "{answer}");
    }
    app.cleanup().await;
}

/// The registry's bodies: JSON objects of the documented fields, sent as
/// application/json.
#[tokio::test]
async fn registry_bodies_are_json_objects_of_their_fields() {
    let app = TestApp::spawn(TestBackend::Sqlite).await;
    let document = document(&app).await;
    for name in ["AgentBody", "UserBody", "MemberBody"] {
        assert_eq!(
            schema(&document, name)["additionalProperties"],
            false,
            "{name}"
        );
    }
    assert_eq!(
        schema(&document, "AgentBody")["properties"]["name"]["maxLength"],
        200
    );
    let send = |path: &str, content_type: &str, body: &str| {
        app.request(Method::PUT, path, Some(&app.ingest_key))
            .header("Content-Type", content_type)
            .body(body.to_owned())
            .send()
    };
    let agent = "/api/v1/agents/tutor";
    let member = "/api/v1/agents/tutor/members/u1";
    for (path, content_type, body, expected) in [
        (agent, "application/json", r#"{"name":"Tutor"}"#, 204),
        (
            agent,
            "application/json; charset=utf-8",
            r#"{"name":"Tutor"}"#,
            204,
        ),
        (agent, "text/plain", r#"{"name":"Tutor"}"#, 415),
        (agent, "application/json", r#"["Tutor"]"#, 400),
        (
            agent,
            "application/json",
            r#"{"name":"Tutor","colour":"blue"}"#,
            400,
        ),
        (agent, "application/json", r#"{"name":""}"#, 422),
        ("/api/v1/users/u1", "application/json", "[null, null]", 400),
        (
            "/api/v1/users/u1",
            "application/json",
            r#"{"name":null}"#,
            204,
        ),
        (member, "application/json", "null", 204),
        (member, "application/json", "", 204),
        (member, "application/json", "[]", 400),
        (
            member,
            "application/json",
            r#"{"registered_at":"yesterday"}"#,
            422,
        ),
        (member, "text/plain", r#"{}"#, 415),
    ] {
        let response = send(path, content_type, body).await.unwrap();
        assert_eq!(response.status(), expected, "{path} {content_type} {body}");
    }
    let huge = format!(r#"{{"name":"{}"}}"#, "x".repeat(100_000));
    let response = send(agent, "application/json", &huge).await.unwrap();
    assert_eq!(response.status(), 413);
    let answer: Value = response.json().await.unwrap();
    assert!(answer["error"].is_string(), "{answer}");
    app.cleanup().await;
}
