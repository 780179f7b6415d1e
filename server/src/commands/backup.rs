//! `pulse backup PATH` and `pulse restore PATH` (docs/API.md, "pulse
//! backup, pulse restore"): a consistent copy of the database while the server
//! runs, and that copy loaded into an empty database.
//!
//! SQLite is copied by SQLite itself (`VACUUM INTO`, one read transaction's
//! view); PostgreSQL by its own tools, `pg_dump` in its custom format and
//! `pg_restore`, which must be installed beside `pulse` (Debian:
//! postgresql-client). Either way the copy is written under a name of its
//! own first (`PATH.partial`) and renamed when complete, so that a failed
//! or interrupted backup never leaves a file that looks like one.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use clap::Args;
use pulse_db::{Backend, Store};

use super::open_store;
use crate::config::DatabaseConfig;

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The file to write: a SQLite database file, or a `pg_dump` archive
    /// (custom format) for PostgreSQL. It must not exist yet.
    path: PathBuf,
    #[command(flatten)]
    database: DatabaseConfig,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// A file `pulse backup` wrote.
    path: PathBuf,
    /// The database to load it into: it must hold no tables yet (a SQLite
    /// file that does not exist yet, or a new PostgreSQL database).
    #[command(flatten)]
    database: DatabaseConfig,
}

pub async fn backup(args: BackupArgs) -> anyhow::Result<()> {
    let target = &args.path;
    if target.exists() {
        bail!(
            "{} already exists: a backup is written to a new file",
            target.display()
        );
    }
    let partial = partial_path(target);
    // A leftover of an earlier, interrupted backup is never complete.
    remove_if_present(&partial)?;
    let store = connect(&args.database).await?;
    let written = match store.backend() {
        Backend::Sqlite => {
            let path = utf8(&partial)?;
            store
                .copy_sqlite_into(path)
                .await
                .with_context(|| format!("could not write the copy to {}", partial.display()))
        }
        Backend::Postgres => pg_tool(
            "pg_dump",
            &args.database.database_url,
            &[
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                &format!("--file={}", utf8(&partial)?),
            ],
        ),
    };
    store.close().await;
    if let Err(error) = written.and_then(|()| sync_and_rename(&partial, target)) {
        let _ = std::fs::remove_file(&partial);
        return Err(error);
    }
    let bytes = std::fs::metadata(target).map_or(0, |meta| meta.len());
    println!(
        "Backed up the database to {} ({bytes} bytes).",
        target.display()
    );
    Ok(())
}

pub async fn restore(args: RestoreArgs) -> anyhow::Result<()> {
    let source = &args.path;
    if !source.is_file() {
        bail!("{} is not a file", source.display());
    }
    let target = connect(&args.database).await?;
    let empty = target
        .is_empty()
        .await
        .context("could not look into the database to restore into")?;
    if !empty {
        target.close().await;
        bail!(
            "the database {} is not empty: a backup is restored into a new, empty database",
            pulse_db::redact_url(&args.database.database_url)
        );
    }
    match target.backend() {
        Backend::Sqlite => {
            target.close().await;
            restore_sqlite(source, &args.database.database_url).await?;
        }
        Backend::Postgres => {
            target.close().await;
            pg_tool(
                "pg_restore",
                &args.database.database_url,
                &[
                    "--exit-on-error",
                    "--single-transaction",
                    "--no-owner",
                    "--no-privileges",
                    utf8(source)?,
                ],
            )?;
        }
    }
    // A backup of an earlier release is brought up to this one's schema.
    let restored = open_store(&args.database).await?;
    restored.close().await;
    println!(
        "Restored {} into {}.",
        source.display(),
        pulse_db::redact_url(&args.database.database_url)
    );
    Ok(())
}

