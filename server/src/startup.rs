//! Building the application from its configuration and running it: the
//! accept loop, with a cap on connections and limits on how long a client
//! may take to send a request head or keep an idle connection.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use pulse_app::outreach::Outreach;
use pulse_app::server::ServerContext;
use pulse_db::accounts::HashGate;
use pulse_db::analytics::Settings;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tower::ServiceExt;

use crate::commands::open_store;
use crate::config::{ConnectionLimits, ServeConfig};
use crate::routes::{AppState, router};

/// A bound, ready-to-run server.
pub struct Application {
    listener: TcpListener,
    state: AppState,
    config: ServeConfig,
}

impl Application {
    /// Opens and migrates the database and binds the address.
    pub async fn build(config: ServeConfig) -> anyhow::Result<Application> {
        // A quarter of the memory for answers as sent, the rest for figures.
        let keep_bytes = config.figure_cache_mb << 20;
        let store = open_store(&config.database)
            .await?
            .keeping_figures(keep_bytes - keep_bytes / 4);
        pulse_app::server::register_server_fns();
        crate::routes::install_metrics();
        let settings = Settings {
            online_window: chrono::Duration::seconds(i64::from(config.online_window)),
        };
        let outreach = match &config.outreach_webhook {
            Some(url) => Some(std::sync::Arc::new(
                Outreach::new(url, Duration::from_secs(config.outreach_timeout))
                    .map_err(anyhow::Error::msg)?
                    .signed_with(config.outreach_webhook_secret.clone()),
            )),
            None => None,
        };
        let integrations = crate::embedding::Integrations::configured(&config.embed)?;
        let single_sign_on = crate::single_sign_on::SingleSignOn::configured(
            &config.oidc,
            config.public_url.as_ref(),
        )?
        .map(std::sync::Arc::new);
        if !config.oidc.password_sign_in && single_sign_on.is_none() {
            anyhow::bail!(
                "PULSE_PASSWORD_SIGN_IN=off needs single sign-on (PULSE_OIDC_ISSUER): nobody could sign in"
            );
        }
        let sign_in = pulse_app::server::SignInConfig {
            password: config.oidc.password_sign_in,
            single_sign_on: single_sign_on.clone().map(|provider| {
                provider as std::sync::Arc<dyn pulse_app::server::SingleSignOnProvider>
            }),
        };
        let state = AppState {
            context: ServerContext {
                store,
                settings,
                secure_cookies: config.secure_cookies,
                hash_gate: std::sync::Arc::new(HashGate::for_this_machine()),
                outreach,
                kept_event_days: config.retention_days,
                sign_in,
            },
            public_origin: config.public_url.clone(),
            trusted_proxies: config.trusted_proxies.clone().into(),
            metrics_allow: config.metrics_allow.clone().into(),
            kept_answers: crate::routes::KeptAnswers::with_bytes(keep_bytes / 4),
            embedding: std::sync::Arc::new(crate::embedding::Embedding::new(integrations)),
            single_sign_on,
        };
        let listener = TcpListener::bind(config.addr)
            .await
            .with_context(|| format!("could not listen on {}", config.addr))?;
        Ok(Application {
            listener,
            state,
            config,
        })
    }

    pub fn address(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until SIGINT or SIGTERM, then finishes the requests in flight
    /// (waiting at most the request timeout for them) and closes the database.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let store = self.state.context.store.clone();
        let grace = Duration::from_secs(self.config.request_timeout);
        let app = router(self.state, &self.config);
        tracing::info!(address = %self.listener.local_addr()?, "serving");
        match &self.config.dist_dir {
            Some(dist) => tracing::info!(folder = %dist.display(), "web app served from a folder"),
            None if !pulse_webapp::is_embedded() => tracing::warn!(
                "this binary has no web app built in: pages answer 404 until it is rebuilt \
                 after `trunk build --release`, or started with --dist-dir; the API works"
            ),
            None => {}
        }
        if let Some(days) = self.config.retention_days {
            crate::purge::spawn_purges(store.clone(), days);
        }
        let (stop, stopping) = watch::channel(false);
        tokio::spawn(async move {
            shutdown_signal().await;
            let _ = stop.send(true);
        });
        let connections = Connections::new(&self.config.connections);
        connections
            .accept_until_stopped(self.listener, app, stopping)
            .await;
        if tokio::time::timeout(grace, connections.all_closed())
            .await
            .is_err()
        {
            tracing::warn!(
                "requests still in flight after {} s; stopping anyway",
                grace.as_secs()
            );
        }
        // A request abandoned above may still hold a connection: do not wait on it.
        if tokio::time::timeout(Duration::from_secs(5), store.close())
            .await
            .is_err()
        {
            tracing::warn!("database connections still busy; stopping anyway");
        }
        tracing::info!("stopped");
        Ok(())
    }
}

async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

