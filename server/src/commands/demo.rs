//! `pulse demo`: fills the database with synthetic learners (see
//! `pulse_db::synthetic`), and `pulse serve --demo`'s keeper of live sessions.

use pulse_db::time::Millis;
use std::time::Duration as StdDuration;

use chrono::Utc;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use pulse_db::accounts::{Role, hash_password};
use pulse_db::ingest::{EventKind, ValidBatch, ValidEvent};
use pulse_db::synthetic::{Scale, World};
use pulse_db::{LearnerSeed, Store};

use super::open_store;
use crate::config::DatabaseConfig;

const BATCH: usize = 5_000;

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Do nothing when the database already has agents.
    #[arg(long)]
    pub if_empty: bool,
    /// Number of agents.
    #[arg(long, default_value_t = Scale::demo().agents)]
    pub agents: usize,
    /// Number of learners.
    #[arg(long, default_value_t = Scale::demo().users)]
    pub users: usize,
    /// Days of history, ending now.
    #[arg(long, default_value_t = Scale::demo().days)]
    pub days: i64,
    /// Seed of the generator: the same seed gives the same learners.
    #[arg(long, default_value_t = Scale::demo().seed)]
    pub seed: u64,
    /// Multiplies how often learners open a session.
    #[arg(long, default_value_t = 1.0)]
    pub intensity: f64,
    #[command(flatten)]
    pub database: DatabaseConfig,
}

pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    let store = open_store(&args.database).await?;
    if args.if_empty && !store.list_agents().await?.is_empty() {
        println!("The database already has data; the demo data set was not added.");
        return Ok(());
    }
    let scale = Scale {
        agents: args.agents,
        users: args.users,
        days: args.days,
        seed: args.seed,
        intensity: args.intensity,
    };
    let world = World::plan(scale, Utc::now());
    register_members(&store, &world).await?;
    create_demo_accounts(&store, &world).await?;
    let stored = store_events(&store, &world).await?;
    store.after_bulk_load().await?;
    println!(
        "Demo data: {} agents, {} learners, {stored} events over {} days.",
        world.agents.len(),
        world.users.len(),
        scale.days
    );
    Ok(())
}

/// Demo sign-ins, the same on every demo database so the README can name
/// them: a superadministrator and an administrator of the first agent.
pub const DEMO_ACCOUNTS: [(&str, &str); 2] = [
    ("demo-admin", "pulse-demo-admin"),
    ("demo-teacher", "pulse-demo-teacher"),
];

async fn create_demo_accounts(store: &Store, world: &World) -> anyhow::Result<()> {
    let now = Millis::now();
    for (index, (username, password)) in DEMO_ACCOUNTS.into_iter().enumerate() {
        if store.account_by_username(username).await?.is_some() {
            continue;
        }
        let (role, agents) = if index == 0 {
            (Role::Superadmin, Vec::new())
        } else {
            (
                Role::Admin,
                world
                    .agents
                    .iter()
                    .take(1)
                    .map(|agent| agent.id.clone())
                    .collect(),
            )
        };
        store
            .create_account(username, &hash_password(password), role, &agents, now)
            .await?;
        println!("Demo account: {username} / {password} ({})", role.as_str());
    }
    Ok(())
}

async fn register_members(store: &Store, world: &World) -> anyhow::Result<()> {
    for (index, agent) in world.agents.iter().enumerate() {
        let members: Vec<LearnerSeed> = world
            .users
            .iter()
            .filter(|user| user.agents.contains(&index))
            .map(|user| LearnerSeed {
                user_id: user.id.clone(),
                username: Some(user.username.clone()),
                name: Some(user.name.clone()),
                registered_at: user.registered_at.into(),
            })
            .collect();
        store
            .import_learners(&agent.id, &agent.name, &members)
            .await?;
    }
    Ok(())
}

async fn store_events(store: &Store, world: &World) -> anyhow::Result<u64> {
    let progress = ProgressBar::new(world.users.len() as u64);
    progress.set_style(
        ProgressStyle::with_template("demo data [{bar:40}] {pos}/{len} learners ({eta})")
            .expect("a valid template")
            .progress_chars("=> "),
    );
    let mut stored = 0;
    let mut batch = Vec::with_capacity(BATCH);
    for index in 0..world.users.len() {
        batch.extend(world.events_of(index));
        if batch.len() >= BATCH {
            stored += ingest(store, std::mem::take(&mut batch)).await?;
        }
        progress.inc(1);
    }
    stored += ingest(store, batch).await?;
    progress.finish_and_clear();
    Ok(stored)
}

async fn ingest(store: &Store, events: Vec<ValidEvent>) -> anyhow::Result<u64> {
    let batch = ValidBatch::of(events);
    Ok(store.ingest(&batch, Millis::now()).await?.accepted)
}

/// Keeps the demo's live learners online while `pulse serve --demo` runs:
/// a heartbeat (and now and then a message) every minute.
pub fn keep_demo_sessions_alive(store: Store) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(StdDuration::from_secs(60));
        loop {
            tick.tick().await;
            let world = World::plan(Scale::demo(), Utc::now());
            let now = Utc::now().timestamp_millis();
            let events: Vec<ValidEvent> = world
                .users
                .iter()
                .filter(|user| user.live)
                .flat_map(|user| user.agents.iter().map(move |&agent| (user, agent)))
                .enumerate()
                .map(|(index, (user, agent))| ValidEvent {
                    id: format!("live-{}-{}-{now}", user.id, world.agents[agent].id),
                    kind: if (now / 60_000 + index as i64) % 3 == 0 {
                        EventKind::Message
                    } else {
                        EventKind::Heartbeat
                    },
                    agent_id: world.agents[agent].id.clone(),
                    user_id: user.id.clone(),
                    at: now,
                    session_id: Some("live-demo".into()),
                    username: None,
                    name: None,
                })
                .collect();
            if let Err(error) = ingest(&store, events).await {
                tracing::warn!(%error, "could not refresh the demo's live sessions");
            }
        }
    });
}
