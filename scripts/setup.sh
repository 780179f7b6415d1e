#!/usr/bin/env bash
# Installs what Pulse needs, skipping whatever is already there.
#   scripts/setup.sh          what building and running the app needs
#   scripts/setup.sh --test   also what the test suite needs (Chromium,
#                             the browser-test packages, the contract fuzzer
#                             schemathesis, PostgreSQL)
set -euo pipefail
source "$(dirname "$0")/env.sh"

want_test_tools=false
[[ "${1:-}" == "--test" ]] && want_test_tools=true

apt_updated=false
apt_install() {
    if ! $apt_updated; then
        apt-get update -qq
        apt_updated=true
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

# The tools Pulse builds from source are run a few times per build, so they
# are compiled for a quick install rather than for speed: their own release
# profiles ask for fat LTO and one codegen unit, which took 11.5 minutes of a
# fresh machine's setup for trunk alone (docs/BENCHMARKS.md, "Setup").
install_tool() {
    CARGO_PROFILE_RELEASE_LTO=off \
        CARGO_PROFILE_RELEASE_CODEGEN_UNITS=256 \
        CARGO_PROFILE_RELEASE_OPT_LEVEL=1 \
        CARGO_PROFILE_RELEASE_DEBUG=0 \
        CARGO_PROFILE_RELEASE_STRIP=true \
        cargo install "$@"
}

step "Rust target wasm32-unknown-unknown"
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    rustup target add wasm32-unknown-unknown
fi

step "trunk $TRUNK_VERSION"
if [[ "$(trunk --version 2>/dev/null)" != "trunk $TRUNK_VERSION" ]]; then
    install_tool trunk --version "$TRUNK_VERSION" --locked
fi

step "wasm-bindgen-cli $WASM_BINDGEN_VERSION"
# Not --locked: one dependency of its lock file is no longer in the registry.
if [[ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]]; then
    install_tool wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

step "wasm-opt (npm binaryen $BINARYEN_VERSION)"
if ! wasm-opt --version 2>/dev/null | grep -q "version $BINARYEN_VERSION"; then
    mkdir -p "$PULSE_TOOLS"
    npm install --silent --no-audit --no-fund --prefix "$PULSE_TOOLS" "binaryen@$BINARYEN_VERSION"
fi

if ! $want_test_tools; then
    exit 0
fi

step "Chromium and ChromeDriver (Debian)"
if [[ ! -x /usr/bin/chromium ]]; then
    apt_install chromium chromium-driver
fi

step "sqlite3 shell (an outside client in the SQLite tests)"
if ! command -v sqlite3 >/dev/null; then
    apt_install sqlite3
fi

step "pdftotext (the printed report's browser test reads its PDF)"
if ! command -v pdftotext >/dev/null; then
    apt_install poppler-utils
fi

step "Browser-test packages (end2end/)"
# Installed again whenever package-lock.json changed since the last install
# (a pulled commit may add a package), known by a stamp of its hash.
lock_hash=$(sha256sum "$PULSE_ROOT/end2end/package-lock.json" | cut -d' ' -f1)
stamp="$PULSE_ROOT/end2end/node_modules/.pulse-lock-sha256"
if [[ ! -d "$PULSE_ROOT/end2end/node_modules/@playwright/test" || "$(cat "$stamp" 2>/dev/null)" != "$lock_hash" ]]; then
    (cd "$PULSE_ROOT/end2end" && npm ci --silent --no-audit --no-fund)
    echo "$lock_hash" > "$stamp"
fi

# The contract fuzzer of scripts/fuzz-api.sh, in a virtual environment of
# its own in the cache (DESIGN.md: checked with this version).
schemathesis_dir="$PULSE_TOOLS/schemathesis"
step "schemathesis $SCHEMATHESIS_VERSION (Python virtual environment)"
if [[ "$("$schemathesis_dir/bin/st" --version 2>/dev/null)" != "st, version $SCHEMATHESIS_VERSION" ]]; then
    # Debian's python3 makes virtual environments only with python3-venv.
    if ! command -v python3 >/dev/null || ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
        apt_install python3 python3-venv
    fi
    rm -rf "$schemathesis_dir"
    mkdir -p "$PULSE_TOOLS"
    python3 -m venv "$schemathesis_dir"
    "$schemathesis_dir/bin/pip" install --quiet "schemathesis==$SCHEMATHESIS_VERSION"
fi

step "PostgreSQL"
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    if ! compgen -G "/etc/postgresql/*/main" >/dev/null; then
        apt_install postgresql
    fi
    version="$(ls /etc/postgresql | sort -n | tail -n 1)"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start
    for _ in $(seq 1 30); do
        pg_isready -q -h 127.0.0.1 -p 5432 && break
        sleep 1
    done
    # The tests sign in as postgres/postgres over TCP.
    su postgres -c "psql -q -c \"ALTER USER postgres PASSWORD 'postgres'\""
fi
pg_isready -h 127.0.0.1 -p 5432
