#!/usr/bin/env bash
# Lighthouse in its mobile setting on the Users tab and a share page of
# the demo data, three runs each (docs/BENCHMARKS.md, "Lighthouse on a
# phone"). A measurement, not a test: run it after scripts/test.sh (or
# scripts/run.sh) has built pulse. Its npm packages are installed once,
# into end2end/lighthouse/, apart from the browser tests'.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$PULSE_ROOT/end2end/lighthouse"
stamp=node_modules/.pulse-lock-sha256
lock=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ "$(cat "$stamp" 2>/dev/null)" != "$lock" ]]; then
  npm ci --no-audit --no-fund
  echo "$lock" > "$stamp"
fi
PULSE_BIN="${PULSE_BIN:-$CARGO_TARGET_DIR/release/pulse}" node run.mjs
