#!/usr/bin/env bash
# Runs the Rust tests and the browser tests as if started at another moment,
# to find tests that pass only at some hours, dates or zones:
#
#   scripts/test-at.sh '2026-12-08 00:30:00'                     # UTC
#   scripts/test-at.sh '2026-11-01 06:30:00' America/New_York    # its fall-back hour
#   scripts/test-at.sh '2026-12-08 01:35:00' UTC rust            # Rust tests only
#   scripts/test-at.sh '2026-12-08 01:35:00' UTC browser         # browser tests only
#   scripts/test-at.sh '2026-12-08 01:35:00' UTC fuzz            # the contract fuzzer only
#   TEST_AT_SKIP=analytics_oracle scripts/test-at.sh ...          # Rust tests whose names hold
#                                                                 # that text are skipped
#
# The clock starts at MOMENT (UTC) and runs on from there (Debian's
# libfaketime, preloaded into the test processes, the `pulse` servers they
# start, Node and Chromium); ZONE becomes the processes' TZ. PostgreSQL
# keeps the real clock: Pulse never asks the database for the time (every
# instant comes from the process and is bound as a parameter), so a
# shifted test process and an unshifted database server agree.
#
# It runs what scripts/test.sh built (run that once first): the test
# binaries are built here with the real clock, then run directly, so that
# cargo's freshness checks never see the shifted one.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$PULSE_ROOT"

moment="${1:?usage: scripts/test-at.sh 'YYYY-MM-DD HH:MM:SS' [ZONE] [rust|browser|fuzz|all]}"
zone="${2:-UTC}"
which="${3:-all}"
case "$which" in
    all | rust | browser | fuzz) ;;
    *)
        echo "unknown part $which: use rust, browser, fuzz or all" >&2
        exit 2
        ;;
esac
faketime_lib=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1

if [[ ! -e "$faketime_lib" ]]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq faketime
fi

# Shifts the wall clock only: timers, time-outs and tokio's clock keep the
# monotonic one. Child processes go on from the parent's shifted time.
shifted() {
    TZ="$zone" \
        LD_PRELOAD="$faketime_lib" \
        FAKETIME="@$moment" \
        FAKETIME_DONT_FAKE_MONOTONIC=1 \
        FAKETIME_DONT_RESET=1 \
        "$@"
}

step "The clock: $(shifted date -u '+%Y-%m-%d %H:%M:%S UTC') ($zone: $(shifted date '+%Y-%m-%d %H:%M %Z'))"
failed=0

if [[ "$which" == all || "$which" == rust ]]; then
    step "Rust tests at $moment ($zone)"
    binaries="$(mktemp)"
    cargo test --release --no-run --message-format=json 2>/dev/null | python3 -c '
import json, sys
for line in sys.stdin:
    message = json.loads(line)
    if message.get("reason") == "compiler-artifact" and message.get("executable") and message["profile"]["test"]:
        print(message["manifest_path"].rsplit("/", 1)[0], message["executable"])
' >"$binaries"
    if [[ "${PIPESTATUS[0]}" -ne 0 || ! -s "$binaries" ]]; then
        echo "the tests did not build: run cargo test --release --no-run to see why" >&2
        exit 1
    fi
    while read -r package executable; do
        echo "--- $(basename "$executable") (in ${package#"$PULSE_ROOT"/})"
        skip=()
        [[ -n "${TEST_AT_SKIP:-}" ]] && skip=(--skip "$TEST_AT_SKIP")
        if ! (cd "$package" && shifted "$executable" "${skip[@]}"); then
            failed=1
        fi
    done <"$binaries"
    rm -f "$binaries"
fi

if [[ "$which" == all || "$which" == browser ]]; then
    step "Browser tests at $moment ($zone)"
    export PULSE_BIN="$CARGO_TARGET_DIR/release/pulse"
    (cd end2end && shifted npx playwright test) || failed=1
fi

if [[ "$which" == all || "$which" == fuzz ]]; then
    step "Contract fuzzing at $moment ($zone)"
    PULSE_BIN="$CARGO_TARGET_DIR/release/pulse" shifted bash scripts/fuzz-api.sh || failed=1
fi

exit "$failed"
