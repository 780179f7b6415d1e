//! `pulse import FILE`: events from NDJSON or CSV, through the same
//! validation and storage as the HTTP API.
//!
//! The file is read twice, streaming: first every line is validated, and
//! with any invalid line nothing is stored (unless `--skip-invalid`); then
//! the events are stored in batches. Event ids make a second run add nothing.

use pulse_db::time::Millis;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use chrono::Utc;
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use pulse_db::ingest::{FieldError, IngestCounts, ValidBatch, ValidEvent, validate_event};
use pulse_db::{Store, Workload};
use serde_json::{Map, Value};

use super::open_store_for;
use crate::config::DatabaseConfig;

/// Events stored per transaction. Larger than an HTTP batch: a
/// transaction's fixed costs (the commit's sync, the rollup rows and
/// index pages it rewrites) are shared by ten times as many events
/// (docs/BENCHMARKS.md, "Bulk import").
const BATCH: usize = 50_000;
/// How many invalid lines are printed before the rest are only counted.
const SHOWN_ERRORS: usize = 50;

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum FileFormat {
    Ndjson,
    Csv,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The file: NDJSON (one event a line) or CSV with a header line of field names.
    pub file: PathBuf,
    /// The file's format; default: from its extension (.csv, else NDJSON).
    #[arg(long, value_enum)]
    pub format: Option<FileFormat>,
    /// Store the valid lines and report the invalid ones, instead of storing nothing.
    #[arg(long)]
    pub skip_invalid: bool,
    #[command(flatten)]
    pub database: DatabaseConfig,
}

pub async fn run(args: ImportArgs) -> anyhow::Result<()> {
    let format = args.format.unwrap_or_else(|| guess_format(&args.file));
    let store = open_store_for(&args.database, Workload::BulkLoad).await?;
    let invalid = validate_file(&args.file, format)?;
    if !invalid.is_empty() && !args.skip_invalid {
        bail!(
            "{} invalid lines in {}; nothing was imported (use --skip-invalid to import the rest)",
            invalid.len(),
            args.file.display()
        );
    }
    let counts = import_file(&store, &args.file, format, &invalid).await?;
    store.after_bulk_load().await?;
    println!(
        "Imported {}: {} new events, {} already stored, {} invalid lines skipped.",
        args.file.display(),
        counts.accepted,
        counts.duplicates,
        invalid.len()
    );
    Ok(())
}

fn guess_format(path: &Path) -> FileFormat {
    match path.extension().and_then(|extension| extension.to_str()) {
        Some(extension) if extension.eq_ignore_ascii_case("csv") => FileFormat::Csv,
        _ => FileFormat::Ndjson,
    }
}

/// The line numbers of invalid lines, printing why (the first few).
fn validate_file(path: &Path, format: FileFormat) -> anyhow::Result<Vec<usize>> {
    let now = Utc::now();
    let progress = progress_bar(path, "checking")?;
    let mut invalid = Vec::new();
    for (line, record) in records(path, format, &progress)? {
        let problems = match record {
            Ok(value) => validate_event(line, &value, now).err().unwrap_or_default(),
            Err(reason) => vec![FieldError {
                index: line,
                field: "line".into(),
                reason,
            }],
        };
        if problems.is_empty() {
            continue;
        }
        if invalid.len() < SHOWN_ERRORS {
            // On stderr, shown also when the bar is hidden (no terminal).
            progress.suspend(|| {
                for problem in &problems {
                    eprintln!("line {line}: {}: {}", problem.field, problem.reason);
                }
            });
        }
        invalid.push(line);
    }
    progress.finish_and_clear();
    if invalid.len() > SHOWN_ERRORS {
        eprintln!("… and {} more invalid lines", invalid.len() - SHOWN_ERRORS);
    }
    Ok(invalid)
}

