#!/usr/bin/env bash
# Contract fuzzing of the REST API: schemathesis (pinned, installed by
# `scripts/setup.sh --test`) generates requests from /api/v1/openapi.json,
# valid and invalid, sends them to a real `pulse serve` and checks every
# answer against the document (all of schemathesis's checks: status codes,
# content types, response schemas, negative data rejected, valid data
# accepted, authentication enforced, unsupported methods, ...). Any finding
# fails the run.
#
# For each backend it makes a fresh database (a SQLite file in a temporary
# folder; a PostgreSQL database on $PULSE_TEST_POSTGRES_URL's server, dropped
# afterwards), creates a read key and an ingest key with the release binary,
# seeds an agent, a learner and a few events through the API (so that reads
# find data), starts `pulse serve` and runs schemathesis twice: with the read
# key and with the ingest key (each key's refusals, 403, are in the document).
#
# Usage:
#   scripts/fuzz-api.sh                  both backends
#   scripts/fuzz-api.sh sqlite           one backend (sqlite or postgres)
# Settings (environment):
#   PULSE_BIN        the pulse binary (default: the release build, built when missing)
#   FUZZ_EXAMPLES    test cases per operation and phase (default 100)
#   FUZZ_SEED        schemathesis's seed (default 20261129): runs are reproducible
#   FUZZ_KEEP=1      keep the temporary folder (schemathesis's logs, the server's)
# Part of scripts/test.sh; alone, it installs schemathesis when missing
# (scripts/setup.sh --test) and takes about a minute per backend.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$PULSE_ROOT"

