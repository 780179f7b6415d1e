//! Connection to SQLite or PostgreSQL, chosen by the URL's scheme, and the
//! [`Store`] every other part of Pulse reads and writes through.
//!
//! The SQL is written once, in `queries/` (one module per concern), and
//! compiled once per backend: `sqlite.rs` and `postgres.rs` each include
//! that folder as their module `queries` with their own `Db` type. Each
//! `Store` method hands its query the [`Reader`](access::Reader) or the
//! [`Writer`](access::Writer) of the current backend. The schema of each
//! backend lives in `migrations/<backend>/`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::Connection;
use sqlx::migrate::Migrator;
use sqlx::pool::PoolOptions;
use sqlx::postgres::{PgConnectOptions, PgPool};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};

use crate::accounts::{Account, AccountChange, Role};
use crate::analytics::FigureCache;
use crate::error::{Result, StoreError};
use crate::ids::UserKey;
use crate::ingest::{IngestCounts, ValidBatch};
use crate::keys::{KeyRecord, KeyScope, NewKey, Revocation};
use crate::learners::Naming;
use crate::sections::SectionLimits;
use crate::time::{Day, Millis, Slot};

mod access;
mod postgres;
mod records;
mod sqlite;

use access::{Reader, Writer};
use postgres::queries as pg;
pub use records::{
    AgentRef, ContactRow, DayRow, Erasure, Member, MemberSeed, RawActivity, SessionRow,
};
use sqlite::queries as lite;

/// What a connection pool holds now (for `/metrics`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolUsage {
    /// Which pool: `sqlite read`, `sqlite write` or `postgres`.
    pub name: &'static str,
    /// Connections open now, in use or idle.
    pub open: u32,
    /// Open connections waiting for a query.
    pub idle: u32,
    /// The most connections the pool may open.
    pub max: u32,
}

/// The kind of database behind a [`Store`], chosen by the URL's scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file (`sqlite://PATH`): one writer connection, several readers.
    Sqlite,
    /// A PostgreSQL server (`postgres://...`): one pool for reads and writes.
    Postgres,
}

/// A handle on the database; cheap to clone, shared by every request.
#[derive(Clone)]
pub struct Store {
    pools: Arc<Pools>,
    /// Figures computed once, shared by every clone of this handle.
    figures: Arc<FigureCache>,
}

enum Pools {
    /// SQLite allows one writer at a time: a one-connection pool queues the
    /// writers in the process instead of letting them fail with SQLITE_BUSY,
    /// while readers use their own connections (WAL lets them run alongside).
    Sqlite {
        read: Reader<sqlx::Sqlite>,
        write: Writer<sqlx::Sqlite>,
        file: PathBuf,
    },
    /// One pool: PostgreSQL runs writers side by side itself.
    Postgres {
        read: Reader<sqlx::Postgres>,
        write: Writer<sqlx::Postgres>,
    },
}

/// Calls `$module::$f(reader, args...)` with the current backend's reader.
macro_rules! on_reader {
    ($store:expr, $module:ident::$f:ident($($arg:expr),*)) => {
        match &*$store.pools {
            Pools::Sqlite { read, .. } => lite::$module::$f(read $(, $arg)*).await,
            Pools::Postgres { read, .. } => pg::$module::$f(read $(, $arg)*).await,
        }
    };
    ($store:expr, $f:ident($($arg:expr),*)) => {
        match &*$store.pools {
            Pools::Sqlite { read, .. } => lite::$f(read $(, $arg)*).await,
            Pools::Postgres { read, .. } => pg::$f(read $(, $arg)*).await,
        }
    };
}

/// Calls `$module::$f(writer, args...)` with the current backend's writer.
macro_rules! on_writer {
    ($store:expr, $module:ident::$f:ident($($arg:expr),*)) => {
        match &*$store.pools {
            Pools::Sqlite { write, .. } => lite::$module::$f(write $(, $arg)*).await,
            Pools::Postgres { write, .. } => pg::$module::$f(write $(, $arg)*).await,
        }
    };
    ($store:expr, $f:ident($($arg:expr),*)) => {
        match &*$store.pools {
            Pools::Sqlite { write, .. } => lite::$f(write $(, $arg)*).await,
            Pools::Postgres { write, .. } => pg::$f(write $(, $arg)*).await,
        }
    };
}

