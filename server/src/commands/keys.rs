//! `pulse key create|revoke|list`.

use chrono::DateTime;
use clap::{Subcommand, ValueEnum};
use pulse_db::keys::{KeyScope, Revocation};
use pulse_db::sections::SectionLimits;
use pulse_db::time::Millis;

use super::open_store;
use crate::config::DatabaseConfig;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ScopeArg {
    /// Write events and registry data.
    Ingest,
    /// Read analytics.
    Read,
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Create an API key and print it once; only its hash is stored.
    Create {
        #[arg(long, value_enum)]
        scope: ScopeArg,
        /// Limit the key to this agent (repeat for several); default: every agent.
        #[arg(long = "agent")]
        agents: Vec<String>,
        /// Limit the key to this section of its one --agent (repeat for several).
        #[arg(long = "section")]
        sections: Vec<String>,
        /// A note to recognise the key by.
        #[arg(long)]
        label: Option<String>,
        #[command(flatten)]
        database: DatabaseConfig,
    },
    /// Revoke a key, named by the prefix printed with it (pk_SCOPE_XXXXXXXX).
    Revoke {
        prefix: String,
        /// Revoke every active key with this prefix (only keys made before
        /// prefixes were kept unique can share one).
        #[arg(long)]
        all_sharing_prefix: bool,
        #[command(flatten)]
        database: DatabaseConfig,
    },
    /// List the keys (never their secrets).
    List {
        #[command(flatten)]
        database: DatabaseConfig,
    },
}

/// `--section`s apply to the one `--agent` given.
fn section_limits(agents: &[String], sections: Vec<String>) -> anyhow::Result<SectionLimits> {
    if sections.is_empty() {
        return Ok(SectionLimits::default());
    }
    let [agent] = agents else {
        anyhow::bail!("--section needs exactly one --agent, the one the sections belong to");
    };
    if let Some(bad) = sections.iter().find(|s| !pulse_model::is_public_id(s)) {
        anyhow::bail!(
            "--section {bad:?} is not a section id (1 to 64 of A-Z, a-z, 0-9, '.', '_', '-')"
        );
    }
    Ok(SectionLimits(
        sections
            .into_iter()
            .map(|section| (agent.clone(), section))
            .collect(),
    ))
}

pub async fn run(command: KeyCommand) -> anyhow::Result<()> {
    match command {
        KeyCommand::Create {
            scope,
            agents,
            sections,
            label,
            database,
        } => {
            let sections = section_limits(&agents, sections)?;
            let store = open_store(&database).await?;
            let scope = match scope {
                ScopeArg::Ingest => KeyScope::Ingest,
                ScopeArg::Read => KeyScope::Read,
            };
            let agents = (!agents.is_empty()).then_some(agents);
            let (secret, key) = store
                .create_limited_key(scope, agents, sections, label, Millis::now())
                .await?;
            println!("{secret}");
            eprintln!(
                "Keep this key now: it is not shown again. Revoke it with: pulse key revoke {}",
                key.prefix
            );
        }
        KeyCommand::Revoke {
            prefix,
            all_sharing_prefix,
            database,
        } => {
            let store = open_store(&database).await?;
            match store
                .revoke_key(&prefix, all_sharing_prefix, Millis::now())
                .await?
            {
                Revocation::Revoked(count) => {
                    println!("Revoked {count} key(s) with prefix {prefix}.");
                }
                Revocation::NoActiveKey => {
                    anyhow::bail!("no active key has the prefix {prefix:?} (see pulse key list)")
                }
                Revocation::Ambiguous(count) => anyhow::bail!(
                    "{count} active keys share the prefix {prefix:?} (made before prefixes were unique); none was revoked. Add --all-sharing-prefix to revoke them all"
                ),
            }
        }
        KeyCommand::List { database } => {
            let store = open_store(&database).await?;
            for key in store.list_keys().await? {
                let agents = key
                    .agents
                    .map_or_else(|| "every agent".to_owned(), |agents| agents.join(","));
                let state = match key.revoked_at.and_then(DateTime::from_timestamp_millis) {
                    Some(at) => format!("revoked {}", at.to_rfc3339()),
                    None => "active".to_owned(),
                };
                let agents = if key.sections.0.is_empty() {
                    agents
                } else {
                    let sections: Vec<String> = key
                        .sections
                        .0
                        .iter()
                        .map(|(agent, section)| format!("{agent}/{section}"))
                        .collect();
                    format!("{agents} (sections {})", sections.join(","))
                };
                let label = key.label.unwrap_or_default();
                println!(
                    "{}\t{}\t{agents}\t{state}\t{label}",
                    key.prefix,
                    key.scope.as_str()
                );
            }
        }
    }
    Ok(())
}
