//! `pulse roster import`: sections and their learners from a CSV file.

use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Subcommand;
use pulse_db::sections::RosterLine;
use pulse_model::check_public_id;

use super::all_or_nothing;

use super::open_store;
use crate::config::DatabaseConfig;

/// The columns a roster must have, and those it may have.
const REQUIRED: [&str; 2] = ["section_id", "user_id"];
const OPTIONAL: [&str; 3] = ["section_name", "username", "name"];

#[derive(Debug, Subcommand)]
pub enum RosterCommand {
    /// Load sections and their learners from a CSV file with the header
    /// section_id,user_id and optionally section_name, username, name:
    /// all of it, or nothing when any line is wrong (each one is named).
    Import {
        /// The CSV file.
        file: PathBuf,
        /// The agent whose sections these are (created when unknown).
        #[arg(long)]
        agent: String,
        #[command(flatten)]
        database: DatabaseConfig,
    },
}

pub async fn run(command: RosterCommand) -> anyhow::Result<()> {
    let RosterCommand::Import {
        file,
        agent,
        database,
    } = command;
    if let Err(reason) = check_public_id(&format!("--agent {agent:?}"), &agent) {
        bail!(reason);
    }
    let text =
        std::fs::read(&file).with_context(|| format!("could not read {}", file.display()))?;
    let lines = all_or_nothing(&file, parse_roster(&text))?;
    let store = open_store(&database).await?;
    let agent_ref = match store.find_agent(&agent).await? {
        Some(found) => found,
        None => {
            store.put_agent(&agent, &agent).await?;
            store
                .find_agent(&agent)
                .await?
                .context("the agent was just created")?
        }
    };
    let added = store
        .import_roster(&agent_ref, &lines, chrono::Utc::now().into())
        .await?;
    println!(
        "Imported {} line(s) for agent {agent}: {added} new section member(s).",
        lines.len()
    );
    Ok(())
}

/// The roster's lines, or every problem found, each naming its line
/// (the header is line 1).
pub fn parse_roster(bytes: &[u8]) -> Result<Vec<RosterLine>, Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let headers = reader
        .headers()
        .map_err(|error| vec![format!("line 1: not a CSV header: {error}")])?
        .clone();
    let columns: HashMap<&str, usize> = headers
        .iter()
        .enumerate()
        .map(|(index, name)| (name, index))
        .collect();
    let mut errors: Vec<String> = Vec::new();
    for name in REQUIRED {
        if !columns.contains_key(name) {
            errors.push(format!("line 1: the header has no {name} column"));
        }
    }
    for name in &headers {
        if !REQUIRED.contains(&name) && !OPTIONAL.contains(&name) {
            errors.push(format!(
                "line 1: unknown column {name:?}; expected section_id, user_id, and optionally section_name, username, name"
            ));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut lines = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let number = index + 2;
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                errors.push(format!("line {number}: {error}"));
                continue;
            }
        };
        let field = |name: &str| columns.get(name).and_then(|index| record.get(*index));
        match RosterLine::check(
            field("section_id").unwrap_or_default(),
            field("user_id").unwrap_or_default(),
            field("section_name"),
            field("username"),
            field("name"),
        ) {
            Ok(line) => lines.push(line),
            Err(reasons) => errors.extend(
                reasons
                    .into_iter()
                    .map(|reason| format!("line {number}: {reason}")),
            ),
        }
    }
    if lines.is_empty() && errors.is_empty() {
        errors.push("the file has no lines after its header".to_owned());
    }
    if errors.is_empty() {
        Ok(lines)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bad_line_is_named_and_none_is_kept() {
        let text = "section_id,user_id,section_name\np3,u1,Period 3\nbad id,u2,\np3,,\np4,u4,\n";
        let errors = parse_roster(text.as_bytes()).unwrap_err();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[0].starts_with("line 3: section_id"), "{errors:?}");
        assert!(errors[1].starts_with("line 4: user_id"), "{errors:?}");
    }

    #[test]
    fn a_good_roster_reads_with_optional_columns() {
        let text = "user_id,section_id,name\nu1,p3,Ada\nu2,p3,\n";
        let lines = parse_roster(text.as_bytes()).unwrap();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].name.as_deref(), Some("Ada"));
        assert_eq!(lines[1].name, None);
        assert_eq!(lines[1].section_name, None);
    }

    #[test]
    fn a_header_without_user_id_or_with_a_stray_column_is_refused() {
        assert!(
            parse_roster(b"section_id,email\np3,a@b\n")
                .unwrap_err()
                .len()
                == 2
        );
    }
}