// Why this loop drives hyper itself (checked against hyper 1.12, hyper-util
// 0.1, axum 0.8, axum-server 0.9, tower 0.5 and tower-http 0.6):
// - hyper has one timer for a connection waiting on a request,
//   `header_read_timeout`, started as soon as it waits for a head: it counts
//   a kept-alive connection's idle wait too. One value cannot give a client
//   10 s for a head and 60 s of keep-alive, and hyper has no idle timeout
//   (hyper issue 1628), so `Activity` below times the two phases itself.
// - `axum::serve` builds its hyper builder inside, without a timer (even
//   hyper's own header timeout is off), and caps no connections; a capping
//   listener is only proposed (axum PR 3489). A listener of our own could
//   hold the cap, but the timeouts would then live inside the stream's
//   reads, and the peer address would need a connect-info type of its own.
// - axum-server exposes the builder and drains with a deadline, but has the
//   same single timer and no cap: it accepts before anything could wait, so
//   waiting clients would hold file descriptors instead of the listen queue.
// - tower's `ConcurrencyLimitLayer` counts requests in flight, not open
//   connections: idle ones and ones still sending a head escape it.
// - hyper-util's `GracefulShutdown` would replace only the `stopping`
//   channel; the semaphore already tells when every connection has closed.
// The number and size of headers are hyper's defaults here, as they would
// be under any of the crates above.

/// How often, at most, the server says that it is at its connection limit.
const LIMIT_WARNING_EVERY: Duration = Duration::from_secs(60);

/// How long to wait before accepting again after an error such as "too many
/// open files", which would otherwise recur at once.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_secs(1);

/// The open connections: at most `max` at once, each holding a permit of
/// `permits` until it closes.
struct Connections {
    permits: Arc<Semaphore>,
    max: u32,
    timeouts: Timeouts,
}

impl Connections {
    fn new(limits: &ConnectionLimits) -> Connections {
        Connections {
            permits: Arc::new(Semaphore::new(limits.max_connections as usize)),
            max: limits.max_connections,
            timeouts: Timeouts {
                head: Duration::from_secs(limits.header_timeout),
                idle: Duration::from_secs(limits.idle_timeout),
            },
        }
    }

    /// Accepts and serves connections until `stopping` turns true, then
    /// closes the listener (new clients are refused) and tells the open
    /// connections to finish their requests and close.
    async fn accept_until_stopped(
        &self,
        listener: TcpListener,
        app: Router,
        mut stopping: watch::Receiver<bool>,
    ) {
        let mut warned_at = None;
        loop {
            let next = async {
                let permit = self.permit(&mut warned_at).await;
                let (stream, peer) = accept(&listener).await;
                (permit, stream, peer)
            };
            let (permit, stream, peer) = tokio::select! {
                next = next => next,
                _ = stopping.wait_for(|stop| *stop) => return,
            };
            let connection = serve(stream, peer, app.clone(), self.timeouts, stopping.clone());
            tokio::spawn(async move {
                connection.await;
                drop(permit);
            });
        }
    }

    /// A permit for one more connection, waiting for one to close when all
    /// are taken. Clients meanwhile wait in the listen queue, where they
    /// hold none of this process's file descriptors.
    async fn permit(&self, warned_at: &mut Option<Instant>) -> OwnedSemaphorePermit {
        if let Ok(permit) = self.permits.clone().try_acquire_owned() {
            return permit;
        }
        if warned_at.is_none_or(|at: Instant| at.elapsed() >= LIMIT_WARNING_EVERY) {
            tracing::warn!(
                "connection limit of {} reached; new connections wait (PULSE_MAX_CONNECTIONS)",
                self.max
            );
            *warned_at = Some(Instant::now());
        }
        self.permits
            .clone()
            .acquire_owned()
            .await
            .expect("the semaphore is never closed")
    }

    /// Resolves when every connection has closed.
    async fn all_closed(&self) {
        let _all = self
            .permits
            .acquire_many(self.max)
            .await
            .expect("the semaphore is never closed");
    }
}

/// The next connection. Errors do not stop the server: a client that gave up
/// before being accepted is skipped; others (out of file descriptors, say)
/// are logged and retried after a pause.
async fn accept(listener: &TcpListener) -> (TcpStream, SocketAddr) {
    loop {
        match listener.accept().await {
            Ok(accepted) => return accepted,
            Err(error) if is_client_gone(&error) => {}
            Err(error) => {
                tracing::error!(%error, "could not accept a connection; trying again in 1 s");
                tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
            }
        }
    }
}

