/// The four kinds of event of METRICS.md; the number is what the database stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
// The wire names (`session_start`, ...), as text both ways.
#[derive(strum::Display, strum::EnumString, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum EventKind {
    /// Opens a session (`session_start`).
    SessionStart = 0,
    /// Says the user is still there (`heartbeat`): activity only.
    Heartbeat = 1,
    /// A message sent by the user (`message`): activity and a message.
    Message = 2,
    /// Closes a session (`session_end`): the user no longer counts as online in
    /// it.
    SessionEnd = 3,
}

impl EventKind {
    /// Every kind, in the order of their stored codes.
    pub const ALL: [EventKind; 4] = [
        EventKind::SessionStart,
        EventKind::Heartbeat,
        EventKind::Message,
        EventKind::SessionEnd,
    ];

    /// The kind's name on the wire (`session_start`, `heartbeat`, ...).
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The kind whose wire name is `text`; `None` for any other text.
    pub fn parse(text: &str) -> Option<EventKind> {
        text.parse().ok()
    }

    /// The number the database stores for this kind.
    pub fn code(self) -> i64 {
        self as i64
    }

    /// The kind stored as `code`; `None` for a number no kind has (a damaged
    /// row).
    pub fn from_code(code: i64) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|kind| kind.code() == code)
    }
}

/// An event that passed validation. `at` is in milliseconds since the epoch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidEvent {
    /// The client's idempotency key, unique per agent: an id already stored
    /// makes a duplicate.
    pub id: String,
    /// What happened (`type` on the wire).
    pub kind: EventKind,
    /// Public id of the agent; an unknown one is created when the sender may
    /// write to every agent.
    pub agent_id: String,
    /// Public id of the user; an unknown one is created.
    pub user_id: String,
    /// When it happened, in milliseconds since the epoch (UTC).
    pub at: i64,
    /// The client's key of the session it belongs to; `None`: no named session
    /// (for `online`, the user's events without one form one session).
    pub session_id: Option<String>,
    /// A login name to store for the user; `None` leaves the stored one.
    pub username: Option<String>,
    /// A display name to store for the user; `None` leaves the stored one.
    pub name: Option<String>,
}

impl ValidEvent {
    /// The event as a client sends it to the API (and as `pulse import`
    /// reads it): the time as RFC 3339, fields without a value left out.
    pub fn to_wire_json(&self) -> serde_json::Value {
        let mut object = serde_json::Map::new();
        let mut put = |field: &str, value: serde_json::Value| {
            object.insert(field.to_owned(), value);
        };
        put("id", self.id.clone().into());
        put("type", self.kind.as_str().into());
        put("agent_id", self.agent_id.clone().into());
        put("user_id", self.user_id.clone().into());
        let at = chrono::DateTime::from_timestamp_millis(self.at)
            .expect("a validated instant is in chrono's range");
        put(
            "at",
            at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
                .into(),
        );
        for (field, value) in [
            ("session_id", &self.session_id),
            ("username", &self.username),
            ("name", &self.name),
        ] {
            if let Some(value) = value {
                put(field, value.clone().into());
            }
        }
        serde_json::Value::Object(object)
    }
}