impl Store {
    /// Opens `sqlite://PATH` (the file and its folder are created when
    /// missing) or `postgres://...`. Does not migrate.
    pub async fn connect(url: &str) -> Result<Store> {
        let pools = if url.starts_with("sqlite:") {
            connect_sqlite(url).await?
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let pool = connect_postgres(url).await?;
            Pools::Postgres {
                read: Reader::new(pool.clone()),
                write: Writer::new(pool),
            }
        } else {
            return Err(StoreError::UnsupportedUrl(crate::redact_url(url)));
        };
        Ok(Store {
            pools: Arc::new(pools),
            figures: Arc::default(),
        })
    }

    /// The figures this process keeps between requests.
    pub(crate) fn figures(&self) -> &FigureCache {
        &self.figures
    }

    /// This handle with figures kept in about `bytes` of memory (none for
    /// 0), instead of [`crate::analytics::DEFAULT_VIEW_BYTES`].
    #[must_use]
    pub fn keeping_figures(mut self, bytes: u64) -> Store {
        self.figures = Arc::new(FigureCache::with_bytes(bytes));
        self
    }

    /// Forgets every figure this process kept, so that the next reads
    /// compute them: for measuring that computation (the benchmarks).
    pub fn forget_figures(&self) {
        self.figures.clear();
    }

    /// Applies the schema migrations that have not run yet.
    pub async fn migrate(&self) -> Result<()> {
        match &*self.pools {
            Pools::Sqlite { write, file, .. } => {
                let _lock = lock_for_migration(file).await?;
                migrator(Backend::Sqlite).run(write.pool()).await?;
            }
            Pools::Postgres { write, .. } => migrator(Backend::Postgres).run(write.pool()).await?,
        }
        Ok(())
    }

    /// Closes the pools at shutdown: later calls fail, and the future ends once
    /// every connection is closed.
    pub async fn close(&self) {
        match &*self.pools {
            Pools::Sqlite { read, write, .. } => {
                read.pool().close().await;
                write.pool().close().await;
            }
            Pools::Postgres { write, .. } => write.pool().close().await,
        }
    }

    /// How many connections each pool has open, idle and at most.
    pub fn pool_usage(&self) -> Vec<PoolUsage> {
        fn usage<DB: sqlx::Database>(name: &'static str, pool: &sqlx::Pool<DB>) -> PoolUsage {
            PoolUsage {
                name,
                open: pool.size(),
                idle: u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
                max: pool.options().get_max_connections(),
            }
        }
        match &*self.pools {
            Pools::Sqlite { read, write, .. } => vec![
                usage("sqlite read", read.pool()),
                usage("sqlite write", write.pool()),
            ],
            Pools::Postgres { read, .. } => vec![usage("postgres", read.pool())],
        }
    }

    /// Answers when the database answers a trivial query.
    pub async fn ping(&self) -> Result<()> {
        on_reader!(self, ping())
    }

    // ---- registry -------------------------------------------------------

    /// Every agent, by public id and display name, ordered by name then id.
    pub async fn list_agents(&self) -> Result<Vec<pulse_model::Agent>> {
        on_reader!(self, registry::list_agents())
    }

    /// The agent whose public id is `agent_id`, with its database key; `None`
    /// when there is none.
    pub async fn find_agent(&self, agent_id: &str) -> Result<Option<AgentRef>> {
        on_reader!(self, registry::find_agent(agent_id))
    }

    /// Creates the agent or renames it.
    pub async fn put_agent(&self, agent_id: &str, name: &str) -> Result<()> {
        on_writer!(self, registry::put_agent(agent_id, name))
    }

    /// Creates the user or updates the fields given; `None` leaves a field as it was.
    pub async fn put_user(
        &self,
        user_id: &str,
        username: Option<&str>,
        name: Option<&str>,
    ) -> Result<()> {
        on_writer!(self, registry::put_user(user_id, username, name))
    }

    /// Registers the user for the agent from `registered_at`, creating the
    /// user when unknown and replacing an earlier registration; a new one
    /// is named as `naming` allows (crate::learners).
    pub async fn register(
        &self,
        agent: &AgentRef,
        user_id: &str,
        registered_at: Millis,
        naming: Naming,
    ) -> Result<()> {
        on_writer!(
            self,
            registry::register(agent.key, user_id, registered_at, naming)
        )
    }

