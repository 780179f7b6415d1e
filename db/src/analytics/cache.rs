//! Figures computed once and reused until a write changes them.
//!
//! A period's view (its totals, trend, heatmap and user table) costs a scan
//! of the period's rollups; the four REST reads of one report, the app's
//! dashboard and a reload all ask for the same one. Each is kept under the
//! agent's data versions as read with the agent (`AgentRef`), before any of
//! the figures' data: every write that can change a figure raises a version
//! in its own transaction (migration 0006), so a reader that sees the write
//! looks under a new key and computes afresh, and what is stored under a key
//! is never older than the key. The versions live in the database, so this
//! holds for several server processes on one database too. Concurrent
//! requests for one key wait for one computation instead of each running it.
//!
//! What depends on the clock (online now, the last 30 days) is not kept
//! here: only figures of fixed instants are.

use std::collections::HashSet;
use std::sync::Arc;

use pulse_model::{Granularity, Heatmap, Trend, UsersTable};
use quick_cache::sync::Cache;
use quick_cache::{DefaultHashBuilder, OptionsBuilder, Weighter};

use super::facts::{Detail, Facts};
use crate::ids::{AgentKey, UserKey};
use crate::store::AgentRef;

/// Bytes a store keeps figures in by default, about: enough for the views
/// of several large agents at once (docs/BENCHMARKS.md, "A live agent, and
/// ten times the data (issue 12, session 9)"). `pulse serve --figure-cache-mb` defaults to this total and gives a
/// quarter of it to REST answers as sent, the rest to the store.
pub const DEFAULT_VIEW_BYTES: u64 = 96 << 20;

/// Bytes a view takes at least, to size the cache's index.
const VIEW_MIN_BYTES: u64 = 64 << 10;

/// How many period summaries (two numbers each) are kept.
const SUMMARY_COUNT: usize = 4096;

/// Which data a figure was computed from: the agent and its versions, and
/// the sections its learners were limited to (membership changes raise the
/// agent's data version).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct DataKey {
    agent: AgentKey,
    data_version: i64,
    names_version: i64,
    /// The sorted section ids, none for the whole agent.
    sections: Arc<[String]>,
}

impl DataKey {
    pub(super) fn of(agent: &AgentRef, sections: &Arc<[String]>) -> DataKey {
        DataKey {
            agent: agent.key,
            data_version: agent.data_version,
            names_version: agent.names_version,
            sections: Arc::clone(sections),
        }
    }
}

/// One period of one agent as laid out in one zone.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct ViewKey {
    pub data: DataKey,
    /// The zone's IANA name: the layout of local days and hours.
    pub tz: String,
    /// The period's instants `[start, end)`, in milliseconds.
    pub start: i64,
    pub end: i64,
    /// The previous period's instants: not always a function of the
    /// above (a custom range that ends in the future ends `now` too).
    pub previous_start: i64,
    pub previous_end: i64,
    pub granularity: Granularity,
}

/// The instants `[from, to)` of one agent, laid out in no zone.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct SpanKey {
    pub data: DataKey,
    pub from: i64,
    pub to: i64,
}

/// Everything one period shows apart from the clock-dependent topline.
#[derive(Debug)]
pub(super) struct PeriodView {
    /// Distinct users active in the period.
    pub active_users: u64,
    /// Message events in the period.
    pub messages: u64,
    /// The mean of the distinct users of each local day of the period.
    pub average_daily_users: f64,
    pub trend: Trend,
    pub heatmap: Heatmap,
    /// The user table, statuses not set (they follow the clock).
    pub users: UsersTable,
    /// Each row's user key, in the table's order.
    pub user_keys: Vec<crate::ids::UserKey>,
    /// The learners' activity strips (sparklines).
    pub strips: pulse_model::ActivityStrips,
}

/// The facts of an agent's closed days in one layout: the instants
/// `[start, until)` of a period laid out from `start` in a zone with a
/// granularity (a calendar's indexes before `until` depend on nothing
/// else), kept under the agent's history version.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct ClosedKey {
    pub agent: AgentKey,
    pub history_version: i64,
    pub tz: String,
    pub start: i64,
    pub until: i64,
    pub granularity: Granularity,
    pub detail: Detail,
}

/// The instants `[from, until)` of an agent, all closed, kept under its
/// history version: a summary's closed part.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct ClosedSpanKey {
    pub agent: AgentKey,
    pub history_version: i64,
    pub from: i64,
    pub until: i64,
}

/// The distinct users and the messages of a span.
#[derive(Debug, Default)]
pub(super) struct SpanUsers {
    pub users: HashSet<UserKey>,
    pub messages: u64,
}

#[derive(Clone)]
struct SpanWeight;

impl Weighter<ClosedSpanKey, Arc<SpanUsers>> for SpanWeight {
    fn weight(&self, _: &ClosedSpanKey, span: &Arc<SpanUsers>) -> u64 {
        span.users.len() as u64 * 16 + 128
    }
}

#[derive(Clone)]
struct FactsWeight;

impl Weighter<ClosedKey, Arc<Facts>> for FactsWeight {
    fn weight(&self, _: &ClosedKey, facts: &Arc<Facts>) -> u64 {
        facts.weight() + 256
    }
}

/// Distinct users and messages of a span.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct SpanSummary {
    pub users: u64,
    pub messages: u64,
}

#[derive(Clone)]
struct ViewWeight;