fn is_client_gone(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

/// Serves one connection with HTTP/1.1 until the client closes it, it
/// outstays its timeouts, or the server stops (then the request in flight,
/// if any, is finished first).
async fn serve(
    stream: TcpStream,
    peer: SocketAddr,
    app: Router,
    timeouts: Timeouts,
    mut stopping: watch::Receiver<bool>,
) {
    let activity = Arc::new(Activity::new());
    let io = TokioIo::new(Watched {
        stream,
        activity: activity.clone(),
    });
    let service = hyper::service::service_fn({
        let activity = activity.clone();
        move |mut request: hyper::Request<Incoming>| {
            let in_flight = activity.request_started();
            request.extensions_mut().insert(ConnectInfo(peer));
            let response = app.clone().oneshot(request);
            async move {
                let response = response.await;
                drop(in_flight);
                response
            }
        }
    });
    // hyper's own header timeout is off: its timer also runs while a kept-alive
    // connection waits for its next request, so it would cut the idle timeout
    // down to itself. The watchdog below keeps the two apart.
    let connection = http1::Builder::new()
        .header_read_timeout(None)
        .serve_connection(io, service);
    tokio::pin!(connection);
    let mut finishing = false;
    loop {
        tokio::select! {
            served = connection.as_mut() => {
                if let Err(error) = served {
                    tracing::debug!(%peer, %error, "connection ended with an error");
                }
                return;
            }
            () = activity.outstayed(timeouts) => {
                tracing::debug!(%peer, "connection closed: too slow to send a request, or idle");
                return;
            }
            _ = stopping.wait_for(|stop| *stop), if !finishing => {
                connection.as_mut().graceful_shutdown();
                finishing = true;
            }
        }
    }
}

/// How long a connection may take to send a request head, and how long it
/// may wait idle for its next request.
#[derive(Clone, Copy)]
struct Timeouts {
    head: Duration,
    idle: Duration,
}

/// What a connection is doing, as far as its timeouts are concerned.
#[derive(Clone, Copy)]
enum Phase {
    /// Receiving a request head, since this instant: the connection was
    /// accepted then, or a byte came after an idle wait.
    Head(Instant),
    /// Serving this many requests (bounded by the request timeout instead).
    Busy(usize),
    /// Waiting for the next request since this instant.
    Idle(Instant),
}

/// A connection's phase and latest traffic, updated by its I/O and its
/// requests and read by its watchdog.
struct Activity(Mutex<ActivityState>);

struct ActivityState {
    phase: Phase,
    last_traffic: Instant,
}

impl Activity {
    fn new() -> Activity {
        let now = Instant::now();
        Activity(Mutex::new(ActivityState {
            phase: Phase::Head(now),
            last_traffic: now,
        }))
    }

    fn update(&self, change: impl FnOnce(&mut ActivityState, Instant)) {
        let mut state = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        change(&mut state, Instant::now());
    }

    /// Bytes came from the client: after an idle wait, a new request head.
    fn received(&self) {
        self.update(|state, now| {
            state.last_traffic = now;
            if let Phase::Idle(_) = state.phase {
                state.phase = Phase::Head(now);
            }
        });
    }

    /// Bytes went to the client: a response still being written is not idle.
    fn sent(&self) {
        self.update(|state, now| state.last_traffic = now);
    }

    /// A request head is complete and its handler starts; the connection is
    /// busy until the returned guard is dropped.
    fn request_started(self: &Arc<Activity>) -> InFlight {
        self.update(|state, _| {
            state.phase = match state.phase {
                Phase::Busy(requests) => Phase::Busy(requests + 1),
                _ => Phase::Busy(1),
            }
        });
        InFlight(self.clone())
    }

    fn request_ended(&self) {
        self.update(|state, now| {
            state.phase = match state.phase {
                Phase::Busy(requests) if requests > 1 => Phase::Busy(requests - 1),
                _ => Phase::Idle(now),
            }
        });
    }

    /// When the connection will have outstayed its phase's timeout, if the
    /// phase has one.
    fn deadline(&self, timeouts: Timeouts) -> Option<Instant> {
        let state = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        match state.phase {
            Phase::Head(since) => Some(since + timeouts.head),
            Phase::Busy(_) => None,
            Phase::Idle(since) => Some(since.max(state.last_traffic) + timeouts.idle),
        }
    }

    /// Resolves once the connection has outstayed a timeout. It looks again
    /// at each deadline (traffic may have moved it), and while busy every
    /// idle timeout: a deadline set when a request ends is never earlier.
    async fn outstayed(&self, timeouts: Timeouts) {
        loop {
            match self.deadline(timeouts) {
                Some(deadline) if deadline <= Instant::now() => return,
                Some(deadline) => tokio::time::sleep_until(deadline.into()).await,
                None => tokio::time::sleep(timeouts.idle).await,
            }
        }
    }
}

/// Marks a connection busy while a request is handled, and idle again
/// when the handler finishes or is dropped.
struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.request_ended();
    }
}

/// A client's TCP stream that reports its traffic to the connection's
/// `Activity`.
struct Watched {
    stream: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.stream).poll_read(cx, buf);
        if buf.filled().len() > before {
            this.activity.received();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.stream).poll_write(cx, buf);
        this.note_sent(&polled);
        polled
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.stream).poll_write_vectored(cx, bufs);
        this.note_sent(&polled);
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

impl Watched {
    fn note_sent(&self, polled: &Poll<io::Result<usize>>) {
        if let Poll::Ready(Ok(written)) = polled
            && *written > 0
        {
            self.activity.sent();
        }
    }
}
