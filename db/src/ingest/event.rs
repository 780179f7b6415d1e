/// The four kinds of event of METRICS.md; the number is what the database stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventKind {
    SessionStart = 0,
    Heartbeat = 1,
    Message = 2,
    SessionEnd = 3,
}

impl EventKind {
    pub const ALL: [EventKind; 4] = [
        EventKind::SessionStart,
        EventKind::Heartbeat,
        EventKind::Message,
        EventKind::SessionEnd,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::SessionStart => "session_start",
            EventKind::Heartbeat => "heartbeat",
            EventKind::Message => "message",
            EventKind::SessionEnd => "session_end",
        }
    }

    pub fn parse(text: &str) -> Option<EventKind> {
        EventKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text)
    }

    pub fn code(self) -> i64 {
        self as i64
    }

    pub fn from_code(code: i64) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|kind| kind.code() == code)
    }
}

/// An event that passed validation. `at` is in milliseconds since the epoch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidEvent {
    pub id: String,
    pub kind: EventKind,
    pub agent_id: String,
    pub user_id: String,
    pub at: i64,
    pub session_id: Option<String>,
    pub username: Option<String>,
    pub name: Option<String>,
}
