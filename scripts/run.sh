#!/usr/bin/env bash
# The run command: installs what is missing, builds the app, loads the demo
# data set into an empty database and serves it on http://127.0.0.1:3000/
# (PULSE_ADDR and PULSE_DATABASE_URL change that; see the README).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$PULSE_ROOT"

bash scripts/setup.sh

step "Building the web app (release wasm)"
trunk build --release

step "Building pulse"
cargo build --release -p pulse-server
pulse="$CARGO_TARGET_DIR/release/pulse"

step "Demo data (only into an empty database)"
"$pulse" demo --if-empty

step "Starting Pulse"
exec "$pulse" serve --demo
