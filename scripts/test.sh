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

step "Lints: server side"
cargo clippy --all-targets -- -D warnings

step "Lints: browser side (wasm)"
cargo clippy -p pulse-frontend --target wasm32-unknown-unknown -- -D warnings

# Before the Rust build: the server embeds the web app (webapp/build.rs).
step "Building the web app (release wasm)"
trunk build --release
bash scripts/wasm-size.sh

# One build for every test: the Rust tests run in the release profile, and
# the `pulse` binary cargo builds for them (target/release/pulse) is the one
# the browser tests and the fuzzer run, alone in an empty folder
# (end2end/server.js), as a school runs it. A separate debug build for the
# tests and release build for the browser took twice the compiling
# (docs/BENCHMARKS.md, "Setup"); optimized, the oracle's random cases run
# several times faster too.
step "Rust tests (SQLite and PostgreSQL at $PULSE_TEST_POSTGRES_URL)"
cargo test --release --no-fail-fast

step "Browser tests (Playwright, Debian's Chromium)"
export PULSE_BIN="$CARGO_TARGET_DIR/release/pulse"
(cd end2end && npx playwright test)

# The REST API against its generated /api/v1/openapi.json: schemathesis,
# every check, read and ingest keys, on SQLite and PostgreSQL, with the
# binary built above.
step "Contract fuzzing of the REST API (schemathesis)"
PULSE_BIN="$CARGO_TARGET_DIR/release/pulse" bash scripts/fuzz-api.sh