/// Stores the file's valid lines. Reading and checking the file runs on a
/// thread of its own, up to two batches ahead of the database: on two cores the
/// parsing is done while the database writes the batch before.
async fn import_file(
    store: &Store,
    path: &Path,
    format: FileFormat,
    invalid: &[usize],
) -> anyhow::Result<IngestCounts> {
    let progress = progress_bar(path, "importing")?;
    let (batches, mut ready) = tokio::sync::mpsc::channel(1);
    let reader = {
        let (path, progress, invalid) = (path.to_owned(), progress.clone(), invalid.to_vec());
        std::thread::spawn(move || read_batches(&path, format, &invalid, &progress, &batches))
    };
    let mut totals = IngestCounts::default();
    let mut stored = Ok(());
    while let Some(batch) = ready.recv().await {
        match store_batch(store, batch).await {
            Ok(counts) => totals += counts,
            Err(error) => {
                stored = Err(error);
                break;
            }
        }
    }
    // With nobody receiving, the reader stops at its next batch: it is
    // waited for, so that its bar does not draw over the error.
    drop(ready);
    let read = reader
        .join()
        .map_err(|_| anyhow::anyhow!("reading {} failed", path.display()))?;
    progress.finish_and_clear();
    stored?;
    read?;
    Ok(totals)
}

/// Sends the valid events of the file, skipping the `invalid` lines, in
/// batches of [`BATCH`]; stops early when the importer has stopped.
fn read_batches(
    path: &Path,
    format: FileFormat,
    invalid: &[usize],
    progress: &ProgressBar,
    batches: &tokio::sync::mpsc::Sender<Vec<ValidEvent>>,
) -> anyhow::Result<()> {
    let now = Utc::now();
    let mut batch = Vec::with_capacity(BATCH);
    for (line, record) in records(path, format, progress)? {
        if invalid.binary_search(&line).is_ok() {
            continue;
        }
        let checked = record
            .ok()
            .and_then(|value| validate_event(line, &value, now).ok());
        let event = checked.with_context(|| format!("line {line} changed while importing"))?;
        batch.push(event);
        if batch.len() == BATCH {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
            if batches.blocking_send(full).is_err() {
                return Ok(());
            }
        }
    }
    if !batch.is_empty() {
        // An error from here means the importer stopped: it reports why.
        let _ = batches.blocking_send(batch);
    }
    Ok(())
}

async fn store_batch(store: &Store, events: Vec<ValidEvent>) -> anyhow::Result<IngestCounts> {
    let batch = ValidBatch::of(events);
    Ok(store.ingest(&batch, Millis::now()).await?)
}

fn progress_bar(path: &Path, verb: &str) -> anyhow::Result<ProgressBar> {
    let size = std::fs::metadata(path)
        .with_context(|| format!("cannot read {}", path.display()))?
        .len();
    let progress = ProgressBar::new(size);
    progress.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {bytes}/{total_bytes} ({eta})")
            .expect("a valid template")
            .progress_chars("=> "),
    );
    progress.set_message(verb.to_owned());
    Ok(progress)
}

/// A line number and the event on it as JSON, or why it is not one.
type Record = (usize, Result<Value, String>);

/// The file's records, streamed: memory does not grow with the file.
fn records(
    path: &Path,
    format: FileFormat,
    progress: &ProgressBar,
) -> anyhow::Result<Box<dyn Iterator<Item = Record>>> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let reader = progress.wrap_read(file);
    Ok(match format {
        FileFormat::Ndjson => Box::new(ndjson_records(reader)),
        FileFormat::Csv => {
            let mut csv = csv::ReaderBuilder::new().from_reader(reader);
            let headers = csv
                .headers()
                .context("the CSV file has no header line")?
                .clone();
            Box::new(csv.into_records().enumerate().map(move |(index, record)| {
                let value = record
                    .map_err(|error| error.to_string())
                    .map(|record| csv_event(&headers, &record));
                (index + 2, value)
            }))
        }
    })
}

fn ndjson_records(reader: impl Read) -> impl Iterator<Item = Record> {
    BufReader::new(reader)
        .lines()
        .enumerate()
        .filter_map(|(index, line)| {
            let value = match line {
                Err(error) => Err(format!("not UTF-8 text: {error}")),
                Ok(text) if text.trim().is_empty() => return None,
                Ok(text) => {
                    serde_json::from_str(&text).map_err(|error| format!("not valid JSON: {error}"))
                }
            };
            Some((index + 1, value))
        })
}

/// A CSV record as the JSON event the API would receive; an empty cell is a
/// field left out.
fn csv_event(headers: &csv::StringRecord, record: &csv::StringRecord) -> Value {
    let mut object = Map::new();
    for (field, cell) in headers.iter().zip(record.iter()) {
        if !cell.is_empty() {
            object.insert(field.to_owned(), Value::String(cell.to_owned()));
        }
    }
    Value::Object(object)
}
