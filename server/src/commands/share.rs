//! `pulse share create|list|revoke`: share links from the command line.

use std::io::Read;

use anyhow::{Context, bail};
use clap::Subcommand;
use pulse_db::accounts::HashGate;
use pulse_db::share_links::{Maker, create};
use pulse_db::time::Millis;
use pulse_model::{DEFAULT_MIN_COUNT, ShareLinkRequest};

use super::open_store;
use crate::config::DatabaseConfig;

#[derive(Debug, Subcommand)]
pub enum ShareCommand {
    /// Make a share link and print its path /share/TOKEN once (and the full
    /// URL when PULSE_PUBLIC_URL is set); only the token's hash is kept.
    Create {
        /// The agent shown.
        #[arg(long)]
        agent: String,
        /// Only this section of it.
        #[arg(long)]
        section: Option<String>,
        /// today, 7d, 30d (moving with time) or custom (with --from and --to).
        #[arg(long, default_value = "30d")]
        period: String,
        /// First day of a custom period, YYYY-MM-DD.
        #[arg(long)]
        from: Option<String>,
        /// Last day of a custom period, included.
        #[arg(long)]
        to: Option<String>,
        /// The IANA time zone of the view [default: this machine's zone,
        /// or UTC when it has none].
        #[arg(long)]
        tz: Option<String>,
        /// Days until the link stops working (1 to 366).
        #[arg(long, default_value_t = 30)]
        expires_days: u32,
        /// Counts of users from 1 to this minus one are hidden (2 to 100).
        #[arg(long, default_value_t = DEFAULT_MIN_COUNT)]
        min_count: u32,
        /// Read a password the viewers must give from standard input.
        #[arg(long)]
        password_stdin: bool,
        /// The site's public URL, to print the full link.
        #[arg(long, env = "PULSE_PUBLIC_URL")]
        public_url: Option<String>,
        #[command(flatten)]
        database: DatabaseConfig,
    },
    /// List the share links (never their tokens).
    List {
        #[command(flatten)]
        database: DatabaseConfig,
    },
    /// Revoke a share link by its number (from `pulse share list`).
    Revoke {
        id: i64,
        #[command(flatten)]
        database: DatabaseConfig,
    },
}

pub async fn run(command: ShareCommand) -> anyhow::Result<()> {
    match command {
        ShareCommand::Create {
            agent,
            section,
            period,
            from,
            to,
            tz,
            expires_days,
            min_count,
            password_stdin,
            public_url,
            database,
        } => {
            let password = if password_stdin {
                let mut text = String::new();
                std::io::stdin()
                    .read_to_string(&mut text)
                    .context("could not read the password from standard input")?;
                Some(text.trim_end_matches(['\r', '\n']).to_owned())
            } else {
                None
            };
            // Figures in the maker's zone unless another is chosen, and the
            // maker told which (a link's zone cannot be changed later).
            let (tz, zone_source) = match tz {
                Some(tz) => (tz, "chosen with --tz"),
                None => match machine_zone() {
                    Some(zone) => (zone, "this machine's zone; --tz chooses another"),
                    None => (
                        "UTC".to_owned(),
                        "this machine names no zone; --tz chooses one",
                    ),
                },
            };
            let request = ShareLinkRequest {
                agent_id: agent,
                section,
                period,
                from,
                to,
                tz: tz.clone(),
                expires_days,
                min_count,
                password,
            };
            let store = open_store(&database).await?;
            let Some(agent) = store.find_agent(&request.agent_id).await? else {
                bail!("no agent {:?}", request.agent_id);
            };
            let maker = Maker {
                agent: &agent,
                sections: None,
                name: pulse_db::share_links::COMMAND_LINE_MAKER,
            };
            let gate = HashGate::new(1, 1);
            let made = create(&store, &gate, request, maker, chrono::Utc::now())
                .await
                .map_err(anyhow::Error::msg)?;
            store.close().await;
            match public_url {
                Some(url) => println!("{}{}", url.trim_end_matches('/'), made.path),
                None => println!("{}", made.path),
            }
            let expires = match tz.parse::<chrono_tz::Tz>() {
                Ok(zone) => made
                    .link
                    .expires_at
                    .with_timezone(&zone)
                    .format("%a %-d %b %Y, %H:%M %Z")
                    .to_string(),
                Err(_) => made
                    .link
                    .expires_at
                    .format("%a %-d %b %Y, %H:%M UTC")
                    .to_string(),
            };
            println!("share link {} expires {expires}", made.link.id);
            println!("figures in {tz} ({zone_source})");
            Ok(())
        }
        ShareCommand::List { database } => {
            let store = open_store(&database).await?;
            let links = store.list_share_links().await?;
            store.close().await;
            println!(
                "id\tagent\tsection\tperiod\ttz\tmin_count\tpassword\tcreated_by\texpires\tstate\tviews\tlast_opened"
            );
            for link in links
                .iter()
                .map(pulse_db::share_links::ShareLinkRecord::view)
            {
                let period = match (&link.from, &link.to) {
                    (Some(from), Some(to)) => format!("{from}..{to}"),
                    _ => link.period.clone(),
                };
                let state = if link.revoked_at.is_some() {
                    "revoked"
                } else if link.expires_at <= chrono::Utc::now() {
                    "expired"
                } else {
                    "active"
                };
                println!(
                    "{}\t{}\t{}\t{period}\t{}\t{}\t{}\t{}\t{}\t{state}\t{}\t{}",
                    link.id,
                    link.agent_id,
                    link.section.as_deref().unwrap_or("-"),
                    link.tz,
                    link.min_count,
                    if link.has_password { "yes" } else { "no" },
                    link.created_by,
                    link.expires_at.format("%Y-%m-%d"),
                    link.views,
                    link.last_opened_at
                        .map_or("never".into(), |at| at.format("%Y-%m-%d %H:%M").to_string()),
                );
            }
            Ok(())
        }
        ShareCommand::Revoke { id, database } => {
            let store = open_store(&database).await?;
            let now = Millis::now();
            let revoked = store.revoke_share_link(id, now).await?;
            store.close().await;
            if revoked {
                println!("share link {id} revoked");
                Ok(())
            } else {
                bail!("no working share link {id}")
            }
        }
    }
}

/// The zone of whoever runs the command: `TZ` when it names an IANA zone
/// (as every program reads it), else the system's (/etc/localtime).
fn machine_zone() -> Option<String> {
    let named = |zone: &str| zone.parse::<chrono_tz::Tz>().is_ok();
    if let Ok(tz) = std::env::var("TZ") {
        // POSIX lets TZ start with ':' before a zone file's name.
        let zone = tz.trim_start_matches(':');
        if named(zone) {
            return Some(zone.to_owned());
        }
    }
    iana_time_zone::get_timezone()
        .ok()
        .filter(|zone| named(zone))
}