    /// Creates or renames the agent and registers the users, with their
    /// names, in one transaction (demo data, bulk set-up).
    pub async fn import_members(
        &self,
        agent_id: &str,
        agent_name: &str,
        members: &[MemberSeed],
    ) -> Result<()> {
        on_writer!(
            self,
            registry::import_members(agent_id, agent_name, members)
        )
    }

    /// Removes a registration; the user's events stay. False when there was none.
    pub async fn unregister(&self, agent: &AgentRef, user_id: &str) -> Result<bool> {
        on_writer!(self, registry::unregister(agent.key, user_id))
    }

    // ---- sections -------------------------------------------------------

    /// The agent's sections with their member counts, by name.
    pub async fn list_sections(&self, agent: &AgentRef) -> Result<Vec<pulse_model::Section>> {
        on_reader!(self, sections::list_sections(agent.key))
    }

    /// Creates the section or renames it; true when it was created.
    pub async fn put_section(
        &self,
        agent: &AgentRef,
        section_id: &str,
        name: &str,
    ) -> Result<bool> {
        on_writer!(self, sections::put_section(agent.key, section_id, name))
    }

    /// Deletes the section and its memberships; false when there was none.
    pub async fn delete_section(&self, agent: &AgentRef, section_id: &str) -> Result<bool> {
        on_writer!(self, sections::delete_section(agent.key, section_id))
    }

    /// Adds the user to the section, registering them for the agent from
    /// `now` when needed: `None` for an unknown section, else whether they
    /// were new to it.
    pub async fn add_section_member(
        &self,
        agent: &AgentRef,
        section_id: &str,
        user_id: &str,
        registration: (Millis, Naming),
    ) -> Result<Option<bool>> {
        on_writer!(
            self,
            sections::add_member(agent.key, section_id, user_id, registration)
        )
    }

    /// Removes the user from the section: `None` for an unknown section,
    /// else whether they were in it.
    pub async fn remove_section_member(
        &self,
        agent: &AgentRef,
        section_id: &str,
        user_id: &str,
    ) -> Result<Option<bool>> {
        on_writer!(
            self,
            sections::remove_member(agent.key, section_id, user_id)
        )
    }

    /// Makes `user_ids` the section's members in one transaction,
    /// registering each for the agent from `now` when needed; `None` for
    /// an unknown section.
    pub async fn replace_section_members(
        &self,
        agent: &AgentRef,
        section_id: &str,
        user_ids: &[&str],
        registration: (Millis, Naming),
    ) -> Result<Option<()>> {
        on_writer!(
            self,
            sections::replace_members(agent.key, section_id, user_ids, registration)
        )
    }

    /// The user ids of the section's members, sorted; `None` for an
    /// unknown section.
    pub async fn section_member_ids(
        &self,
        agent: &AgentRef,
        section_id: &str,
    ) -> Result<Option<Vec<String>>> {
        on_reader!(self, sections::member_ids(agent.key, section_id))
    }

    /// Those of `user_ids` who are members of any of `section_ids`.
    pub async fn section_members_among(
        &self,
        agent: &AgentRef,
        section_ids: &[&str],
        user_ids: &[&str],
    ) -> Result<std::collections::HashSet<String>> {
        on_reader!(
            self,
            sections::members_among(agent.key, section_ids, user_ids)
        )
    }

    /// The members of those of `section_ids` that exist, by section id.
    pub async fn section_members(
        &self,
        agent: &AgentRef,
        section_ids: &[&str],
    ) -> Result<HashMap<String, Vec<UserKey>>> {
        on_reader!(self, sections::section_members(agent.key, section_ids))
    }

    /// Loads a checked roster in one transaction; returns how many
    /// memberships were new.
    pub async fn import_roster(
        &self,
        agent: &AgentRef,
        lines: &[crate::sections::RosterLine],
        now: Millis,
    ) -> Result<u64> {
        on_writer!(self, sections::import_roster(agent.key, lines, now))
    }

    // ---- annotations ----------------------------------------------------

