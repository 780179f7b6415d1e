//! `GET /api/v1/openapi.json`: the REST API as OpenAPI 3.1, generated from
//! the handlers' annotations and the types they take and answer, so that the
//! document cannot drift from the code. scripts/fuzz-api.sh checks it against
//! the running server with a contract fuzzer (schemathesis).

use std::sync::LazyLock;

use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use pulse_model::{
    Agent, AgentFigures, AgentListing, AgentMedian, Annotation, Cohort, Dashboard, FollowUpStatus,
    Granularity, Heatmap, LearnerDay, LearnerSession, LearnerView, LifecycleWeek, Overview,
    PeriodBounds, PeriodKind, Retention, RetentionWeek, Section, Trend, TrendBucket, UserRow,
    UsersTable, WeekStart,
};
use utoipa::openapi::path::{Operation, Parameter, ParameterBuilder};
use utoipa::openapi::schema::Schema;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi as Document, RefOr, Response, ResponseBuilder};
use utoipa::{Modify, OpenApi, ToSchema};

use super::annotations::AnnotationBody;
use super::embed::{EmbedSession, EmbedSessionBody};
use super::error::{ErrorBody, ErrorDetail};
use super::events::{Event, EventBatch, EventType, IngestResult};
use super::params::{TimeZone, UsersFormat};
use super::registry::{AgentBody, ErasureBody, MemberBody, UserBody};
use super::sections::SectionBody;
use super::{annotations, embed, events, reads, registry, sections};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Pulse API",
        version = "1.0.0",
        description = "Events in, Users-tab figures out; every figure follows METRICS.md. \
            Keys go in `Authorization: Bearer KEY`: an ingest key writes events and registry \
            data, a read key reads analytics, and a key limited to agents may touch only those \
            agents (others answer 403). Errors are JSON: `{\"error\": \"...\", \"details\": [...]}`. \
            A method a path does not take answers 405 with `Allow`; an unknown path under /api, \
            404. Answers over 1 KiB are compressed when `Accept-Encoding` asks (gzip, br).",
    ),
    paths(
        events::post_events,
        reads::list_agents,
        registry::put_agent,
        registry::put_user,
        registry::delete_user,
        registry::put_member,
        registry::delete_member,
        sections::list_sections,
        annotations::list_annotations,
        annotations::put_annotation,
        annotations::delete_annotation,
        sections::put_section,
        sections::delete_section,
        sections::put_section_member,
        sections::delete_section_member,
        reads::overview,
        reads::trend,
        reads::heatmap,
        reads::dashboard,
        reads::retention,
        reads::users,
        reads::learner,
        embed::open_session,
        serve,
        crate::routes::health::healthz,
        crate::routes::metrics::metrics,
    ),
    components(schemas(
        ErrorBody,
        ErrorDetail,
        Event,
        EventType,
        EventBatch,
        IngestResult,
        AgentBody,
        UserBody,
        ErasureBody,
        MemberBody,
        SectionBody,
        Section,
        AnnotationBody,
        Annotation,
        AgentListing,
        AgentFigures,
        Agent,
        Overview,
        PeriodBounds,
        PeriodKind,
        Trend,
        TrendBucket,
        Granularity,
        Heatmap,
        Dashboard,
        UserRow,
        UsersTable,
        FollowUpStatus,
        LearnerView,
        LearnerDay,
        LearnerSession,
        AgentMedian,
        Retention,
        RetentionWeek,
        Cohort,
        LifecycleWeek,
        WeekStart,
        UsersFormat,
        TimeZone,
        EmbedSessionBody,
        EmbedSession,
    )),
    modifiers(&Common, &Identifiers),
    tags(
        (name = "events", description = "Writing events (ingest key)"),
        (name = "registry", description = "Agents, learners and registrations (ingest key)"),
        (name = "annotations", description = "Dated notes of an agent shown on its trend (ingest key to change, read key to list)"),
        (name = "sections", description = "Sections of an agent and their learners (ingest key to change, read key to list)"),
        (name = "reads", description = "The Users tab's figures (read key)"),
        (name = "embedding", description = "A host platform's signed token exchanged for a session of the embedded Users tab (docs/EMBED.md); no key"),
        (name = "operations", description = "For tools and monitoring; no key"),
    ),
)]
pub struct ApiDoc;

/// The document, built once.
static DOCUMENT: LazyLock<String> = LazyLock::new(|| {
    ApiDoc::openapi()
        .to_json()
        .expect("the OpenAPI document serializes")
});

