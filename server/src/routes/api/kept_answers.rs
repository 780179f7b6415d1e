//! Read answers kept as the bytes sent. Once the store keeps a period's
//! figures, what a read costs is mostly turning them into JSON and
//! compressing it, most of the time of a kept read (docs/BENCHMARKS.md,
//! "Users tab over HTTP"). An answer is kept under the figures it was
//! made from (`Selection::figures_id`, which carries the agent's data
//! versions, so a write makes new keys and an old answer is never served
//! after it), the read and the encoding; answers with parts that follow the
//! clock (the dashboard's overview, the user table's statuses) also under
//! those parts, so they are reused only while those are unchanged. Bodies
//! are compressed here with the compression layer's codecs and threshold
//! (which then leaves them alone, since they carry a Content-Encoding):
//! zstd fast for the request at hand, and harder once an answer is reused
//! ([`Effort`]).
//!
//! The app's server functions make their bodies inside leptos, so their
//! figures are not known here; their large answers are kept by the plain
//! body's SHA-256 instead ([`KeptAnswers::compress`]): the same bytes
//! compress to the same bytes, so nothing can go stale, and a dashboard
//! whose figures the store keeps is serialized again (a few milliseconds)
//! but not compressed again (tens of milliseconds).

use std::io::Write;
use std::sync::Arc;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{SyncSender, TrySendError};

use axum::body::Bytes;
use axum::http::header::{ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, VARY};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use pulse_db::analytics::{FiguresId, Selection};
use quick_cache::Weighter;
use quick_cache::sync::Cache;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::HttpError;
use crate::routes::{COMPRESS_ABOVE_BYTES, COMPRESSION_LEVEL};

/// How a client accepts answers, in the order they are preferred (the
/// compression layer's order: zstd compresses a large answer several times
/// faster than brotli at the same level, to a few percent more bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Encoding {
    Zstd,
    Brotli,
    Gzip,
    Identity,
}

impl Encoding {
    /// The best encoding `headers` accept (a `q=0` refuses one).
    fn accepted(headers: &HeaderMap) -> Encoding {
        let offered: Vec<(String, bool)> = headers
            .get_all(ACCEPT_ENCODING)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(|item| {
                let mut parts = item.split(';').map(str::trim);
                let name = parts.next().unwrap_or_default().to_ascii_lowercase();
                let refused = parts.any(|param| {
                    param
                        .strip_prefix("q=")
                        .and_then(|q| q.parse::<f32>().ok())
                        .is_some_and(|q| q <= 0.0)
                });
                (name, !refused)
            })
            .collect();
        let accepts = |name: &str| {
            offered
                .iter()
                .find(|(offered, _)| offered == name)
                .or_else(|| offered.iter().find(|(offered, _)| offered == "*"))
                .is_some_and(|(_, yes)| *yes)
        };
        if accepts("zstd") {
            Encoding::Zstd
        } else if accepts("br") {
            Encoding::Brotli
        } else if accepts("gzip") {
            Encoding::Gzip
        } else {
            Encoding::Identity
        }
    }

    fn header(self) -> Option<HeaderValue> {
        match self {
            Encoding::Zstd => Some(HeaderValue::from_static("zstd")),
            Encoding::Brotli => Some(HeaderValue::from_static("br")),
            Encoding::Gzip => Some(HeaderValue::from_static("gzip")),
            Encoding::Identity => None,
        }
    }

    /// `json` as sent in this encoding (small answers go as they are),
    /// compressed for an answer made for the request at hand or one kept
    /// because it was asked for again.
    fn encode(self, json: Bytes, effort: Effort) -> std::io::Result<(Encoding, Bytes)> {
        if json.len() <= usize::from(COMPRESS_ABOVE_BYTES) {
            return Ok((Encoding::Identity, json));
        }
        let encoded = match self {
            Encoding::Identity => return Ok((Encoding::Identity, json)),
            Encoding::Zstd => zstd::bulk::compress(&json, effort.zstd_level())?,
            Encoding::Brotli => {
                let mut out = Vec::with_capacity(json.len() / 8);
                let params = brotli::enc::BrotliEncoderParams {
                    quality: COMPRESSION_LEVEL,
                    ..Default::default()
                };
                brotli::BrotliCompress(&mut json.as_ref(), &mut out, &params)?;
                out
            }
            Encoding::Gzip => {
                let level = flate2::Compression::new(COMPRESSION_LEVEL.unsigned_abs());
                let mut encoder = flate2::write::GzEncoder::new(Vec::new(), level);
                encoder.write_all(&json)?;
                encoder.finish()?
            }
        };
        Ok((self, Bytes::from(encoded)))
    }

