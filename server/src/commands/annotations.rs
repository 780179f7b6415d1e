//! `pulse annotations import`: a term calendar (.ics) as annotations.

use std::path::PathBuf;

use anyhow::{Context, bail};
use chrono::{Duration, NaiveDate};
use clap::Subcommand;
use pulse_model::Annotation;
use pulse_model::check_public_id;

use super::all_or_nothing;

use super::open_store;
use crate::config::DatabaseConfig;

#[derive(Debug, Subcommand)]
pub enum AnnotationsCommand {
    /// Load each VEVENT of an iCalendar file (DTSTART, DTEND, SUMMARY) as
    /// an annotation of the agent: all of them, or none when one is wrong
    /// (each one is named). Importing the file again updates the same notes.
    Import {
        /// The .ics file.
        file: PathBuf,
        /// The agent the notes belong to (it must exist).
        #[arg(long)]
        agent: String,
        #[command(flatten)]
        database: DatabaseConfig,
    },
}

pub async fn run(command: AnnotationsCommand) -> anyhow::Result<()> {
    let AnnotationsCommand::Import {
        file,
        agent,
        database,
    } = command;
    if let Err(reason) = check_public_id(&format!("--agent {agent:?}"), &agent) {
        bail!(reason);
    }
    let text = std::fs::read_to_string(&file)
        .with_context(|| format!("could not read {} as UTF-8 text", file.display()))?;
    let notes = all_or_nothing(&file, parse_calendar(&text))?;
    let store = open_store(&database).await?;
    let agent_ref = store.find_agent(&agent).await?.with_context(|| {
        format!("no agent {agent:?} (create it first: PUT /api/v1/agents/{agent})")
    })?;
    let created = store.put_annotations(&agent_ref, &notes).await?;
    println!(
        "Imported {} annotation(s) for agent {agent}: {created} new, {} updated.",
        notes.len(),
        notes.len() as u64 - created
    );
    Ok(())
}

/// One content line after unfolding, with the number of its first line.
struct ContentLine {
    number: usize,
    name: String,
    params: Vec<String>,
    value: String,
}

/// The lines of an iCalendar text, unfolded (RFC 5545, 3.1).
fn content_lines(text: &str) -> Vec<ContentLine> {
    let mut logical: Vec<(usize, String)> = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        match (line.strip_prefix([' ', '\t']), logical.last_mut()) {
            (Some(rest), Some((_, previous))) => previous.push_str(rest),
            _ if line.is_empty() => {}
            _ => logical.push((index + 1, line.to_owned())),
        }
    }
    logical
        .into_iter()
        .map(|(number, line)| {
            let (head, value) = line.split_once(':').unwrap_or((line.as_str(), ""));
            let mut parts = head.split(';');
            let name = parts.next().unwrap_or_default().to_ascii_uppercase();
            ContentLine {
                number,
                name,
                params: parts.map(str::to_ascii_uppercase).collect(),
                value: value.to_owned(),
            }
        })
        .collect()
}

/// A DTSTART or DTEND value: its date, and whether it is a whole day.
fn date_value(line: &ContentLine) -> Option<(NaiveDate, bool)> {
    let digits = line.value.get(..8)?;
    let date = NaiveDate::parse_from_str(digits, "%Y%m%d").ok()?;
    let whole_day = line.value.len() == 8 || line.params.iter().any(|p| p == "VALUE=DATE");
    Some((date, whole_day))
}

