//! One module per subcommand.

pub mod accounts;
pub mod annotations;
pub mod backup;
pub mod demo;
pub mod forget;
pub mod import;
pub mod keys;
pub mod roster;
mod serve;
pub mod share;

pub use serve::{migrate, open_store, open_store_for, rebuild, serve};

/// What a file import read, or every problem of the file, each printed
/// with the file's name, and a refusal: an import is all or nothing.
fn all_or_nothing<T, E: std::fmt::Display>(
    file: &std::path::Path,
    parsed: Result<T, Vec<E>>,
) -> anyhow::Result<T> {
    parsed.or_else(|errors| {
        for error in &errors {
            eprintln!("{}: {error}", file.display());
        }
        anyhow::bail!(
            "{} problem(s) in {}; nothing was imported",
            errors.len(),
            file.display()
        )
    })
}