impl Weighter<ViewKey, Arc<PeriodView>> for ViewWeight {
    fn weight(&self, _: &ViewKey, view: &Arc<PeriodView>) -> u64 {
        // Rough bytes: a user row with its strings, a trend bucket, the rest.
        let users = view.users.users.len() as u64 * 160 + view.strips.strips.len() as u64 * 96;
        let buckets = view.trend.buckets.len() as u64 * 32;
        users + buckets + 4096
    }
}

/// A cache of about `bytes` in one shard. quick_cache splits a cache into
/// (cores x 4) shards by default, each with its share of the bytes, and
/// keeps nothing heavier than a shard's share: a large agent's view or
/// facts were never kept. Its lock is held only
/// to find or put an entry.
fn one_shard<K, V, W>(items: usize, bytes: u64, weighter: W) -> Cache<K, V, W>
where
    K: Eq + std::hash::Hash,
    V: Clone,
    W: Weighter<K, V> + Clone,
{
    let options = OptionsBuilder::new()
        .estimated_items_capacity(items.max(16))
        .weight_capacity(bytes)
        .shards(1)
        .build()
        .expect("a positive capacity");
    Cache::with_options(
        options,
        weighter,
        DefaultHashBuilder::default(),
        Default::default(),
    )
}

/// The value under `key` in `cache`, made by `load` when it is not kept
/// (once, however many requests ask for it meanwhile); without a cache,
/// made every time.
async fn kept_or_loaded<K, V, W, E>(
    cache: Option<&Cache<K, Arc<V>, W>>,
    key: &K,
    load: impl Future<Output = Result<V, E>>,
) -> Result<Arc<V>, E>
where
    K: Eq + std::hash::Hash + Clone,
    W: Weighter<K, Arc<V>> + Clone,
{
    let load = async { load.await.map(Arc::new) };
    match cache {
        Some(cache) => cache.get_or_insert_async(key, load).await,
        None => load.await,
    }
}

/// The figures kept by one process; shared by every request through the
/// store. Without caches (a size of 0), every read computes its figures.
pub struct KeptFigures {
    views: Option<Cache<ViewKey, Arc<PeriodView>, ViewWeight>>,
    summaries: Option<Cache<SpanKey, SpanSummary>>,
    closed: Option<Cache<ClosedKey, Arc<Facts>, FactsWeight>>,
    closed_spans: Option<Cache<ClosedSpanKey, Arc<SpanUsers>, SpanWeight>>,
}

impl Default for KeptFigures {
    fn default() -> Self {
        KeptFigures::with_bytes(DEFAULT_VIEW_BYTES)
    }
}

impl KeptFigures {
    /// A cache whose views take about `bytes` at most; none for 0.
    pub fn with_bytes(bytes: u64) -> KeptFigures {
        if bytes == 0 {
            return KeptFigures {
                views: None,
                summaries: None,
                closed: None,
                closed_spans: None,
            };
        }
        // A third for views, half for closed days' facts (a year of a large
        // agent's facts outweighs its view; docs/BENCHMARKS.md, "A live
        // agent, and ten times the data (issue 12, session 9)"), the rest
        // for closed spans' users.
        let (view_bytes, facts_bytes) = (bytes / 3, bytes / 2);
        let span_bytes = bytes - view_bytes - facts_bytes;
        let count = |bytes: u64| usize::try_from(bytes / VIEW_MIN_BYTES).unwrap_or(usize::MAX);
        KeptFigures {
            views: Some(one_shard(count(view_bytes), view_bytes, ViewWeight)),
            summaries: Some(Cache::new(SUMMARY_COUNT)),
            closed: Some(one_shard(count(facts_bytes), facts_bytes, FactsWeight)),
            closed_spans: Some(one_shard(SUMMARY_COUNT, span_bytes, SpanWeight)),
        }
    }

    /// The closed span's users under `key`, loaded by `load` when they are
    /// not kept.
    pub(super) async fn closed_span<E>(
        &self,
        key: &ClosedSpanKey,
        load: impl Future<Output = Result<SpanUsers, E>>,
    ) -> Result<Arc<SpanUsers>, E> {
        kept_or_loaded(self.closed_spans.as_ref(), key, load).await
    }

    /// The closed days' facts under `key`, loaded by `load` when they are
    /// not kept.
    pub(super) async fn closed_facts<E>(
        &self,
        key: &ClosedKey,
        load: impl Future<Output = Result<Facts, E>>,
    ) -> Result<Arc<Facts>, E> {
        kept_or_loaded(self.closed.as_ref(), key, load).await
    }

    /// The view under `key`, computed by `compute` when it is not kept
    /// (once, however many requests ask for it meanwhile).
    pub(super) async fn view<E>(
        &self,
        key: &ViewKey,
        compute: impl Future<Output = Result<PeriodView, E>>,
    ) -> Result<Arc<PeriodView>, E> {
        kept_or_loaded(self.views.as_ref(), key, compute).await
    }

    /// Forgets everything kept.
    pub(crate) fn clear(&self) {
        if let Some(views) = &self.views {
            views.clear();
        }
        if let Some(summaries) = &self.summaries {
            summaries.clear();
        }
        if let Some(closed) = &self.closed {
            closed.clear();
        }
        if let Some(spans) = &self.closed_spans {
            spans.clear();
        }
    }

    /// The summary under `key`, computed by `compute` when it is not kept.
    pub(super) async fn summary<E>(
        &self,
        key: &SpanKey,
        compute: impl Future<Output = Result<SpanSummary, E>>,
    ) -> Result<SpanSummary, E> {
        match &self.summaries {
            Some(summaries) => summaries.get_or_insert_async(key, compute).await,
            None => compute.await,
        }
    }
}
