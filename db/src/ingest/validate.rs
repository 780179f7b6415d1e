//! Field-by-field validation of incoming events, so that a client learns
//! every problem of a batch at once, by index, field and reason.

use std::collections::HashSet;

use chrono::{DateTime, TimeZone, Utc};
use pulse_model::{
    MAX_DISPLAY_TEXT_CHARS, MAX_PUBLIC_ID_CHARS, MAX_USER_ID_CHARS, control_char, foreign_id_char,
};
use serde::Serialize;
use serde_json::{Map, Value};

use super::{EventKind, ValidEvent};
use crate::learners::Naming;

/// The most events one request may carry (API.md).
pub const MAX_BATCH_EVENTS: usize = 10_000;
const MAX_EVENT_ID: usize = 128;
const MAX_SESSION_ID: usize = 128;
/// How far ahead of the server's clock an event may be (clock skew).
const MAX_FUTURE_MS: i64 = 5 * 60 * 1000;
/// The fields an event may have.
pub const FIELDS: [&str; 8] = [
    "id",
    "type",
    "agent_id",
    "user_id",
    "at",
    "session_id",
    "username",
    "name",
];

/// One reason an event was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// Position of the refused event in the batch, from 0.
    pub index: usize,
    /// The field at fault, as named on the wire (`event` when the event is not
    /// a JSON object).
    pub field: String,
    /// What is wrong with it, in words for the client.
    pub reason: String,
}

/// The events of a batch that passed validation, each id once per agent
/// (the first occurrence wins; later ones are duplicates within the batch).
#[derive(Debug, Clone, Default)]
pub struct ValidBatch {
    /// The events to store, in batch order, each (agent, id) once.
    pub events: Vec<ValidEvent>,
    /// How many events were dropped because their agent and id came earlier in
    /// the batch.
    pub repeated_in_batch: u64,
    /// Whose word the batch's names and registrations are.
    pub naming: Naming,
}

impl ValidBatch {
    /// A batch of valid events; an event whose agent and id came earlier in
    /// the list is a duplicate within the batch (ids are unique per agent).
    pub fn of(events: Vec<ValidEvent>) -> ValidBatch {
        let size = events.len();
        let mut seen = HashSet::new();
        let events: Vec<ValidEvent> = events
            .into_iter()
            .filter(|event| seen.insert((event.agent_id.clone(), event.id.clone())))
            .collect();
        ValidBatch {
            repeated_in_batch: (size - events.len()) as u64,
            events,
            naming: Naming::Platform,
        }
    }

    /// The distinct agent ids of the events, sorted.
    pub fn agent_ids(&self) -> Vec<&str> {
        sorted_unique(self.events.iter().map(|event| event.agent_id.as_str()))
    }

    /// The distinct user ids of the events, sorted.
    pub fn user_ids(&self) -> Vec<&str> {
        sorted_unique(self.events.iter().map(|event| event.user_id.as_str()))
    }
}

fn sorted_unique<'a>(items: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut items: Vec<&str> = items.collect();
    items.sort_unstable();
    items.dedup();
    items
}

/// Validates every event; on any error returns them all and nothing else.
pub fn validate_batch(values: &[Value], now: DateTime<Utc>) -> Result<ValidBatch, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut events = Vec::with_capacity(values.len());
    for (index, value) in values.iter().enumerate() {
        match validate_event(index, value, now) {
            Ok(event) => events.push(event),
            Err(mut event_errors) => errors.append(&mut event_errors),
        }
    }
    if errors.is_empty() {
        Ok(ValidBatch::of(events))
    } else {
        Err(errors)
    }
}

/// Validates one event (the `index` only labels the errors).
pub fn validate_event(
    index: usize,
    value: &Value,
    now: DateTime<Utc>,
) -> Result<ValidEvent, Vec<FieldError>> {
    let mut check = Checker {
        index,
        errors: Vec::new(),
    };
    let Some(object) = value.as_object() else {
        check.fail("event", "must be a JSON object");
        return Err(check.errors);
    };
    for field in object.keys() {
        if !FIELDS.contains(&field.as_str()) {
            check.fail(
                field,
                &format!("unknown field; expected one of {}", FIELDS.join(", ")),
            );
        }
    }
    let id = check.text(object, "id", true, MAX_EVENT_ID, no_control_chars);
    let kind = check.kind(object);
    let agent_id = check.text(
        object,
        "agent_id",
        true,
        MAX_PUBLIC_ID_CHARS,
        agent_id_chars,
    );
    let user_id = check.text(object, "user_id", true, MAX_USER_ID_CHARS, no_control_chars);
    let at = check.instant(object, now);
    let session_id = check.text(
        object,
        "session_id",
        false,
        MAX_SESSION_ID,
        no_control_chars,
    );
    let username = check.display_text(object, "username");
    let name = check.display_text(object, "name");
    match (id, kind, agent_id, user_id, at) {
        (Some(id), Some(kind), Some(agent_id), Some(user_id), Some(at))
            if check.errors.is_empty() =>
        {
            Ok(ValidEvent {
                id,
                kind,
                agent_id,
                user_id,
                at,
                session_id,
                username,
                name,
            })
        }
        _ => Err(check.errors),
    }
}