    /// The agent's annotations, oldest date first.
    pub async fn list_annotations(&self, agent: &AgentRef) -> Result<Vec<pulse_model::Annotation>> {
        on_reader!(self, annotations::list_annotations(agent.key))
    }

    /// Stores checked annotations (new, or replacing those with their ids)
    /// in one transaction; returns how many were new.
    pub async fn put_annotations(
        &self,
        agent: &AgentRef,
        notes: &[pulse_model::Annotation],
    ) -> Result<u64> {
        on_writer!(self, annotations::put_annotations(agent.key, notes))
    }

    /// Deletes an annotation; false when there was none.
    pub async fn delete_annotation(&self, agent: &AgentRef, id: &str) -> Result<bool> {
        on_writer!(self, annotations::delete_annotation(agent.key, id))
    }

    // ---- ingestion ------------------------------------------------------

    /// Stores a validated batch in one transaction: all of it or nothing.
    pub async fn ingest(&self, batch: &ValidBatch, received_at: Millis) -> Result<IngestCounts> {
        on_writer!(self, ingest::ingest(batch, received_at))
    }

    /// What the database's own maintenance would do after a while, done at
    /// once after a bulk load: fresh planner statistics (before, they
    /// describe the empty tables, and PostgreSQL plans the dashboard's joins
    /// for a hundred rows where there are thousands) and, on PostgreSQL, a
    /// vacuum. Measured on the benchmark data: PostgreSQL's Past Month
    /// dashboard from 22 to 18 ms.
    pub async fn after_bulk_load(&self) -> Result<()> {
        on_writer!(self, after_bulk_load())
    }

    /// Recomputes the rollups from the raw events (after a restore, or to
    /// check them); returns the number of events read.
    pub async fn rebuild_rollups(&self) -> Result<u64> {
        on_writer!(self, ingest::rebuild_rollups())
    }

    // ---- removal ----------------------------------------------------------

    /// Erases the learner `user_id` everywhere (events, registrations,
    /// sections, contact marks, rollups) in one transaction, and logs who
    /// erased which id and when; `None` when there is no such learner.
    pub async fn forget_user(
        &self,
        user_id: &str,
        erased_by: &str,
        at: Millis,
    ) -> Result<Option<Erasure>> {
        on_writer!(self, erasure::forget_user(user_id, erased_by, at))
    }

    /// Deletes the events before the UTC day `first_kept` and their rollups
    /// (the retention period); returns how many events went.
    pub async fn purge_before(&self, first_kept: crate::time::Day) -> Result<u64> {
        on_writer!(self, erasure::purge_before(first_kept))
    }

    // ---- share links ----------------------------------------------------

    /// Stores a new share link; returns its id.
    pub async fn create_share_link(
        &self,
        link: &crate::share_links::NewLinkRow<'_>,
    ) -> Result<i64> {
        on_writer!(self, share_links::create_share_link(link))
    }

    /// Every share link, newest first.
    pub async fn list_share_links(&self) -> Result<Vec<crate::share_links::ShareLinkRecord>> {
        on_reader!(self, share_links::list_share_links())
    }

    /// The share link whose token hashes to `token_hash`.
    pub async fn share_link_by_hash(
        &self,
        token_hash: &str,
    ) -> Result<Option<crate::share_links::ShareLinkRecord>> {
        on_reader!(self, share_links::share_link_by_hash(token_hash))
    }

    /// The share link numbered `id`.
    pub async fn share_link_by_id(
        &self,
        id: i64,
    ) -> Result<Option<crate::share_links::ShareLinkRecord>> {
        on_reader!(self, share_links::share_link_by_id(id))
    }

    /// Counts a view of a share link's figures at `at`.
    pub async fn record_share_view(&self, id: i64, at: i64) -> Result<()> {
        on_writer!(self, share_links::record_share_view(id, at))
    }

    /// Revokes a share link at `at`; false when none works under that id.
    pub async fn revoke_share_link(&self, id: i64, at: i64) -> Result<bool> {
        on_writer!(self, share_links::revoke_share_link(id, at))
    }

    // ---- API keys -------------------------------------------------------

    /// Stores a generated key; false (nothing stored) when its prefix is
    /// taken. [`Store::create_key`] generates and stores in one go.
    pub async fn insert_key(&self, key: &NewKey) -> Result<bool> {
        on_writer!(self, api_keys::insert_key(key))
    }

