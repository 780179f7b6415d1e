//! Embeds the web app Trunk built into `dist/` at the workspace root. Text
//! files are brotli-compressed here (release builds), and served in the
//! encoding each client accepts. Without a `dist/` (a fresh clone before
//! `trunk build`), an empty app is embedded and `pulse serve` says so.

use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let dist = manifest.join("../dist");
    println!("cargo::rerun-if-changed={}", dist.display());
    println!("cargo::rerun-if-env-changed=PULSE_DIST_DIR");
    let index = dist.join("index.html");
    let (assets, index) = if index.is_file() {
        (dist, index)
    } else {
        println!(
            "cargo::warning=no web app in {}: run `trunk build --release` first; embedding none",
            dist.display()
        );
        let empty = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo")).join("no-dist");
        std::fs::create_dir_all(&empty).expect("create an empty folder");
        let index = empty.join("index.html.missing");
        std::fs::write(&index, "").expect("write a placeholder");
        (empty, index)
    };
    // The page itself, for the Content-Security-Policy's script hashes.
    println!("cargo::rustc-env=PULSE_INDEX_HTML={}", index.display());
    memory_serve::load_directory(assets);
}