/// SUMMARY's text with iCalendar's escapes undone.
fn unescape(value: &str) -> String {
    let mut out = String::new();
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push(' '),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// An annotation id from a UID: its allowed characters, at most 64 (a
/// long UID ends with a stable hash of the whole, so ids stay distinct).
fn id_from_uid(uid: &str) -> String {
    let clean: String = uid
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect();
    if clean.len() <= 64 {
        return clean;
    }
    // FNV-1a: stable across releases, unlike the standard library's hasher.
    let hash = uid.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{}-{hash:016x}", &clean[..47])
}

/// The calendar's events as annotations, or every problem found (each
/// naming the line its event starts on).
pub fn parse_calendar(text: &str) -> Result<Vec<Annotation>, Vec<String>> {
    let lines = content_lines(text);
    if !lines
        .iter()
        .any(|line| line.name == "BEGIN" && line.value.eq_ignore_ascii_case("VCALENDAR"))
    {
        return Err(vec![
            "not an iCalendar file (no BEGIN:VCALENDAR)".to_owned(),
        ]);
    }
    let mut notes: Vec<Annotation> = Vec::new();
    let mut errors = Vec::new();
    let mut event: Option<(usize, Vec<&ContentLine>)> = None;
    for line in &lines {
        match (
            line.name.as_str(),
            line.value.to_ascii_uppercase().as_str(),
            &mut event,
        ) {
            ("BEGIN", "VEVENT", _) => event = Some((line.number, Vec::new())),
            ("END", "VEVENT", Some(_)) => {
                let (start, properties) = event.take().expect("inside an event");
                match event_note(&properties, notes.len()) {
                    Ok(mut note) => {
                        // Recurring events repeat their UID: keep ids distinct.
                        let base = note.id.clone();
                        let mut n = 2;
                        while notes.iter().any(|other| other.id == note.id) {
                            note.id = format!("{}-{n}", &base[..base.len().min(60)]);
                            n += 1;
                        }
                        notes.push(note);
                    }
                    Err(reason) => errors.push(format!("line {start}: event: {reason}")),
                }
            }
            (_, _, Some((_, properties))) => properties.push(line),
            _ => {}
        }
    }
    if notes.is_empty() && errors.is_empty() {
        errors.push("the calendar has no events (VEVENT)".to_owned());
    }
    if errors.is_empty() {
        Ok(notes)
    } else {
        Err(errors)
    }
}

fn event_note(properties: &[&ContentLine], index: usize) -> Result<Annotation, String> {
    let find = |name: &str| properties.iter().find(|line| line.name == name);
    let start = find("DTSTART").ok_or("no DTSTART")?;
    let (date, whole_day) =
        date_value(start).ok_or_else(|| format!("DTSTART {:?} is not a date", start.value))?;
    let end_date = match find("DTEND") {
        None => None,
        Some(end) => {
            let (end, _) =
                date_value(end).ok_or_else(|| format!("DTEND {:?} is not a date", end.value))?;
            // A whole day's DTEND is the day after its last (RFC 5545).
            Some(if whole_day {
                end - Duration::days(1)
            } else {
                end
            })
        }
    };
    let summary = find("SUMMARY")
        .map(|line| unescape(&line.value))
        .unwrap_or_default();
    let id = match find("UID").map(|line| id_from_uid(line.value.trim())) {
        Some(id) if !id.is_empty() => id,
        _ => format!("ics-{date}-{index}"),
    };
    Annotation::checked(&id, date, end_date, &summary).map_err(|reason| {
        if summary.trim().is_empty() {
            "no SUMMARY (the note's label)".to_owned()
        } else {
            reason
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TERM: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:midterms@school.example\r\nDTSTART;VALUE=DATE:20260302\r\nDTEND;VALUE=DATE:20260307\r\nSUMMARY:Midterm week\\, all classes\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:prompt-update\r\nDTSTART:20260310T090000Z\r\nSUMMARY:Agent prompt\r\n  updated\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn whole_days_end_the_day_before_dtend_and_lines_unfold() {
        let notes = parse_calendar(TERM).unwrap();
        assert_eq!(notes.len(), 2);
        assert_eq!(notes[0].id, "midterms-school.example");
        assert_eq!(
            (notes[0].date, notes[0].end_date),
            (day("2026-03-02"), Some(day("2026-03-06")))
        );
        assert_eq!(notes[0].label, "Midterm week, all classes");
        assert_eq!(
            (notes[1].date, notes[1].end_date),
            (day("2026-03-10"), None)
        );
        assert_eq!(notes[1].label, "Agent prompt updated");
    }

    #[test]
    fn every_bad_event_is_named_by_its_line() {
        let text = "BEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:No date\nEND:VEVENT\nBEGIN:VEVENT\nDTSTART:2026-03-01\nSUMMARY:x\nEND:VEVENT\nBEGIN:VEVENT\nDTSTART:20260301\nEND:VEVENT\nEND:VCALENDAR\n";
        let errors = parse_calendar(text).unwrap_err();
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(
            errors[0].starts_with("line 2: event: no DTSTART"),
            "{errors:?}"
        );
        assert!(
            errors[1].starts_with("line 5: event: DTSTART"),
            "{errors:?}"
        );
        assert!(errors[2].contains("no SUMMARY"), "{errors:?}");
        assert!(parse_calendar("hello").is_err());
    }

    #[test]
    fn long_or_repeated_uids_stay_distinct() {
        let long = "x".repeat(80);
        assert_eq!(id_from_uid(&long).len(), 64);
        assert_ne!(id_from_uid(&long), id_from_uid(&format!("{long}y")));
        let text = "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:r\nDTSTART:20260301\nSUMMARY:a\nEND:VEVENT\nBEGIN:VEVENT\nUID:r\nDTSTART:20260308\nSUMMARY:b\nEND:VEVENT\nEND:VCALENDAR\n";
        let ids: Vec<String> = parse_calendar(text)
            .unwrap()
            .into_iter()
            .map(|n| n.id)
            .collect();
        assert_eq!(ids, ["r", "r-2"]);
    }
}
