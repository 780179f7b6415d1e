//! `pulse account create|grant`: dashboard accounts from the command line.

use std::io::{BufRead, IsTerminal};

use anyhow::{Context, bail};
use clap::Subcommand;
use pulse_db::accounts::{
    Role, check_new_password, checked_username, generate_password, hash_password,
};
use pulse_db::time::Millis;

use super::open_store;
use crate::config::DatabaseConfig;

#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Create a dashboard account. The password is read from standard input
    /// when it is not a terminal; otherwise one is generated and printed once.
    Create {
        #[arg(long)]
        username: String,
        /// Sees every agent and manages accounts and keys.
        #[arg(long)]
        superadmin: bool,
        /// An agent the (admin) account may see; repeat for several.
        #[arg(long = "agent")]
        agents: Vec<String>,
        #[command(flatten)]
        database: DatabaseConfig,
    },
    /// Let an admin see an agent: all of it, or with --section only those
    /// sections of it (replacing what the account had of that agent).
    Grant {
        #[arg(long)]
        username: String,
        #[arg(long)]
        agent: String,
        /// A section of the agent the account is limited to; repeat for several.
        #[arg(long = "section")]
        sections: Vec<String>,
        #[command(flatten)]
        database: DatabaseConfig,
    },
}

pub async fn run(command: AccountCommand) -> anyhow::Result<()> {
    match command {
        AccountCommand::Create {
            username,
            superadmin,
            agents,
            database,
        } => {
            let username = checked_username(&username)?;
            let (password, generated) = if std::io::stdin().is_terminal() {
                (generate_password(), true)
            } else {
                let mut line = String::new();
                std::io::stdin()
                    .lock()
                    .read_line(&mut line)
                    .context("could not read the password")?;
                (line.trim_end_matches(['\r', '\n']).to_owned(), false)
            };
            check_new_password(&password)?;
            let store = open_store(&database).await?;
            if store.account_by_username(&username).await?.is_some() {
                bail!("an account named {username:?} exists already");
            }
            let role = if superadmin {
                Role::Superadmin
            } else {
                Role::Admin
            };
            store
                .create_account(
                    &username,
                    &hash_password(&password),
                    role,
                    &agents,
                    Millis::now(),
                )
                .await?;
            if generated {
                println!("{password}");
                eprintln!(
                    "Account {username} ({}) created. Keep the password above: it is not shown again.",
                    role.as_str()
                );
            } else {
                println!("Account {username} ({}) created.", role.as_str());
            }
        }
        AccountCommand::Grant {
            username,
            agent,
            sections,
            database,
        } => {
            if let Some(bad) = sections.iter().find(|s| !pulse_model::is_public_id(s)) {
                bail!(
                    "--section {bad:?} is not a section id (1 to 64 of A-Z, a-z, 0-9, '.', '_', '-')"
                );
            }
            let store = open_store(&database).await?;
            if !store.grant_agent(&username, &agent, &sections).await? {
                bail!("no account is named {username:?}");
            }
            if sections.is_empty() {
                println!("{username} may now see agent {agent}.");
            } else {
                println!(
                    "{username} may now see sections {} of agent {agent}.",
                    sections.join(", ")
                );
            }
        }
    }
    Ok(())
}
