//! Building the application from its configuration and running it.

use std::net::SocketAddr;

use anyhow::Context;
use chrono::Duration;
use pulse_app::server::ServerContext;
use pulse_db::analytics::Settings;
use tokio::net::TcpListener;

use crate::commands::open_store;
use crate::config::ServeConfig;
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
        let store = open_store(&config.database).await?;
        pulse_app::server::register_server_fns();
        let settings = Settings {
            online_window: Duration::seconds(i64::from(config.online_window)),
        };
        let state = AppState {
            context: ServerContext {
                store,
                settings,
                secure_cookies: config.secure_cookies,
            },
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
        let grace = std::time::Duration::from_secs(self.config.request_timeout);
        let app = router(self.state, &self.config);
        tracing::info!(address = %self.listener.local_addr()?, "serving");
        let stopping = std::sync::Arc::new(tokio::sync::Notify::new());
        let server = axum::serve(
            self.listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown({
            let stopping = stopping.clone();
            async move {
                shutdown_signal().await;
                stopping.notify_one();
            }
        });
        tokio::select! {
            served = server => served?,
            () = async {
                stopping.notified().await;
                tokio::time::sleep(grace).await;
            } => tracing::warn!("requests still in flight after {} s; stopping anyway", grace.as_secs()),
        }
        // A request abandoned above may still hold a connection: do not wait on it.
        if tokio::time::timeout(std::time::Duration::from_secs(5), store.close())
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
