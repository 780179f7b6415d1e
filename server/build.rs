//! Names the git commit `pulse` is built from, for `pulse --version`:
//! sets `PULSE_GIT_COMMIT` to `git rev-parse --short=12 HEAD`, or to
//! `unknown` outside a git checkout (a source tarball, a container build
//! without `.git`). `PULSE_GIT_COMMIT` in the build's environment wins, so a
//! build from a copy without `.git` can still be told its commit.
//!
//! It never fails the build: a missing `git`, a missing or odd `.git` only
//! give `unknown`. Cargo reruns it when HEAD moves: when `.git/HEAD`
//! changes (another branch, a detached HEAD) or the branch it names does
//! (a commit, a reset), whether that ref is a loose file or in `packed-refs`.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=PULSE_GIT_COMMIT");
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let given = std::env::var("PULSE_GIT_COMMIT")
        .ok()
        .map(|commit| commit.trim().to_owned())
        .filter(|commit| is_commit(commit));
    let (commit, source) = match given {
        Some(commit) => (commit, "environment"),
        None => match git_commit(&manifest_dir) {
            Some(commit) => (commit, "git"),
            None => ("unknown".to_owned(), "none"),
        },
    };
    println!("cargo:rustc-env=PULSE_GIT_COMMIT={commit}");
    // Where it came from, for the test that compares it with git.
    println!("cargo:rustc-env=PULSE_GIT_COMMIT_SOURCE={source}");
    if let Some(git_dir) = git_dir(&manifest_dir.join("..").join(".git")) {
        watch_head(&git_dir);
    }
}

/// The short hash of HEAD, when `git` runs and answers one.
fn git_commit(dir: &Path) -> Option<String> {
    let output = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(dir)
        .output()
        .ok()?;
    let commit = String::from_utf8(output.stdout).ok()?.trim().to_owned();
    (output.status.success() && is_commit(&commit)).then_some(commit)
}

fn is_commit(text: &str) -> bool {
    (4..=64).contains(&text.len()) && text.bytes().all(|byte| byte.is_ascii_hexdigit())
}

/// The directory holding HEAD: `.git` itself, or the directory a `.git`
/// file points to (`gitdir: PATH`, in a worktree or a submodule).
fn git_dir(dot_git: &Path) -> Option<PathBuf> {
    if dot_git.is_dir() {
        return Some(dot_git.to_path_buf());
    }
    let text = std::fs::read_to_string(dot_git).ok()?;
    let target = text.lines().find_map(|line| line.strip_prefix("gitdir:"))?;
    let target = Path::new(target.trim());
    let dir = if target.is_absolute() {
        target.to_path_buf()
    } else {
        dot_git.parent()?.join(target)
    };
    dir.is_dir().then_some(dir)
}

/// Tells Cargo which files say where HEAD is. Only existing paths are
/// named: Cargo reruns a build script on every build while a path it
/// watches is missing.
fn watch_head(git_dir: &Path) {
    let head = git_dir.join("HEAD");
    if !head.is_file() {
        return;
    }
    watch(&head);
    let Ok(text) = std::fs::read_to_string(&head) else {
        return;
    };
    // A detached HEAD holds the commit itself: watching HEAD is enough.
    let Some(reference) = text.trim().strip_prefix("ref:").map(str::trim) else {
        return;
    };
    if reference.is_empty()
        || reference
            .split('/')
            .any(|part| part.is_empty() || part == "..")
    {
        return;
    }
    // In a linked worktree, branches live in the common directory.
    let common_dir = std::fs::read_to_string(git_dir.join("commondir"))
        .ok()
        .map(|relative| git_dir.join(relative.trim()))
        .filter(|dir| dir.is_dir())
        .unwrap_or_else(|| git_dir.to_path_buf());
    let mut dirs = vec![git_dir];
    if common_dir != git_dir {
        dirs.push(&common_dir);
    }
    for dir in dirs {
        let loose = dir.join(reference);
        if loose.is_file() {
            watch(&loose);
        } else if let Some(parent) = existing_ancestor(&loose, dir) {
            // The ref may be written as a loose file later (the next commit):
            // a change in its folder reruns this script.
            watch(&parent);
        }
        let packed = dir.join("packed-refs");
        if packed.is_file() {
            watch(&packed);
        }
    }
}

/// The nearest existing folder above `path`, no higher than `root`.
fn existing_ancestor(path: &Path, root: &Path) -> Option<PathBuf> {
    path.ancestors()
        .skip(1)
        .take_while(|dir| dir.starts_with(root) && *dir != root)
        .find(|dir| dir.is_dir())
        .map(Path::to_path_buf)
}

fn watch(path: &Path) {
    println!("cargo:rerun-if-changed={}", path.display());
}
