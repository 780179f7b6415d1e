//! Crash safety: a client ingests continuously while `pulse serve` is
//! killed with SIGKILL at random moments. After each restart the client
//! sends again the batch that got no answer (as a real client would); in
//! the end every event that got a 200 is stored exactly once, and the
//! figures equal those of a database that never crashed.

use crate::support;

use pulse_db::time::Millis;
use std::time::Duration;

use chrono::{DateTime, Utc};
use pulse_db::analytics::{Selection, Settings};
use pulse_db::ingest::{IngestCounts, validate_batch};
use pulse_db::keys::KeyScope;
use pulse_db::testing::{TestBackend, TestDb};
use pulse_model::PeriodQuery;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rstest::rstest;
use serde_json::{Value, json};
use support::process::{ServerProcess, free_port};
use support::{create_key, test_dist};

const KILLS: usize = 20;
const AGENTS: [&str; 3] = ["tutor-0", "tutor-1", "tutor-2"];
const KINDS: [&str; 4] = ["session_start", "heartbeat", "message", "session_end"];

/// Deterministic random batches, each event with a new id.
struct Batches {
    rng: StdRng,
    next_id: usize,
    start: DateTime<Utc>,
}

impl Batches {
    fn next(&mut self) -> Vec<Value> {
        let size = self.rng.random_range(20..400);
        (0..size)
            .map(|_| {
                self.next_id += 1;
                let user = self.rng.random_range(0..40);
                let at =
                    self.start + chrono::Duration::minutes(self.rng.random_range(0..3 * 24 * 60));
                json!({
                    "id": format!("ev-{}", self.next_id),
                    "type": KINDS[self.rng.random_range(0..KINDS.len())],
                    "agent_id": AGENTS[self.rng.random_range(0..AGENTS.len())],
                    "user_id": format!("learner-{user}"),
                    "at": at.to_rfc3339(),
                    "session_id": format!("s-{user}-{}", self.rng.random_range(0..3)),
                })
            })
            .collect()
    }
}

/// Sends the batch; Some(counts) on a 200, None when the server is gone.
async fn send(
    client: &reqwest::Client,
    url: &str,
    key: &str,
    batch: &[Value],
) -> Option<IngestCounts> {
    let response = client
        .post(format!("{url}/api/v1/events"))
        .bearer_auth(key)
        .json(batch)
        .send()
        .await
        .ok()?;
    let status = response.status();
    let body = response.text().await.ok()?;
    assert_eq!(
        status, 200,
        "a valid batch is stored or the server is gone: {body}"
    );
    Some(serde_json::from_str(&body).unwrap())
}

async fn figures(
    store: &pulse_db::Store,
    now: DateTime<Utc>,
    start: DateTime<Utc>,
) -> Vec<pulse_model::Dashboard> {
    let query = PeriodQuery {
        period: "custom".into(),
        from: Some(start.date_naive().to_string()),
        to: Some((start + chrono::Duration::days(3)).date_naive().to_string()),
        tz: "America/St_Johns".into(),
        section: None,
    };
    let mut all = Vec::new();
    for agent_id in AGENTS {
        let agent = store
            .find_agent(agent_id)
            .await
            .unwrap()
            .expect("every agent got events");
        let selection = Selection::new(store, &agent, &query, now).unwrap();
        all.push(selection.dashboard(Settings::default()).await.unwrap());
    }
    all
}

#[rstest]
#[case::sqlite(TestBackend::Sqlite)]
#[case::postgres(TestBackend::Postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_at_random_moments_loses_no_acknowledged_event(#[case] backend: TestBackend) {
    let _serial = support::one_at_a_time().await;
    let db = TestDb::new(backend).await;
    let key = create_key(&db, KeyScope::Ingest, None).await;
    let dist = test_dist();
    let port = free_port();
    let client = reqwest::Client::new();
    let mut rng = StdRng::seed_from_u64(20261127);
    let start = Utc::now() - chrono::Duration::days(4);
    let mut batches = Batches {
        rng: StdRng::seed_from_u64(1),
        next_id: 0,
        start,
    };
    // In the order stored: registration times depend on the batches (METRICS.md).
    let mut acknowledged: Vec<Vec<Value>> = Vec::new();
    let mut unanswered: Option<Vec<Value>> = None;
    // Batches the server had stored when it was killed, before answering.
    let mut stored_unanswered = 0;

    for round in 0..=KILLS {
        let mut server = ServerProcess::start(&db.url, port, dist.path(), &[]).await;
        if let Some(batch) = unanswered.take() {
            let counts = send(&client, &server.url, &key, &batch)
                .await
                .expect("the restarted server answers");
            assert_eq!(
                counts.accepted + counts.duplicates,
                batch.len() as u64,
                "{backend:?}"
            );
            assert!(
                counts.accepted == 0 || counts.duplicates == 0,
                "{backend:?}: a batch is stored whole or not at all"
            );
            stored_unanswered += usize::from(counts.duplicates > 0);
            acknowledged.push(batch);
        }
        if round == KILLS {
            break;
        }
        let writer = {
            let (client, url, key) = (client.clone(), server.url.clone(), key.clone());
            let mut source = std::mem::replace(
                &mut batches,
                Batches {
                    rng: StdRng::seed_from_u64(0),
                    next_id: 0,
                    start,
                },
            );
            tokio::spawn(async move {
                let mut stored = Vec::new();
                loop {
                    let batch = source.next();
                    match send(&client, &url, &key, &batch).await {
                        Some(counts) => {
                            assert_eq!(
                                counts.accepted,
                                batch.len() as u64,
                                "new ids are all accepted"
                            );
                            stored.push(batch);
                        }
                        None => return (source, stored, batch),
                    }
                }
            })
        };
        tokio::time::sleep(Duration::from_millis(rng.random_range(50..600))).await;
        server.kill();
        let (source, stored, lost) = writer.await.unwrap();
        batches = source;
        acknowledged.extend(stored);
        unanswered = Some(lost);
    }

    let mut expected: Vec<String> = acknowledged
        .iter()
        .flatten()
        .map(|event| event["id"].as_str().unwrap().to_owned())
        .collect();
    expected.sort();
    let stored = db.event_keys().await;
    assert_eq!(
        stored.len(),
        expected.len(),
        "{backend:?}: every acknowledged event, each once"
    );
    assert!(
        stored == expected,
        "{backend:?}: the stored ids are not those acknowledged"
    );

    // The figures equal those of a database that got the same events without a crash.
    let now = Utc::now();
    let crashed = figures(&db.store, now, start).await;
    let clean = TestDb::new(backend).await;
    for batch in &acknowledged {
        clean
            .store
            .ingest(&validate_batch(batch, now).unwrap(), Millis(0))
            .await
            .unwrap();
    }
    // (Dashboards are large: compared without printing them.)
    assert!(
        crashed == figures(&clean.store, now, start).await,
        "{backend:?}: figures changed by the crashes"
    );
    // And the rollups equal those rebuilt from the raw events.
    db.store.rebuild_rollups().await.unwrap();
    assert!(
        crashed == figures(&db.store, now, start).await,
        "{backend:?}: rollups differ from a rebuild"
    );
    eprintln!(
        "{backend:?}: {KILLS} kills, {} events acknowledged; {stored_unanswered} batches were stored but unanswered at a kill",
        expected.len()
    );
    clean.cleanup().await;
    db.cleanup().await;
}
