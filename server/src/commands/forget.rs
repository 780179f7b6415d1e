//! `pulse forget`: erase a learner on request.

use anyhow::bail;
use clap::Args;
use pulse_db::time::Millis;
use pulse_model::check_user_id;

use super::open_store;
use crate::config::DatabaseConfig;

#[derive(Debug, Args)]
pub struct ForgetArgs {
    /// The learner's user id: every event, registration, section
    /// membership, contact mark and rollup of theirs is deleted, on every
    /// agent, in one transaction.
    #[arg(long)]
    user: String,
    #[command(flatten)]
    database: DatabaseConfig,
}

pub async fn run(args: ForgetArgs) -> anyhow::Result<()> {
    if let Err(reason) = check_user_id(&format!("--user {:?}", args.user), &args.user) {
        bail!(reason);
    }
    let store = open_store(&args.database).await?;
    // The log names who ran it as the system knows them, nothing secret.
    let erased_by = format!(
        "command line ({})",
        std::env::var("USER").unwrap_or_else(|_| "unknown user".into())
    );
    let erased = store
        .forget_user(&args.user, &erased_by, Millis::now())
        .await?;
    store.close().await;
    match erased {
        Some(erasure) => {
            tracing::info!(
                user_id = args.user,
                erased_by,
                events = erasure.events,
                "learner erased"
            );
            println!(
                "erased user {:?}: {} events, on {} agent(s)",
                args.user, erasure.events, erasure.agents
            );
            Ok(())
        }
        None => bail!("no user {:?}; nothing was changed", args.user),
    }
}
