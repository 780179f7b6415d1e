# Shared settings of the project's scripts; sourced, not run.
# Builds and tools live outside the clone so that later runs on the same
# machine (and fresh CI clones) reuse them.

PULSE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PULSE_ROOT
export PULSE_CACHE="${PULSE_CACHE:-$HOME/.cache/pulse}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PULSE_CACHE/target}"
export PULSE_TOOLS="$PULSE_CACHE/tools"
export PATH="$HOME/.cargo/bin:$PULSE_TOOLS/node_modules/.bin:$PATH"
export PULSE_TEST_POSTGRES_URL="${PULSE_TEST_POSTGRES_URL:-postgres://postgres:postgres@127.0.0.1:5432/postgres}"

TRUNK_VERSION=0.21.14
WASM_BINDGEN_VERSION=0.2.130
BINARYEN_VERSION=132
PLAYWRIGHT_VERSION=1.65.0
SCHEMATHESIS_VERSION=4.32.5

# Each step says how long its script has run, so a slow one shows itself.
step() { printf '\n==> [%dm%02ds] %s\n' $((SECONDS / 60)) $((SECONDS % 60)) "$*"; }