/// Copies the backup file in place of the (empty) target file, checking
/// through SQLite that the copy is a Pulse database before it takes the
/// target's name. The backup itself is only read.
async fn restore_sqlite(source: &Path, target_url: &str) -> anyhow::Result<()> {
    let target = sqlite_file(target_url)?;
    let partial = partial_path(&target);
    remove_if_present(&partial)?;
    std::fs::copy(source, &partial).with_context(|| {
        format!(
            "could not copy {} to {}",
            source.display(),
            partial.display()
        )
    })?;
    let checked = async {
        let copy = Store::connect(&format!("sqlite://{}", utf8(&partial)?))
            .await
            .with_context(|| format!("{} is not a SQLite database", source.display()))?;
        let is_pulse = copy.has_pulse_schema().await;
        copy.close().await;
        match is_pulse {
            Ok(true) => Ok(()),
            _ => Err(anyhow::anyhow!(
                "{} is not a Pulse backup",
                source.display()
            )),
        }
    }
    .await;
    if let Err(error) = checked {
        for leftover in [
            partial.clone(),
            sidecar(&partial, "-wal"),
            sidecar(&partial, "-shm"),
        ] {
            let _ = std::fs::remove_file(leftover);
        }
        return Err(error);
    }
    // The empty target the check above opened (and its journal) give way.
    for leftover in [
        target.clone(),
        sidecar(&target, "-wal"),
        sidecar(&target, "-shm"),
    ] {
        remove_if_present(&leftover)?;
    }
    sync_and_rename(&partial, &target)
}

/// Opens the database without migrating it: a backup copies it as it is.
async fn connect(config: &DatabaseConfig) -> anyhow::Result<Store> {
    Store::connect(&config.database_url).await.with_context(|| {
        format!(
            "could not open the database {}",
            pulse_db::redact_url(&config.database_url)
        )
    })
}

/// Runs PostgreSQL's `tool` on the database at `url`: the password goes in
/// the environment (never on a command line others can list), the rest of
/// the URL as the connection string.
fn pg_tool(tool: &str, url: &str, args: &[&str]) -> anyhow::Result<()> {
    let mut parsed = url::Url::parse(url).context("the database URL does not parse")?;
    let password = parsed.password().map(|password| {
        percent_encoding::percent_decode_str(password)
            .decode_utf8_lossy()
            .into_owned()
    });
    parsed
        .set_password(None)
        .map_err(|()| anyhow::anyhow!("the database URL has no host"))?;
    let mut command = Command::new(tool);
    command.arg(format!("--dbname={parsed}")).args(args);
    if let Some(password) = password {
        command.env("PGPASSWORD", password);
    }
    let output = command.output().map_err(|error| match error.kind() {
        std::io::ErrorKind::NotFound => anyhow::anyhow!(
            "{tool} was not found: install PostgreSQL's client tools (Debian: postgresql-client)"
        ),
        _ => anyhow::anyhow!("could not run {tool}: {error}"),
    })?;
    if !output.status.success() {
        bail!(
            "{tool} failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}

/// Makes the written copy durable, then gives it its name.
fn sync_and_rename(partial: &Path, target: &Path) -> anyhow::Result<()> {
    std::fs::File::open(partial)
        .and_then(|file| file.sync_all())
        .with_context(|| format!("could not write {} to disk", partial.display()))?;
    std::fs::rename(partial, target).with_context(|| {
        format!(
            "could not rename {} to {}",
            partial.display(),
            target.display()
        )
    })
}

fn remove_if_present(path: &Path) -> anyhow::Result<()> {
    match std::fs::remove_file(path) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
            Err(error).with_context(|| format!("could not remove {}", path.display()))
        }
        _ => Ok(()),
    }
}

/// `backup.db` → `backup.db.partial`.
fn partial_path(path: &Path) -> PathBuf {
    sidecar(path, ".partial")
}

fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// The file of a `sqlite://PATH` URL (its query, if any, left out).
fn sqlite_file(url: &str) -> anyhow::Result<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .context("not a sqlite:// URL")?;
    let path = rest.split('?').next().unwrap_or(rest);
    Ok(PathBuf::from(path))
}

fn utf8(path: &Path) -> anyhow::Result<&str> {
    path.to_str()
        .with_context(|| format!("the path {} is not UTF-8", path.display()))
}
