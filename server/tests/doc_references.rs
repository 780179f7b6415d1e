//! Docs that cannot drift: every citation of a project document in the
//! sources and docs (`METRICS.md, "Heading"`, `docs/API.md, "Heading"`,
//! and the like) names a file of `docs/` and a heading it has. Renaming a
//! heading without its citations fails here.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The project documents a citation may name, under `docs/`.
const DOCUMENTS: [&str; 5] = [
    "METRICS.md",
    "API.md",
    "DEPLOY.md",
    "RELIABILITY.md",
    "BENCHMARKS.md",
];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

/// The files a citation may sit in: the project's sources, scripts and
/// docs, outside build output and installed packages.
fn sources(folder: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(folder).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            if !matches!(
                name.as_str(),
                "target" | "node_modules" | "dist" | "test-results" | ".git" | "fixtures"
            ) {
                sources(&path, found);
            }
        } else if [".rs", ".md", ".js", ".sh", ".sql", ".toml"]
            .iter()
            .any(|ext| name.ends_with(ext))
            // This file's examples cite headings that are not there on purpose.
            && name != "doc_references.rs"
        {
            found.push(path);
        }
    }
}

/// The headings of a Markdown text, without their `#`s; lines in fenced
/// code blocks (shell comments such as `# 204`) are not headings.
fn headings(text: &str) -> BTreeSet<String> {
    let mut fenced = false;
    let mut found = BTreeSet::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        } else if !fenced && line.starts_with('#') {
            found.insert(line.trim_start_matches('#').trim().to_owned());
        }
    }
    found
}

/// Every (document, heading) cited in `text`: `NAME.md, "Heading"` or
/// `NAME.md "Heading"`, with or without `docs/` before the name.
fn citations(text: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for document in DOCUMENTS {
        for (at, _) in text.match_indices(document) {
            let rest = &text[at + document.len()..];
            let rest = rest.strip_prefix(',').unwrap_or(rest);
            let Some(quoted) = rest.strip_prefix(" \"") else {
                continue;
            };
            if let Some(end) = quoted.find('"').filter(|end| *end < 120) {
                found.push((document.to_owned(), joined(&quoted[..end])));
            }
        }
    }
    found
}

/// A heading cited across lines, as one line: the comment markers and
/// indentation that start each further line dropped.
fn joined(text: &str) -> String {
    text.lines()
        .map(|line| {
            line.trim_start()
                .trim_start_matches(['/', '!', '*', '-', '#'])
                .trim()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn every_cited_document_and_heading_exists() {
    let root = workspace();
    let mut files = Vec::new();
    sources(&root, &mut files);
    let mut missing = Vec::new();
    let mut checked = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        for (document, heading) in citations(&text) {
            checked += 1;
            let path = root.join("docs").join(&document);
            let Ok(doc) = std::fs::read_to_string(&path) else {
                missing.push(format!(
                    "{}: docs/{document} does not exist",
                    file.display()
                ));
                continue;
            };
            if !headings(&doc).contains(&heading) {
                missing.push(format!(
                    "{}: docs/{document} has no heading {heading:?}",
                    file.strip_prefix(&root).unwrap().display()
                ));
            }
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
    assert!(checked > 30, "citations were found and checked: {checked}");
}

#[test]
fn a_renamed_heading_is_caught() {
    let doc = "# Title\n## Periods\n```sh\n# 204\n```\n### Trend granularity\n";
    let found = headings(doc);
    assert!(found.contains("Periods") && found.contains("Trend granularity"));
    assert!(!found.contains("204"), "a shell comment is no heading");
    let cited = citations(r#"(docs/METRICS.md, "Periods") and (METRICS.md "Trend")"#);
    assert_eq!(
        cited,
        [
            ("METRICS.md".to_owned(), "Periods".to_owned()),
            ("METRICS.md".to_owned(), "Trend".to_owned())
        ]
    );
    assert!(!found.contains(&cited[1].1), "a heading that is not there");
    let wrapped = citations("(docs/METRICS.md, \"Trend\n    // granularity\")");
    assert_eq!(wrapped[0].1, "Trend granularity");
}

/// The README's settings table names every setting the program reads from
/// the environment, and its command list every command.
#[test]
fn the_readme_lists_every_setting_and_command() {
    use clap::CommandFactory;
    let readme = std::fs::read_to_string(workspace().join("README.md")).unwrap();
    let program = pulse_server::cli::Cli::command();
    let mut settings = BTreeSet::new();
    let mut commands = Vec::new();
    for command in program.get_subcommands() {
        commands.push(command.get_name().to_owned());
        for argument in command.get_arguments() {
            if let Some(env) = argument.get_env() {
                settings.insert(env.to_string_lossy().into_owned());
            }
        }
    }
    assert!(settings.contains("PULSE_DATABASE_URL"), "{settings:?}");
    let unlisted: Vec<&String> = settings
        .iter()
        .filter(|name| !readme.contains(&format!("| `{name}` |")))
        .collect();
    assert!(
        unlisted.is_empty(),
        "README's settings table lacks {unlisted:?}"
    );
    let list_start = readme.find("Commands: ").expect("a Commands: line");
    let list = &readme[list_start..list_start + readme[list_start..].find("\n\n").unwrap()];
    let absent: Vec<&String> = commands
        .iter()
        .filter(|name| !list.contains(&format!("`pulse {name}")))
        .collect();
    assert!(
        absent.is_empty(),
        "README's Commands: line lacks {absent:?}"
    );
    assert!(commands.len() >= 11, "{commands:?}");
}
