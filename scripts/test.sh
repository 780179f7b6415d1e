#!/usr/bin/env bash
# The test command: installs what is missing, then runs every check:
# formatting, lints (server and wasm), the Rust tests on SQLite and
# PostgreSQL, and the browser tests against a real server.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$PULSE_ROOT"

bash scripts/setup.sh --test

step "Formatting"
cargo fmt --all --check
# Included twice by store/mod.rs, so cargo fmt does not reach it.
rustfmt --edition 2024 --check db/src/store/queries.rs

step "Lints: server side"
cargo clippy --all-targets -- -D warnings

step "Lints: browser side (wasm)"
cargo clippy -p pulse-frontend --target wasm32-unknown-unknown -- -D warnings

step "Rust tests (SQLite and PostgreSQL at $PULSE_TEST_POSTGRES_URL)"
cargo test --no-fail-fast

step "Building the web app (release wasm)"
trunk build --release

step "Browser tests (Playwright, Debian's Chromium)"
export PULSE_BIN="$CARGO_TARGET_DIR/debug/pulse"
export PULSE_DIST_DIR="$PULSE_ROOT/dist"
(cd end2end && npx playwright test)