/// This document.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    operation_id = "openapi",
    tag = "operations",
    security(()),
    responses(
        (status = 200, description = "The API as OpenAPI 3.1", content_type = "application/json", body = Object),
    ),
)]
pub async fn serve() -> impl IntoResponse {
    ([(CONTENT_TYPE, "application/json")], DOCUMENT.as_str())
}

/// What every operation that takes a key may also answer, added to each, and
/// the key's security scheme.
struct Common;

impl Modify for Common {
    fn modify(&self, document: &mut Document) {
        let components = document.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API key (`pulse key create`): `Authorization: Bearer pk_...`",
                    ))
                    .build(),
            ),
        );
        let common = [
            (
                "401",
                "No key, a malformed Authorization header, or an unknown or revoked key",
            ),
            (
                "408",
                "The request (its body included) took longer than the server's request timeout; sending it again is safe",
            ),
            (
                "503",
                "The database cannot be reached or written just now; try again later",
            ),
            ("507", "The database's disk is full"),
        ];
        // What every read of one agent's figures may answer, unless its own
        // annotation says more.
        let agent_reads = [
            (
                "400",
                "An invalid period, date, zone or other parameter, or an unknown parameter, with the reason",
            ),
            (
                "403",
                "Not a read key, or a key limited to other agents or sections",
            ),
            ("404", "Unknown agent or section"),
        ];
        for (path, item) in &mut document.paths.paths {
            for operation in operations(item) {
                let takes_key = operation
                    .security
                    .as_ref()
                    .is_some_and(|security| !security.is_empty() && has_requirements(operation));
                if !takes_key {
                    continue;
                }
                let reads_an_agent = path.contains("{agent_id}")
                    && operation
                        .tags
                        .as_ref()
                        .is_some_and(|tags| tags.iter().any(|tag| tag == "reads"));
                let extra = if reads_an_agent {
                    &agent_reads[..]
                } else {
                    &[]
                };
                for (status, description) in common.iter().chain(extra) {
                    operation
                        .responses
                        .responses
                        .entry((*status).to_owned())
                        .or_insert_with(|| error_response(description));
                }
            }
        }
    }
}

/// Whether the operation's security names a scheme (an empty requirement,
/// `security(())`, means no key).
fn has_requirements(operation: &Operation) -> bool {
    serde_json::to_value(&operation.security)
        .ok()
        .and_then(|value| value.as_array().cloned())
        .is_some_and(|requirements| {
            requirements
                .iter()
                .any(|requirement| requirement.as_object().is_some_and(|r| !r.is_empty()))
        })
}

fn operations(item: &mut utoipa::openapi::PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        item.get.as_mut(),
        item.put.as_mut(),
        item.post.as_mut(),
        item.delete.as_mut(),
        item.patch.as_mut(),
    ]
    .into_iter()
    .flatten()
}

fn error_response(description: &str) -> RefOr<Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
                    ErrorBody::name(),
                ))))
                .build(),
        )
        .build()
        .into()
}

/// The rules of the identifiers (`pulse_model::text`), written once here for
/// every path and query parameter and every body property named after one,
/// instead of in each of their annotations.
struct Identifiers;

/// A name an identifier goes by, with its rule and an example.
struct IdentifierRule {
    name: &'static str,
    /// Whether the parameter's description ends with the rule (not for a
    /// query parameter that explains itself at length).
    describe: bool,
    max_length: usize,
    pattern: &'static str,
    description: &'static str,
    example: &'static str,
}

const PUBLIC_ID: &str = "1 to 64 of A-Z, a-z, 0-9, `.`, `_` and `-`";
const USER_ID: &str = "1 to 128 characters, no control characters";

const IDENTIFIERS: [IdentifierRule; 5] = [
    IdentifierRule {
        name: "agent_id",
        describe: true,
        max_length: pulse_model::MAX_PUBLIC_ID_CHARS,
        pattern: pulse_model::PUBLIC_ID_PATTERN,
        description: PUBLIC_ID,
        example: "algebra-tutor",
    },
    IdentifierRule {
        name: "section_id",
        describe: true,
        max_length: pulse_model::MAX_PUBLIC_ID_CHARS,
        pattern: pulse_model::PUBLIC_ID_PATTERN,
        description: PUBLIC_ID,
        example: "period-3",
    },
    IdentifierRule {
        name: "section",
        describe: false,
        max_length: pulse_model::MAX_PUBLIC_ID_CHARS,
        pattern: pulse_model::PUBLIC_ID_PATTERN,
        description: PUBLIC_ID,
        example: "period-3",
    },
    IdentifierRule {
        name: "annotation_id",
        describe: true,
        max_length: pulse_model::MAX_PUBLIC_ID_CHARS,
        pattern: pulse_model::PUBLIC_ID_PATTERN,
        description: PUBLIC_ID,
        example: "midterms",
    },
    IdentifierRule {
        name: "user_id",
        describe: true,
        max_length: pulse_model::MAX_USER_ID_CHARS,
        pattern: pulse_model::USER_ID_PATTERN,
        description: USER_ID,
        example: "u42",
    },
];