    /// Generates a key whose prefix no other key has, stores it, and
    /// returns its secret (to show once) with what was stored.
    pub async fn create_key(
        &self,
        scope: KeyScope,
        agents: Option<Vec<String>>,
        label: Option<String>,
        now: i64,
    ) -> Result<(String, NewKey)> {
        self.create_limited_key(scope, agents, SectionLimits::default(), label, now)
            .await
    }

    /// [`Store::create_key`] for a key limited to some sections of its agents.
    pub async fn create_limited_key(
        &self,
        scope: KeyScope,
        agents: Option<Vec<String>>,
        sections: SectionLimits,
        label: Option<String>,
        now: i64,
    ) -> Result<(String, NewKey)> {
        loop {
            let (secret, mut key) =
                crate::keys::generate(scope, agents.clone(), label.clone(), now);
            key.sections = sections.clone();
            if self.insert_key(&key).await? {
                return Ok((secret, key));
            }
        }
    }

    /// The key whose secret hashes to `key_hash` (see
    /// [`crate::keys::hash_key`]), revoked or not; `None` when no key has it.
    pub async fn key_by_hash(&self, key_hash: &str) -> Result<Option<KeyRecord>> {
        on_reader!(self, api_keys::key_by_hash(key_hash))
    }

    /// Revokes the active key whose printed prefix is `prefix` (with
    /// `all`, every active key sharing it).
    pub async fn revoke_key(&self, prefix: &str, all: bool, at: i64) -> Result<Revocation> {
        on_writer!(self, api_keys::revoke_key(prefix, all, at))
    }

    /// Every key ever made, revoked ones included, oldest first.
    pub async fn list_keys(&self) -> Result<Vec<KeyRecord>> {
        on_reader!(self, api_keys::list_keys())
    }

    // ---- dashboard accounts ----------------------------------------------

    /// Creates an account (the username must be new) with its agent grants.
    pub async fn create_account(
        &self,
        username: &str,
        password_hash: &str,
        role: Role,
        agents: &[String],
        now: i64,
    ) -> Result<i64> {
        on_writer!(
            self,
            accounts::create_account(username, password_hash, role, agents, now)
        )
    }

    /// Lets an admin see an agent, whole (no `sections`) or only those of
    /// its sections, replacing what it had of it; false when there is no
    /// such account.
    pub async fn grant_agent(
        &self,
        username: &str,
        agent_id: &str,
        sections: &[String],
    ) -> Result<bool> {
        on_writer!(self, accounts::grant_agent(username, agent_id, sections))
    }

    /// Records a sign-in attempt against each subject unless one has had
    /// its limit of attempts since `since_ms` (one atomic step): the counts
    /// before this attempt, or None when refused.
    pub async fn claim_login_attempt(
        &self,
        subjects: &[(String, Option<u64>)],
        at_ms: i64,
        since_ms: i64,
    ) -> Result<Option<Vec<u64>>> {
        on_writer!(
            self,
            accounts::claim_login_attempt(subjects, at_ms, since_ms)
        )
    }

    /// Forgets the `forgiven` subjects' failures and withdraws the attempt
    /// claimed at `at_ms` from the `withdrawn` ones.
    pub async fn login_succeeded(
        &self,
        forgiven: &[String],
        withdrawn: &[String],
        at_ms: i64,
    ) -> Result<()> {
        on_writer!(self, accounts::login_succeeded(forgiven, withdrawn, at_ms))
    }

    /// Every dashboard account with its agent grants, ordered by username.
    pub async fn list_accounts(&self) -> Result<Vec<Account>> {
        on_reader!(self, accounts::list_accounts())
    }

    /// Changes an account in one transaction; false when there is no such
    /// account (then nothing changed).
    pub async fn update_account(&self, username: &str, change: &AccountChange) -> Result<bool> {
        on_writer!(self, accounts::update_account(username, change))
    }

    /// How many dashboard accounts exist, disabled ones included (none: the
    /// first one is still to be created).
    pub async fn account_count(&self) -> Result<u64> {
        on_reader!(self, accounts::account_count())
    }

    /// The account signing in as `username`, with its stored password hash to
    /// verify against; `None` when there is none.
    pub async fn account_by_username(&self, username: &str) -> Result<Option<(Account, String)>> {
        on_reader!(self, accounts::account_by_username(username))
    }