    /// Whether answers in this encoding are compressed again, smaller, once
    /// asked for again (only zstd's levels differ; see [`Effort`]).
    fn shrinks(self) -> bool {
        self == Encoding::Zstd
    }
}

/// How hard an answer is compressed. zstd's level 1 is several times
/// faster than levels 6 and 9, which make a tenth or so fewer bytes (level
/// 3 is slower for as many; docs/BENCHMARKS.md, "zstd levels"): an answer made for one request
/// (a live agent's every read) is sent fast; one asked for again is
/// compressed again, smaller, off the serving threads, and the smaller
/// bytes are kept for the reads after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Effort {
    /// For the request at hand.
    Fresh,
    /// For an answer that has been reused.
    Kept,
}

impl Effort {
    fn zstd_level(self) -> i32 {
        match self {
            Effort::Fresh => 1,
            Effort::Kept => 9,
        }
    }
}

/// What a kept answer is the bytes of.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum AnswerKey {
    /// A REST read of a selection's figures.
    Read {
        figures: FiguresId,
        read: &'static str,
        encoding: Encoding,
        /// The clock-dependent part of the answer, when it has one.
        clock: Option<Bytes>,
    },
    /// A plain body, by its SHA-256, in `encoding`.
    Content {
        digest: [u8; 32],
        encoding: Encoding,
    },
}

/// A kept answer: its encoding (the one asked for, or none when too
/// small), its bytes, and whether it may still be compressed smaller.
struct KeptBody {
    encoding: Encoding,
    body: Bytes,
    effort: Effort,
    /// Set by the first reuse that compresses it again.
    shrinking: AtomicBool,
}

impl KeptBody {
    fn new((encoding, body): (Encoding, Bytes), effort: Effort) -> Arc<KeptBody> {
        Arc::new(KeptBody {
            encoding,
            body,
            effort,
            shrinking: AtomicBool::new(false),
        })
    }
}

#[derive(Clone)]
struct AnswerWeight;

impl Weighter<AnswerKey, Arc<KeptBody>> for AnswerWeight {
    fn weight(&self, key: &AnswerKey, kept: &Arc<KeptBody>) -> u64 {
        let clock = match key {
            AnswerKey::Read { clock, .. } => clock.as_ref().map_or(0, Bytes::len),
            AnswerKey::Content { .. } => 0,
        };
        (kept.body.len() + clock + 256) as u64
    }
}

/// Compresses `json` off the threads that serve requests (a large answer
/// takes milliseconds of CPU).
async fn encoded(encoding: Encoding, json: Bytes) -> Result<Arc<KeptBody>, HttpError> {
    let (encoding, body) =
        tokio::task::spawn_blocking(move || encoding.encode(json, Effort::Fresh))
            .await
            .map_err(HttpError::internal)?
            .map_err(HttpError::internal)?;
    Ok(KeptBody::new((encoding, body), Effort::Fresh))
}

/// Sets the headers of an answer sent in `encoding` (keeping any other
/// Vary the answer had).
fn mark_encoded(headers: &mut HeaderMap, encoding: Encoding) {
    let varies = headers
        .get_all(VARY)
        .iter()
        .any(|value| value.as_bytes().eq_ignore_ascii_case(b"accept-encoding"));
    if !varies {
        headers.append(VARY, HeaderValue::from_static("accept-encoding"));
    }
    if let Some(value) = encoding.header() {
        headers.insert(CONTENT_ENCODING, value);
    }
}

/// The answers kept by this process; none when it keeps no figures.
#[derive(Clone)]
pub struct KeptAnswers(Option<Arc<AnswerCache>>);

/// Each kept answer by key, and the thread that compresses reused ones
/// again ([`shrink_later`]).
struct AnswerCache {
    answers: Cache<AnswerKey, Arc<KeptBody>, AnswerWeight>,
    shrinker: OnceLock<SyncSender<Shrink>>,
}

impl AnswerCache {
    fn get(&self, key: &AnswerKey) -> Option<Arc<KeptBody>> {
        self.answers.get(key)
    }