backends=("$@")
[[ ${#backends[@]} -eq 0 ]] && backends=(sqlite postgres)
for backend in "${backends[@]}"; do
    case "$backend" in
        sqlite | postgres) ;;
        *)
            echo "unknown backend $backend: use sqlite or postgres" >&2
            exit 2
            ;;
    esac
done

ST="$PULSE_TOOLS/schemathesis/bin/st"
if [[ ! -x "$ST" ]]; then
    bash scripts/setup.sh --test
fi
PULSE_BIN="${PULSE_BIN:-$CARGO_TARGET_DIR/release/pulse}"
if [[ ! -x "$PULSE_BIN" ]]; then
    step "Building pulse (release)"
    cargo build --release -p pulse-server
fi
FUZZ_EXAMPLES="${FUZZ_EXAMPLES:-100}"
FUZZ_SEED="${FUZZ_SEED:-20261129}"

work="$(mktemp -d "${TMPDIR:-/tmp}/pulse-fuzz.XXXXXX")"
server_pid=""
postgres_db=""

stop_server() {
    if [[ -n "$server_pid" ]]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        server_pid=""
    fi
}

drop_postgres_db() {
    if [[ -n "$postgres_db" ]]; then
        psql -q -X "$PULSE_TEST_POSTGRES_URL" -c "DROP DATABASE IF EXISTS $postgres_db WITH (FORCE)" >/dev/null || true
        postgres_db=""
    fi
}

cleanup() {
    stop_server
    drop_postgres_db
    [[ -n "${FUZZ_KEEP:-}" ]] && echo "kept $work" || rm -rf "$work"
}
trap cleanup EXIT

# The schemathesis configuration and hooks. Every check stays on; what
# follows only teaches schemathesis what the document cannot say itself.
write_config() {
    cat >"$work/schemathesis.toml" <<TOML
hooks = "$work/pulse_fuzz_hooks.py"

# Warnings that mean the document and the server disagree (or that the
# fuzzer could not use the document) fail the run too. Not missing_auth:
# each key is refused (403) by the other scope's operations, as documented.
[warnings]
fail-on = [
    "missing_test_data",
    "base_url_mismatch",
    "validation_mismatch",
    "missing_deserializer",
    "unused_openapi_auth",
    "unsupported_regex",
    "method_not_allowed",
    "unmatched_filter",
    "unresolvable_reference",
    "dictionary_mismatch",
]

# POST /api/v1/events refuses a batch of more than 10,000 events (the
# schema's maxItems) with 413 Content Too Large, as API.md says; the
# negative-data check's default list of refusals lacks 413. The rest is
# that default list.
[[operations]]
include-path = "/api/v1/events"
include-method = "POST"
checks.negative_data_rejection.expected-statuses = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429", "5xx"]
TOML
    cat >"$work/pulse_fuzz_hooks.py" <<'PYTHON'
"""Hooks of Pulse's contract fuzzing (scripts/fuzz-api.sh)."""

import json
import os

import schemathesis


@schemathesis.serializer("application/x-ndjson")
def ndjson(ctx, value):
    """NDJSON: the events of the array one JSON text a line. Anything but
    an array (invalid data) goes as a single line."""
    items = value if isinstance(value, list) else [value]
    return "".join(json.dumps(item) + "\n" for item in items).encode()


# Rules between values that JSON Schema cannot state, so that a request the
# schema allows can still break them; the server refuses it, saying which.
# Only these exact refusals are forgiven: any other 4xx to schema-valid data
# still fails the run.
CUSTOM_PERIOD_RULES = (
    # from > to
    lambda error: error.startswith("from (") and ") must not be after to (" in error,
    # from after today in the zone
    lambda error: error.startswith("from (") and ") must not be after today (" in error,
    # longer than MAX_CUSTOM_DAYS
    lambda error: error.startswith("a custom range may cover at most 366 days"),
    # period=custom without from or to
    lambda error: error in (
        "from is required with period=custom (YYYY-MM-DD)",
        "to is required with period=custom (YYYY-MM-DD)",
    ),
)
# An annotation's range: end_date not before date, at most 366 days.
ANNOTATION_RANGE_RULES = (
    lambda error: error.startswith("end_date (") and ") must not be before date (" in error,
    lambda error: error == "an annotation covers at most 366 days",
)
# Names and labels are trimmed: one of only spaces is empty (the schema's
# minLength counts the spaces).
BLANK_TEXT_REASONS = (
    "label must be 1 to 200 characters",
    "a section needs a name",
)
# `at` must lie in [2000-01-01, server clock + 5 minutes]: a window that
# moves with the clock, which a schema's format: date-time cannot state.
AT_WINDOW_REASONS = (
    "must not be before 2000-01-01T00:00:00Z",
    "must not be more than 5 minutes in the future",
)


def _forgive(rule, case, response):
    """Drops the failure, noting it in $PULSE_FUZZ_FORGIVEN for the summary."""
    with open(os.environ["PULSE_FUZZ_FORGIVEN"], "a") as log:
        log.write(f"{rule}\t{case.operation.label}\t{response.status_code}\t{response.text[:300]}\n")
    return False


def _body(response):
    try:
        return response.json()
    except Exception:
        return None


@schemathesis.hook
def filter_failure(context, failure, case, response):
    """Keeps every failure except a schema-valid request refused for one of
    the cross-value rules above."""
    if type(failure).__name__ != "RejectedPositiveData":
        return True
    body = _body(response)
    if not isinstance(body, dict):
        return True
    operation = case.operation
    if (
        operation.method.upper() == "GET"
        and response.status_code == 400
        and (case.query or {}).get("period") == "custom"
        and any(rule(body.get("error", "")) for rule in CUSTOM_PERIOD_RULES)
    ):
        return _forgive("custom period rule", case, response)
    error = body.get("error", "")
    if (
        operation.method.upper() == "PUT"
        and operation.path == "/api/v1/agents/{agent_id}/annotations/{annotation_id}"
        and response.status_code == 422
        and any(rule(error) for rule in ANNOTATION_RANGE_RULES)
    ):
        return _forgive("annotation range rule", case, response)
    text = (case.body or {}).get("label", (case.body or {}).get("name")) if isinstance(case.body, dict) else None
    if (
        operation.method.upper() == "PUT"
        and response.status_code == 422
        and isinstance(text, str)
        and text.strip() == ""
        and error in BLANK_TEXT_REASONS
    ):
        return _forgive("blank text", case, response)
    details = body.get("details") or []
    if (
        operation.method.upper() == "POST"
        and operation.path == "/api/v1/events"
        and response.status_code == 422
        and details
        and all(
            detail.get("field") == "at" and detail.get("reason") in AT_WINDOW_REASONS
            for detail in details
        )
    ):
        return _forgive("event time window", case, response)
    return True
PYTHON
}

# Creates a key and prints it (the binary prints the secret alone on stdout).
create_key() {
    if ! "$PULSE_BIN" key create --scope "$1" --label "fuzz-$1" --database-url "$2" 2>"$work/key.err"; then
        cat "$work/key.err" >&2
        return 1
    fi
}

# Sends one request with the ingest key; fails unless it answers 2xx.
api() {
    local method="$1" path="$2" body="$3" content_type="${4:-application/json}"
    local status
    status="$(curl -sS -o "$work/answer" -w '%{http_code}' -X "$method" "$base_url$path" \
        -H "Authorization: Bearer $ingest_key" -H "Content-Type: $content_type" --data-binary "$body")"
    if [[ "$status" != 2* ]]; then
        echo "seeding: $method $path answered $status: $(cat "$work/answer")" >&2
        return 1
    fi
}

seed() {
    local now earlier
    now="$(date -u -d '-2 minutes' +%Y-%m-%dT%H:%M:%SZ)"
    earlier="$(date -u -d '-3 days' +%Y-%m-%dT%H:%M:%SZ)"
    api PUT /api/v1/agents/algebra-tutor '{"name":"Algebra tutor"}'
    api PUT /api/v1/users/u42 '{"username":"ada","name":"Ada Lovelace"}'
    api PUT /api/v1/agents/algebra-tutor/members/u42 '{"registered_at":"2026-03-01T09:30:00Z"}'
    api POST /api/v1/events "[
        {\"id\":\"seed-1\",\"type\":\"session_start\",\"agent_id\":\"algebra-tutor\",\"user_id\":\"u42\",\"at\":\"$earlier\",\"session_id\":\"s7\"},
        {\"id\":\"seed-2\",\"type\":\"message\",\"agent_id\":\"algebra-tutor\",\"user_id\":\"u42\",\"at\":\"$earlier\",\"session_id\":\"s7\"},
        {\"id\":\"seed-3\",\"type\":\"message\",\"agent_id\":\"algebra-tutor\",\"user_id\":\"u7\",\"at\":\"$now\",\"username\":\"grace\",\"name\":\"Grace Hopper\"}
    ]"
    api POST /api/v1/events "{\"id\":\"seed-4\",\"type\":\"heartbeat\",\"agent_id\":\"algebra-tutor\",\"user_id\":\"u7\",\"at\":\"$now\"}" application/x-ndjson
}

# Runs schemathesis with one key; its summary goes to the terminal, the
# whole output to $work/st-NAME.log.
fuzz() {
    local name="$1" key="$2"
    local started=$SECONDS status=0
    (
        cd "$work"
        PULSE_FUZZ_FORGIVEN="$work/forgiven-$backend-$name.tsv" \
        "$ST" --config-file "$work/schemathesis.toml" run "$base_url/api/v1/openapi.json" \
            -H "Authorization: Bearer $key" \
            --checks all \
            --seed "$FUZZ_SEED" \
            --max-examples "$FUZZ_EXAMPLES" \
            --generation-database none \
            --request-timeout 20 \
            --no-color
    ) >"$work/st-$name.log" 2>&1 || status=$?
    local took=$((SECONDS - started))
    local tested forgiven=""
    tested="$(grep -E '^ *[0-9]+ generated' "$work/st-$name.log" | tail -n 1 | sed 's/^ *//')"
    if [[ -s "$work/forgiven-$backend-$name.tsv" ]]; then
        forgiven="; refusals the schema cannot express: $(cut -f1 "$work/forgiven-$backend-$name.tsv" |
            sort | uniq -c | awk '{n=$1; $1=""; printf "%s%s x%d", sep, substr($0, 2), n; sep=", "}')"
    fi
    if [[ $status -eq 0 ]]; then
        results+=("$backend, $name key: clean ($tested; ${took}s$forgiven)")
    else
        cat "$work/st-$name.log"
        results+=("$backend, $name key: FINDINGS, exit $status ($tested; ${took}s)")
        failed=true
    fi
}

results=()
failed=false
write_config
for backend in "${backends[@]}"; do
    step "Contract fuzzing on $backend (schemathesis $("$ST" --version | awk '{print $NF}'))"
    case "$backend" in
        sqlite)
            database_url="sqlite://$work/sqlite/pulse.db"
            mkdir -p "$work/sqlite"
            ;;
        postgres)
            postgres_db="pulse_fuzz_$$_${RANDOM}"
            psql -q -X "$PULSE_TEST_POSTGRES_URL" -c "CREATE DATABASE $postgres_db" >/dev/null
            database_url="${PULSE_TEST_POSTGRES_URL%/*}/$postgres_db"
            ;;
    esac
    read_key="$(create_key read "$database_url")"
    ingest_key="$(create_key ingest "$database_url")"

    : >"$work/serve.out"
    RUST_LOG=warn "$PULSE_BIN" serve --addr 127.0.0.1:0 --database-url "$database_url" \
        >"$work/serve.out" 2>"$work/serve-$backend.err" &
    server_pid=$!
    base_url=""
    for _ in $(seq 1 100); do
        base_url="$(sed -n 's|.*running at \(http://[^/ ]*\).*|\1|p' "$work/serve.out" | head -n 1)"
        [[ -n "$base_url" ]] && break
        if ! kill -0 "$server_pid" 2>/dev/null; then
            break
        fi
        sleep 0.2
    done
    if [[ -z "$base_url" ]]; then
        echo "pulse serve did not start:" >&2
        cat "$work/serve.out" "$work/serve-$backend.err" >&2
        exit 1
    fi
    seed

    fuzz read "$read_key"
    fuzz ingest "$ingest_key"

    stop_server
    drop_postgres_db
done

step "Contract fuzzing: summary"
printf '  %s\n' "${results[@]}"
if $failed; then
    echo "The server and /api/v1/openapi.json disagree: see the findings above." >&2
    exit 1
fi