    /// Stores a new browser session of the account whose database key is
    /// `account`, under the hash of its token; `now` (milliseconds since the
    /// epoch) is its start and last use.
    pub async fn create_session(&self, token_hash: &str, account: i64, now: i64) -> Result<()> {
        on_writer!(self, accounts::create_session(token_hash, account, now))
    }

    /// The account signed in with this session, if the session is live.
    pub async fn session_account(&self, token_hash: &str, now: i64) -> Result<Option<Account>> {
        on_writer!(self, accounts::session_account(token_hash, now))
    }

    /// Ends the session stored under `token_hash` (signing out); nothing
    /// happens when there is none.
    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        on_writer!(self, accounts::delete_session(token_hash))
    }

    // ---- analytics reads ------------------------------------------------

    /// Rollup rows of the UTC days `[day_from, day_to)`.
    pub async fn day_activity(
        &self,
        agent: &AgentRef,
        day_from: Day,
        day_to: Day,
    ) -> Result<Vec<DayRow>> {
        on_reader!(self, analytics::day_activity(agent.key, day_from, day_to))
    }

    /// The distinct users active on the UTC days `[day_from, day_to)`.
    pub async fn day_users(
        &self,
        agent: &AgentRef,
        day_from: Day,
        day_to: Day,
    ) -> Result<Vec<UserKey>> {
        on_reader!(self, analytics::day_users(agent.key, day_from, day_to))
    }

    /// All messages of the slots `[slot_from, slot_to)`.
    pub async fn message_total(
        &self,
        agent: &AgentRef,
        slot_from: Slot,
        slot_to: Slot,
    ) -> Result<u64> {
        on_reader!(
            self,
            analytics::message_total(agent.key, slot_from, slot_to)
        )
    }

    /// Messages per user in `[from, to)`, counted by the database.
    pub async fn user_messages(
        &self,
        agent: &AgentRef,
        from: Millis,
        to: Millis,
    ) -> Result<Vec<(UserKey, i64)>> {
        on_reader!(self, analytics::user_messages(agent.key, from, to))
    }

    /// Messages per quarter-hour slot of `[slot_from, slot_to)` (slots without any are absent).
    pub async fn message_slots(
        &self,
        agent: &AgentRef,
        slot_from: Slot,
        slot_to: Slot,
    ) -> Result<Vec<(Slot, i64)>> {
        on_reader!(
            self,
            analytics::message_slots(agent.key, slot_from, slot_to)
        )
    }

    /// How many raw events the agent has.
    pub async fn event_count(&self, agent: &AgentRef) -> Result<u64> {
        on_reader!(self, analytics::event_count(agent.key))
    }

    /// Raw events of `[from, to)`, for the partial slots at a period's edges.
    pub async fn raw_activity(
        &self,
        agent: &AgentRef,
        from: Millis,
        to: Millis,
    ) -> Result<Vec<RawActivity>> {
        on_reader!(self, analytics::raw_activity(agent.key, from, to))
    }

    /// Distinct users with an open session whose latest event is at or after `since`.
    pub async fn online_users(&self, agent: &AgentRef, since: Millis) -> Result<u64> {
        on_reader!(self, analytics::online_users(agent.key, since))
    }

    /// Each user's first event on the agent, over all time.
    pub async fn first_events(&self, agent: &AgentRef) -> Result<Vec<(UserKey, Millis)>> {
        on_reader!(self, analytics::first_events(agent.key))
    }

    /// The users with an open session whose latest event is at or after
    /// `since` (online), for counting them within a section.
    pub async fn online_user_keys(&self, agent: &AgentRef, since: Millis) -> Result<Vec<UserKey>> {
        on_reader!(self, analytics::online_user_keys(agent.key, since))
    }

    /// The raw events of `users` on the agent in `[from, to)`: a section's
    /// facts (the rollups hold messages per agent, not per user and quarter).
    pub async fn users_activity(
        &self,
        agent: &AgentRef,
        users: &[UserKey],
        from: Millis,
        to: Millis,
    ) -> Result<Vec<RawActivity>> {
        on_reader!(self, analytics::users_activity(agent.key, users, from, to))
    }

    /// How many users are registered for the agent (`registered` of
    /// METRICS.md).
    pub async fn registered_count(&self, agent: &AgentRef) -> Result<u64> {
        on_reader!(self, analytics::registered_count(agent.key))
    }

    /// Every registered user of the agent with their latest activity.
    pub async fn members(&self, agent: &AgentRef) -> Result<Vec<Member>> {
        on_reader!(self, analytics::members(agent.key))
    }

    /// The keys of those of `user_ids` registered for the agent.
    pub async fn registered_keys(
        &self,
        agent: &AgentRef,
        user_ids: &[String],
    ) -> Result<HashMap<String, UserKey>> {
        on_reader!(self, follow_up::registered_keys(agent.key, user_ids))
    }

    /// Those of `users` whom only an administrator registered by hand and
    /// who never used the agent (no reminder goes to them), sorted.
    pub async fn unvouched_learners(
        &self,
        agent: &AgentRef,
        users: &[UserKey],
    ) -> Result<Vec<String>> {
        on_reader!(self, follow_up::unvouched(agent.key, users))
    }

    /// Stores one contact mark per user, in one transaction.
    pub async fn mark_contacted(
        &self,
        agent: &AgentRef,
        users: &[UserKey],
        at: Millis,
        by: &str,
        note: Option<&str>,
        reminder: bool,
    ) -> Result<()> {
        on_writer!(
            self,
            follow_up::mark_contacted(agent.key, users, (at, by, note, reminder))
        )
    }

    /// Each learner's latest contact mark on the agent, by user id.
    pub async fn latest_marks(&self, agent: &AgentRef) -> Result<Vec<ContactRow>> {
        on_reader!(self, follow_up::latest_marks(agent.key))
    }

    /// One learner's contact marks, newest first, at most `limit`.
    pub async fn learner_marks(
        &self,
        agent: &AgentRef,
        user_id: &str,
        limit: usize,
    ) -> Result<Vec<ContactRow>> {
        on_reader!(
            self,
            follow_up::learner_marks(agent.key, user_id, limit as i64)
        )
    }

    /// Those of `users` with an event on the agent in `[from, to]`.
    pub async fn users_active_between(
        &self,
        agent: &AgentRef,
        users: &[UserKey],
        from: Millis,
        to: Millis,
    ) -> Result<Vec<UserKey>> {
        on_reader!(
            self,
            analytics::users_active_between(agent.key, users, from, to)
        )
    }

    /// Whether the user is online: an open session with an event at or
    /// after `since`.
    pub async fn learner_online(
        &self,
        agent: &AgentRef,
        user: UserKey,
        since: Millis,
    ) -> Result<bool> {
        on_reader!(self, analytics::learner_online(agent.key, user, since))
    }

    /// One user's raw events on the agent in `[from, to)`.
    pub async fn learner_activity(
        &self,
        agent: &AgentRef,
        user: UserKey,
        from: Millis,
        to: Millis,
    ) -> Result<Vec<RawActivity>> {
        on_reader!(self, analytics::learner_activity(agent.key, user, from, to))
    }

    /// The user's sessions with an event in `[from, to)`, newest first, at
    /// most `limit`.
    pub async fn learner_sessions(
        &self,
        agent: &AgentRef,
        user: UserKey,
        from: Millis,
        to: Millis,
        limit: usize,
    ) -> Result<Vec<SessionRow>> {
        on_reader!(
            self,
            analytics::learner_sessions(agent.key, user, (from, to), limit as i64)
        )
    }
}