    fn insert(&self, key: AnswerKey, kept: Arc<KeptBody>) {
        self.answers.insert(key, kept);
    }
}

impl KeptAnswers {
    /// Answers kept in about `bytes` (compressed answers are a tenth of their
    /// JSON or less; docs/BENCHMARKS.md, "Users tab over HTTP"); none for 0.
    pub fn with_bytes(bytes: u64) -> KeptAnswers {
        KeptAnswers((bytes > 0).then(|| {
            Arc::new(AnswerCache {
                answers: Cache::with_weighter(4096, bytes, AnswerWeight),
                shrinker: OnceLock::new(),
            })
        }))
    }
}

/// What one read answers, to be kept: its figures, its name, and the
/// clock-dependent part if any.
pub struct Answer {
    figures: FiguresId,
    read: &'static str,
    clock: Option<Bytes>,
}

impl Answer {
    /// The answer `read` gives from `selection`'s figures alone.
    pub fn of(selection: &Selection<'_>, read: &'static str) -> Answer {
        Answer {
            figures: selection.figures_id(),
            read,
            clock: None,
        }
    }

    /// The same answer, reused only while the parts of it that follow the
    /// clock are unchanged: an overview (online now, the last 30 days) and
    /// the user table's statuses (a learner becomes `stopped` as time
    /// passes, without any write).
    pub fn following(
        mut self,
        overview: Option<&pulse_model::Overview>,
        statuses: &[pulse_model::FollowUpStatus],
    ) -> Result<Answer, HttpError> {
        let mut clock = match overview {
            Some(overview) => serde_json::to_vec(overview).map_err(HttpError::internal)?,
            None => Vec::new(),
        };
        clock.extend(statuses.iter().map(|status| *status as u8));
        self.clock = Some(Bytes::from(clock));
        Ok(self)
    }
}

impl KeptAnswers {
    /// The answer for `answer` in the encoding `headers` accept: kept bytes
    /// when there are, else `compute`'s value, encoded and kept.
    pub async fn respond<T: Serialize>(
        &self,
        headers: &HeaderMap,
        answer: Answer,
        compute: impl Future<Output = Result<T, HttpError>>,
    ) -> Result<Response, HttpError> {
        let encoding = Encoding::accepted(headers);
        let key = AnswerKey::Read {
            figures: answer.figures,
            read: answer.read,
            encoding,
            clock: answer.clock,
        };
        // Boxed: with the figures' future inside it is large, and a debug
        // build's test thread runs the server on its own stack.
        let encode = Box::pin(async {
            let json = serde_json::to_vec(&compute.await?).map_err(HttpError::internal)?;
            encoded(encoding, Bytes::from(json)).await
        });
        let kept = match &self.0 {
            Some(cache) => kept_or_made(cache, key, encode).await?,
            None => encode.await?,
        };
        let mut response = kept.body.clone().into_response();
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        mark_encoded(headers, kept.encoding);
        Ok(response)
    }

    /// `response`, a successful plain answer made elsewhere (a server
    /// function's), compressed for a client whose request carried
    /// `request_headers`: from kept bytes when the same body was compressed
    /// before. Anything else (an error, an answer already encoded or of
    /// unknown length, no cache) is left to the compression layer.
    pub async fn compress(&self, request_headers: &HeaderMap, response: Response) -> Response {
        use axum::body::HttpBody as _;
        let Some(kept) = &self.0 else {
            return response;
        };
        let encoding = Encoding::accepted(request_headers);
        let size = response.body().size_hint().exact();
        let worth_it = encoding != Encoding::Identity
            && response.status() == StatusCode::OK
            && !response.headers().contains_key(CONTENT_ENCODING)
            && size.is_some_and(|size| size > u64::from(COMPRESS_ABOVE_BYTES));
        if !worth_it {
            return response;
        }
        let (mut parts, body) = response.into_parts();
        let Ok(plain) = axum::body::to_bytes(body, usize::MAX).await else {
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        };
        // Hashing megabytes takes milliseconds: off the serving threads.
        let digest = {
            let plain = plain.clone();
            tokio::task::spawn_blocking(move || <[u8; 32]>::from(Sha256::digest(&plain))).await
        };
        let Ok(digest) = digest else {
            return Response::from_parts(parts, axum::body::Body::from(plain));
        };
        let key = AnswerKey::Content { digest, encoding };
        let encode = encoded(encoding, plain.clone());
        match kept_or_made(kept, key, encode).await {
            Ok(kept) => {
                parts.headers.remove(CONTENT_LENGTH);
                mark_encoded(&mut parts.headers, kept.encoding);
                Response::from_parts(parts, axum::body::Body::from(kept.body.clone()))
            }
            // Not compressed: still the answer, as it is.
            Err(_) => Response::from_parts(parts, axum::body::Body::from(plain)),
        }
    }
}