impl Modify for Identifiers {
    fn modify(&self, document: &mut Document) {
        for item in document.paths.paths.values_mut() {
            for parameter in item.parameters.iter_mut().flatten() {
                describe_parameter(parameter);
            }
            for operation in operations(item) {
                for parameter in operation.parameters.iter_mut().flatten() {
                    describe_parameter(parameter);
                }
            }
        }
        // Request bodies only (and what they hold): what is answered was
        // checked on the way in.
        let bodies: Vec<serde_json::Value> = document
            .paths
            .paths
            .values_mut()
            .flat_map(operations)
            .filter_map(|operation| serde_json::to_value(&operation.request_body).ok())
            .collect();
        let components = document.components.get_or_insert_with(Default::default);
        for name in referenced_schemas(&bodies, &components.schemas) {
            let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(&name) else {
                continue;
            };
            for (name, property) in &mut object.properties {
                if let (Some(rule), RefOr::T(property)) = (rule_of(name), property) {
                    apply(rule, property);
                }
            }
        }
    }
}

/// The names of the component schemas `roots` refer to, directly or
/// through other schemas.
fn referenced_schemas(
    roots: &[serde_json::Value],
    schemas: &std::collections::BTreeMap<String, RefOr<Schema>>,
) -> std::collections::BTreeSet<String> {
    fn refs(value: &serde_json::Value, found: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                if let Some(serde_json::Value::String(target)) = map.get("$ref")
                    && let Some(name) = target.strip_prefix("#/components/schemas/")
                {
                    found.push(name.to_owned());
                }
                map.values().for_each(|inner| refs(inner, found));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|inner| refs(inner, found)),
            _ => {}
        }
    }
    let mut waiting = Vec::new();
    roots.iter().for_each(|root| refs(root, &mut waiting));
    let mut seen = std::collections::BTreeSet::new();
    while let Some(name) = waiting.pop() {
        if seen.insert(name.clone())
            && let Some(schema) = schemas.get(&name)
            && let Ok(value) = serde_json::to_value(schema)
        {
            refs(&value, &mut waiting);
        }
    }
    seen
}

fn rule_of(name: &str) -> Option<&'static IdentifierRule> {
    IDENTIFIERS.iter().find(|rule| rule.name == name)
}

/// "The agent." becomes "The agent: 1 to 64 of ...", with the rule's schema
/// and example.
fn describe_parameter(parameter: &mut RefOr<Parameter>) {
    let RefOr::T(parameter) = parameter else {
        return;
    };
    let Some(rule) = rule_of(&parameter.name) else {
        return;
    };
    let said = parameter.description.take().unwrap_or_default();
    if let Some(RefOr::T(schema)) = parameter.schema.as_mut() {
        apply(rule, schema);
    }
    // The example is set through the builder: the field is private.
    let description = if rule.describe {
        format!("{}: {}.", said.trim_end_matches('.'), rule.description)
    } else {
        said
    };
    *parameter = ParameterBuilder::from(std::mem::take(parameter))
        .description(Some(description))
        .example(Some(serde_json::Value::from(rule.example)))
        .build();
}

/// Gives a string schema (or the string of a nullable one) the rule.
fn apply(rule: &IdentifierRule, schema: &mut Schema) {
    match schema {
        Schema::Object(object) => {
            object.min_length = Some(1);
            object.max_length = Some(rule.max_length);
            object.pattern = Some(rule.pattern.to_owned());
        }
        Schema::OneOf(one_of) => {
            for item in &mut one_of.items {
                if let RefOr::T(inner @ Schema::Object(_)) = item
                    && !is_null(inner)
                {
                    apply(rule, inner);
                }
            }
        }
        _ => {}
    }
}

fn is_null(schema: &Schema) -> bool {
    serde_json::to_value(schema)
        .ok()
        .is_some_and(|value| value.get("type") == Some(&serde_json::Value::from("null")))
}