/// Settings of every pool. A connection is handed out only when no
/// transaction is left open on it: a failed write can leave one behind (on
/// a full disk SQLite rolls back by itself, sqlx's own rollback then fails
/// and its count of open transactions stays at one), and such a connection
/// is replaced rather than reused.
fn pool_options<DB: sqlx::Database>() -> PoolOptions<DB> {
    PoolOptions::new().before_acquire(|connection: &mut DB::Connection, _| {
        Box::pin(async move { Ok(!connection.is_in_transaction()) })
    })
}

async fn connect_postgres(url: &str) -> Result<PgPool> {
    let options = PgConnectOptions::from_str(url)?;
    // One plain connection first: when it fails, its error says why (the
    // pool would only report that it timed out waiting for a connection).
    let first = sqlx::PgConnection::connect_with(&options)
        .await
        .map_err(|error| StoreError::Connect {
            target: format!("{}:{}", options.get_host(), options.get_port()),
            reason: connect_reason(&error),
        })?;
    first.close().await?;
    Ok(pool_options::<sqlx::Postgres>()
        .max_connections(16)
        // Fail fast while the server is down, so callers answer 503
        // within a second (connecting is retried until then). Busy as
        // the pool may be, a query waits far less than this for a
        // connection: queries take milliseconds.
        .acquire_timeout(Duration::from_secs(1))
        .connect_with(options)
        .await?)
}