/// The answer kept under `key`, else `make`'s, kept. An answer kept fast
/// is compressed again, smaller, when first reused (see [`Effort`]).
async fn kept_or_made(
    cache: &Arc<AnswerCache>,
    key: AnswerKey,
    make: impl Future<Output = Result<Arc<KeptBody>, HttpError>>,
) -> Result<Arc<KeptBody>, HttpError> {
    if let Some(kept) = cache.get(&key) {
        shrink_later(cache, key, &kept);
        return Ok(kept);
    }
    cache.answers.get_or_insert_async(&key, make).await
}

/// Has a reused answer kept fast compressed again, harder, and its smaller
/// bytes kept (the same content: nothing can go stale). Once per answer.
fn shrink_later(cache: &Arc<AnswerCache>, key: AnswerKey, kept: &Arc<KeptBody>) {
    if kept.effort == Effort::Kept
        || !kept.encoding.shrinks()
        || kept.shrinking.swap(true, Ordering::Relaxed)
    {
        return;
    }
    let job = Shrink {
        cache: Arc::clone(cache),
        key,
        kept: Arc::clone(kept),
    };
    if let Err(TrySendError::Full(job) | TrySendError::Disconnected(job)) =
        shrinker(cache).try_send(job)
    {
        // Tried again at its next reuse.
        job.kept.shrinking.store(false, Ordering::Relaxed);
    }
}

/// An answer to compress again.
struct Shrink {
    cache: Arc<AnswerCache>,
    key: AnswerKey,
    kept: Arc<KeptBody>,
}

impl Shrink {
    /// An answer that fails is simply left as it is.
    fn run(self) {
        let smaller = zstd::stream::decode_all(self.kept.body.as_ref())
            .and_then(|json| self.kept.encoding.encode(Bytes::from(json), Effort::Kept));
        if let Ok(smaller) = smaller {
            let kept = KeptBody::new(smaller, Effort::Kept);
            self.cache.insert(self.key, kept);
        }
    }
}

/// The answers waiting to be compressed again, done one at a time on a
/// thread of their own: each takes a core and a compression context for a
/// moment (docs/BENCHMARKS.md, "zstd levels"), which the requests being
/// served must not wait for. One thread per cache (a server has one), so
/// that one app's backlog never holds up another's (the tests run many in
/// one process); it ends when its cache is dropped and the jobs are done.
fn shrinker(cache: &AnswerCache) -> &SyncSender<Shrink> {
    cache.shrinker.get_or_init(|| {
        let (sender, waiting) = std::sync::mpsc::sync_channel::<Shrink>(64);
        // Without the thread, nothing is received and answers stay as sent.
        let _ = std::thread::Builder::new()
            .name("pulse-shrink".into())
            .spawn(move || waiting.into_iter().for_each(Shrink::run));
        sender
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepting(value: &str) -> Encoding {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT_ENCODING, HeaderValue::from_str(value).unwrap());
        Encoding::accepted(&headers)
    }

    #[test]
    fn the_preferred_accepted_encoding_is_chosen() {
        assert_eq!(accepting("gzip, deflate, br, zstd"), Encoding::Zstd);
        assert_eq!(accepting("gzip, deflate, br"), Encoding::Brotli);
        assert_eq!(accepting("gzip"), Encoding::Gzip);
        assert_eq!(accepting("br;q=0, gzip;q=0.5"), Encoding::Gzip);
        assert_eq!(accepting("BR"), Encoding::Brotli);
        assert_eq!(accepting("*"), Encoding::Zstd);
        assert_eq!(accepting("*;q=0"), Encoding::Identity);
        assert_eq!(accepting("identity"), Encoding::Identity);
        assert_eq!(Encoding::accepted(&HeaderMap::new()), Encoding::Identity);
    }
}
