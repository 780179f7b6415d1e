//! Helpers shared by the data-layer tests.

pub mod oracle;

use chrono::{DateTime, Utc};
use pulse_db::Store;
use pulse_db::ingest::{IngestCounts, validate_batch};
use pulse_db::time::Millis;
use serde_json::{Value, json};

/// An event as a test writes it.
#[derive(Debug, Clone)]
pub struct TestEvent {
    pub id: String,
    pub kind: &'static str,
    pub agent: String,
    pub user: String,
    pub at: DateTime<Utc>,
    pub session: Option<String>,
}

impl TestEvent {
    pub fn json(&self) -> Value {
        let mut value = json!({
            "id": self.id,
            "type": self.kind,
            "agent_id": self.agent,
            "user_id": self.user,
            "at": self.at.to_rfc3339(),
        });
        if let Some(session) = &self.session {
            value["session_id"] = json!(session);
        }
        value
    }
}

/// Sends events through validation and storage, as the API does. The
/// events are validated as received when the latest of them happened (or
/// now, if later): cases at fixed dates pass whatever the machine's clock
/// says, even one set before those dates (scripts/test-at.sh).
pub async fn ingest(store: &Store, events: &[TestEvent]) -> IngestCounts {
    let values: Vec<Value> = events.iter().map(TestEvent::json).collect();
    let received = events
        .iter()
        .map(|event| event.at)
        .max()
        .unwrap_or_default();
    let batch = validate_batch(&values, Utc::now().max(received)).expect("test events are valid");
    store.ingest(&batch, Millis::now()).await.expect("ingest")
}

/// An event of agent "tutor" without a session, at an RFC 3339 instant.
pub fn event(id: &str, kind: &'static str, user: &str, at: &str) -> TestEvent {
    TestEvent {
        id: id.into(),
        kind,
        agent: "tutor".into(),
        user: user.into(),
        at: utc(at),
        session: None,
    }
}

pub fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("an RFC 3339 instant")
        .with_timezone(&Utc)
}

/// A custom period from `from` to `to` (inclusive) in `tz`.
pub fn custom(from: &str, to: &str, tz: &str) -> pulse_model::PeriodQuery {
    pulse_model::PeriodQuery {
        period: "custom".into(),
        from: Some(from.into()),
        to: Some(to.into()),
        tz: tz.into(),
        section: None,
    }
}

/// Runs `case` on a fresh database of each backend holding `events`.
pub async fn on_each_backend<F>(events: &[TestEvent], case: F)
where
    F: AsyncFn(&Store),
{
    for backend in pulse_db::testing::BACKENDS {
        let db = pulse_db::testing::TestDb::new(backend).await;
        ingest(&db.store, events).await;
        case(&db.store).await;
        db.cleanup().await;
    }
}