/// Why a connection failed, in words that never carry the URL.
fn connect_reason(error: &sqlx::Error) -> String {
    match error {
        sqlx::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            "connection refused (is PostgreSQL running and listening there?)".to_owned()
        }
        sqlx::Error::Io(io) => io.to_string(),
        sqlx::Error::Database(database) => database.message().to_owned(),
        sqlx::Error::Tls(tls) => format!("TLS: {tls}"),
        other => other.to_string(),
    }
}

async fn connect_sqlite(url: &str) -> Result<Pools> {
    let options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // FULL: a batch is on disk before its 200 leaves, even across power loss.
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10))
        // 8 MiB of page cache per connection (default 2 MiB): a year of a
        // 4,000-learner agent's rollups stays in memory. A 50,000-learner
        // agent's year (35 MB) fits in no such cache and is read through the
        // system's file cache either way; 16 MiB per connection only added
        // 40 MB to the server's peak memory (docs/BENCHMARKS.md).
        .pragma("cache_size", "-8192")
        // Deleted rows are overwritten with zeros, not left in free pages:
        // an erased learner's names and notes leave the file at the next
        // checkpoint (docs/METRICS.md, "Erasing a learner").
        .pragma("secure_delete", "ON");
    if let Some(folder) = Path::new(options.get_filename()).parent()
        && !folder.as_os_str().is_empty()
    {
        std::fs::create_dir_all(folder).map_err(|source| StoreError::CreateDir {
            path: folder.display().to_string(),
            source,
        })?;
    }
    let file = options.get_filename().to_owned();
    let write = pool_options::<sqlx::Sqlite>()
        .max_connections(1)
        .connect_with(options.clone())
        .await?;
    let read = pool_options::<sqlx::Sqlite>()
        .max_connections(4)
        .connect_with(options.read_only(false))
        .await?;
    Ok(Pools::Sqlite {
        read: Reader::new(read),
        write: Writer::new(write),
        file,
    })
}

/// sqlx locks migrations on PostgreSQL only: two processes migrating one new
/// SQLite file at once (say `pulse demo` and `pulse serve`) would both create
/// the tables and one would fail. A flock on a file of its own beside the
/// database orders them. Never on the database file itself: on Linux,
/// closing any descriptor of a file drops every POSIX lock the process holds
/// on it, including the shared lock SQLite's WAL connections keep; without
/// it the next outside client to close the database (a `sqlite3` shell, a
/// backup script) believes it is the last one and deletes the WAL under the
/// running server. None for an in-memory database.
async fn lock_for_migration(file: &Path) -> Result<Option<std::fs::File>> {
    if !file.is_file() {
        return Ok(None);
    }
    let path = migration_lock_path(file);
    let shown = path.display().to_string();
    tokio::task::spawn_blocking(move || {
        let handle = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)?;
        handle.lock()?;
        Ok(Some(handle))
    })
    .await
    .expect("the lock task does not panic")
    .map_err(|source: std::io::Error| StoreError::FileLock {
        path: shown,
        source,
    })
}

/// `pulse.db` → `pulse.db.migrate-lock`: never a name SQLite uses itself.
fn migration_lock_path(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".migrate-lock");
    PathBuf::from(name)
}

/// The schema migrations of a backend, read from its folder
/// (`migrations/<backend>/NNNN_name.sql`) at compile time. Append-only:
/// sqlx refuses a database whose applied migrations changed since.
fn migrator(backend: Backend) -> Migrator {
    match backend {
        Backend::Sqlite => sqlx::migrate!("./migrations/sqlite"),
        Backend::Postgres => sqlx::migrate!("./migrations/postgres"),
    }
}