fn no_control_chars(text: &str) -> Result<(), String> {
    match control_char(text) {
        Some(c) => Err(format!("contains the control character U+{:04X}", c as u32)),
        None => Ok(()),
    }
}

fn agent_id_chars(text: &str) -> Result<(), String> {
    match foreign_id_char(text) {
        Some(c) => Err(format!(
            "contains {c:?}; only A-Z, a-z, 0-9, '.', '_' and '-' are allowed"
        )),
        None => Ok(()),
    }
}

struct Checker {
    index: usize,
    errors: Vec<FieldError>,
}

impl Checker {
    fn fail(&mut self, field: &str, reason: &str) {
        self.errors.push(FieldError {
            index: self.index,
            field: field.to_owned(),
            reason: reason.to_owned(),
        });
    }

    /// A string field of 1..=max characters that passes `rule`. A missing or
    /// null optional field is `None` without an error.
    fn text(
        &mut self,
        object: &Map<String, Value>,
        field: &str,
        required: bool,
        max: usize,
        rule: fn(&str) -> Result<(), String>,
    ) -> Option<String> {
        let text = match object.get(field) {
            None | Some(Value::Null) => {
                if required {
                    self.fail(field, "is required");
                }
                return None;
            }
            Some(Value::String(text)) => text,
            Some(_) => {
                self.fail(field, "must be a string");
                return None;
            }
        };
        let length = text.chars().count();
        if length == 0 || length > max {
            self.fail(
                field,
                &format!("must be 1 to {max} characters long, not {length}"),
            );
            return None;
        }
        if let Err(reason) = rule(text) {
            self.fail(field, &reason);
            return None;
        }
        Some(text.clone())
    }

    /// `username` and `name`: optional, at most 200 characters, may be empty.
    fn display_text(&mut self, object: &Map<String, Value>, field: &str) -> Option<String> {
        match object.get(field) {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) if text.chars().count() > MAX_DISPLAY_TEXT_CHARS => {
                self.fail(
                    field,
                    &format!("must be at most {MAX_DISPLAY_TEXT_CHARS} characters long"),
                );
                None
            }
            Some(Value::String(text)) => match no_control_chars(text) {
                Ok(()) => Some(text.clone()),
                Err(reason) => {
                    self.fail(field, &reason);
                    None
                }
            },
            Some(_) => {
                self.fail(field, "must be a string");
                None
            }
        }
    }

    fn kind(&mut self, object: &Map<String, Value>) -> Option<EventKind> {
        match object.get("type") {
            None | Some(Value::Null) => self.fail("type", "is required"),
            Some(Value::String(text)) => match EventKind::parse(text) {
                Some(kind) => return Some(kind),
                None => self.fail(
                    "type",
                    "must be one of session_start, heartbeat, message, session_end",
                ),
            },
            Some(_) => self.fail("type", "must be a string"),
        }
        None
    }

    fn instant(&mut self, object: &Map<String, Value>, now: DateTime<Utc>) -> Option<i64> {
        let text = match object.get("at") {
            None | Some(Value::Null) => {
                self.fail("at", "is required");
                return None;
            }
            Some(Value::String(text)) => text,
            Some(_) => {
                self.fail(
                    "at",
                    "must be an RFC 3339 string such as 2026-03-01T09:30:00Z",
                );
                return None;
            }
        };
        let at = match DateTime::parse_from_rfc3339(text) {
            Ok(at) => at.timestamp_millis(),
            Err(_) => {
                self.fail(
                    "at",
                    "must be an RFC 3339 instant with an offset, such as 2026-03-01T09:30:00Z",
                );
                return None;
            }
        };
        let earliest = Utc
            .with_ymd_and_hms(2000, 1, 1, 0, 0, 0)
            .unwrap()
            .timestamp_millis();
        if at < earliest {
            self.fail("at", "must not be before 2000-01-01T00:00:00Z");
            return None;
        }
        if at > now.timestamp_millis() + MAX_FUTURE_MS {
            self.fail("at", "must not be more than 5 minutes in the future");
            return None;
        }
        Some(at)
    }
}
