use std::io::Write;

use anyhow::Context;
use pulse_db::{Store, Workload};

use crate::config::{DatabaseConfig, ServeConfig};
use crate::startup::Application;

pub async fn serve(config: ServeConfig) -> anyhow::Result<()> {
    let demo = config.demo;
    let app = Application::build(config).await?;
    if demo {
        super::demo::keep_demo_sessions_alive(app.state().context.store.clone());
    }
    // A closed standard output (`pulse serve | head -1`) must not stop the
    // server: these lines are a courtesy, so write errors are ignored.
    let mut out = std::io::stdout();
    let _ = writeln!(out, "Pulse is running at http://{}/", app.address());
    if app.state().context.store.account_count().await? == 0 {
        let _ = writeln!(
            out,
            "No dashboard account exists yet. Create the first one with:\n  \
             pulse account create --username NAME --superadmin"
        );
    }
    let _ = out.flush();
    app.run_until_stopped().await
}

pub async fn migrate(config: DatabaseConfig) -> anyhow::Result<()> {
    let store = open_store(&config).await?;
    println!("The database is up to date.");
    store.close().await;
    Ok(())
}

pub async fn rebuild(config: DatabaseConfig) -> anyhow::Result<()> {
    let store = open_store(&config).await?;
    let events = store
        .rebuild_rollups()
        .await
        .context("could not rebuild the rollups")?;
    store.after_bulk_load().await?;
    println!("Rebuilt the rollups from {events} events.");
    store.close().await;
    Ok(())
}

/// Connects to the configured database and applies pending migrations.
pub async fn open_store(config: &DatabaseConfig) -> anyhow::Result<Store> {
    open_store_for(config, Workload::Serving).await
}

/// [`open_store`], tuned for `workload`.
pub async fn open_store_for(config: &DatabaseConfig, workload: Workload) -> anyhow::Result<Store> {
    let store = Store::connect_for(&config.database_url, workload)
        .await
        .with_context(|| {
            format!(
                "could not open the database {}",
                pulse_db::redact_url(&config.database_url)
            )
        })?;
    store
        .migrate()
        .await
        .context("could not migrate the database")?;
    Ok(store)
}
