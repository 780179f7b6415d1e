#!/usr/bin/env bash
# Times the Users tab over HTTP, as a report script and the app ask for it:
# the agent with the most learners of a benchmark data set, America/New_York,
# the encodings Chromium accepts (zstd is chosen), two fixed ranges (30 and 365 local days ending on
# the data set's last day), median of 5 after a warm-up. For each range:
# the four REST reads in sequence, the one dashboard read and the app's
# server function (signed in as a superadministrator), on a server
# that computes every read (PULSE_FIGURE_CACHE_MB=0), on one that keeps
# figures (the default) while a recent event arrives before every read
# ("live": the agent's kept figures are retired, the facts of its closed
# days stay), and on one that keeps figures with no write between reads;
# the user table's bytes
# on the wire; the server's peak memory; and DuckDB computing the same
# figures from the raw events in-process (scripts/duckdb-reads.py).
#
#   scripts/time-reads.sh [small|benchmark|large] [postgres]   (default: benchmark, SQLite)
#
# Needs the release `pulse` (scripts/test.sh or run.sh build it; PULSE_BIN
# names another build, to compare two) and the
# data set in the cache (`cargo bench -p pulse-db --bench growth -- SET
# [--sqlite-only]` generates it). The server opens the cached database
# itself (a copy of the large one would take 10 GB): it migrates it when
# needed and adds a read key. DuckDB reads the SQLite file, whose events
# are the PostgreSQL set's (the same seed).
set -euo pipefail
SET=${1:-benchmark}
BACKEND=${2:-sqlite}
[[ $SET =~ ^(small|benchmark|large)$ ]] || { echo "usage: $0 [small|benchmark|large] [postgres]" >&2; exit 2; }
source "$(dirname "$0")/bench-set.sh"
SETTLE=1
[[ $SET == large ]] && SETTLE=5
PORT=3999
WORK=$(mktemp -d)
SERVER=
trap '[[ -n $SERVER ]] && kill $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT

# An account for the app's server function (an existing one keeps its password).
APP_PASSWORD=time-reads-password
echo "$APP_PASSWORD" | $PULSE account create --username time-reads --superadmin \
  --database-url "$URL" >/dev/null 2>&1 || true
LEARNERS=$(query "SELECT count(*) FROM memberships m JOIN agents a ON a.id = m.agent_id
                  WHERE a.agent_key = '$AGENT'")
EVENTS=$(query "SELECT count(*) FROM events e JOIN agents a ON a.id = e.agent_id
                WHERE a.agent_key = '$AGENT'")
echo "data set $SET on $BACKEND: agent $AGENT, $LEARNERS learners, $EVENTS events"
BASE=http://127.0.0.1:$PORT/api/v1/agents/$AGENT/users
LAST=2026-11-01
RANGES=("30 days:2026-10-03" "365 days:2025-11-02")

ACCEPT='Accept-Encoding: gzip, deflate, br, zstd'
t() { curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $KEY" -H "$ACCEPT" "$1"; }
bytes() { curl -s -o /dev/null -w '%{size_download}' -H "Authorization: Bearer $KEY" -H "Accept-Encoding: $2" "$1"; }
# The app's call, as its page makes it (the session cookie of sign_in).
app() {
  curl -s -o /dev/null -w '%{time_total}\n' -b "$WORK/cookies" -H "$ACCEPT" \
    -H "Origin: http://127.0.0.1:$PORT" --data "agent_id=$AGENT&$(sed 's/\([a-z]*\)=/query[\1]=/g' <<<"$1")" "$APP_FN"
}
sign_in() {
  curl -sf -o /dev/null -c "$WORK/cookies" -H "Origin: http://127.0.0.1:$PORT" \
    --data "username=time-reads&password=$APP_PASSWORD" "http://127.0.0.1:$PORT$(server_fn login)" \
    || { echo "could not sign in to the app" >&2; exit 1; }
}
# A server function's path: its name and the suffix Leptos gives it,
# registered in the binary.
server_fn() {
  local paths
  paths=$(strings "$PULSE" | grep -o "/api/$1[0-9]\{8,\}" | sort -u)
  [[ $(wc -l <<<"$paths") == 1 && -n $paths ]] || { echo "no single path for $1: $paths" >&2; exit 1; }
  echo "$paths"
}
APP_FN=http://127.0.0.1:$PORT$(server_fn users_dashboard)
# The live mode's write: a heartbeat of a learner of its own, now; erased
# at the end, so the data set is left as it was.
WRITER=time-reads-writer
write() {
  curl -sf -o /dev/null -H "Authorization: Bearer $INGEST_KEY" -H 'Content-Type: application/json' \
    --data "[{\"id\": \"tr-$RANDOM$RANDOM\", \"type\": \"heartbeat\", \"agent_id\": \"$AGENT\", \"user_id\": \"$WRITER\", \"at\": \"$(date -u +%FT%T.%3NZ)\"}]" \
    "http://127.0.0.1:$PORT/api/v1/events" || { echo "could not send the live event" >&2; exit 1; }
}
live() { [[ $mode == live ]] && write; "$@"; }
med() { printf '%s\n' "$@" | sort -n | sed -n 3p; }
ms() { awk -v s="$1" 'BEGIN { printf "%.1f ms", s * 1000 }'; }

serve() {
  PULSE_FIGURE_CACHE_MB=$1 PULSE_DATABASE_URL="$URL" $PULSE serve --addr 127.0.0.1:$PORT > "$WORK/serve.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 100); do curl -sf http://127.0.0.1:$PORT/healthz >/dev/null && return; sleep 0.2; done
  echo "the server did not start:" >&2; cat "$WORK/serve.log" >&2; exit 1
}
stop() { kill $SERVER; wait $SERVER 2>/dev/null || true; SERVER=; }

declare -A FOUR ONE APP
for mode in computed live kept; do
  if [[ $mode == computed ]]; then serve 0; else serve 96; fi
  sign_in
  for range in "${RANGES[@]}"; do
    label=${range%%:*}
    q="period=custom&from=${range#*:}&to=$LAST&tz=America/New_York"
    warm_up() {
      for path in overview trend heatmap dashboard; do t "$BASE/$path?$q" >/dev/null; done
      t "$BASE?$q" >/dev/null; app "$q" >/dev/null
    }
    warm_up
    # Kept: timed once every answer has been reused and compressed again
    # (in the background, one at a time; docs/BENCHMARKS.md, "zstd levels").
    if [[ $mode == kept ]]; then warm_up; sleep "$SETTLE"; fi
    four=(); one=(); fn=()
    for _ in 1 2 3 4 5; do
      s=0
      for path in overview trend heatmap ""; do
        url="$BASE/$path?$q"; [[ -z $path ]] && url="$BASE?$q"
        [[ -z $path || $mode != live ]] || [[ $path != overview ]] || write
        s=$(awk -v a="$s" -v b="$(t "$url")" 'BEGIN { print a + b }')
      done
      four+=("$s")
      one+=("$(live t "$BASE/dashboard?$q")")
      fn+=("$(live app "$q")")
    done
    FOUR[$mode,$label]=$(med "${four[@]}")
    ONE[$mode,$label]=$(med "${one[@]}")
    APP[$mode,$label]=$(med "${fn[@]}")
    echo "$mode, $label: four reads $(ms "${FOUR[$mode,$label]}"), dashboard read $(ms "${ONE[$mode,$label]}"), app's server function $(ms "${APP[$mode,$label]}")"
    if [[ $mode == kept ]]; then
      curl -s -H "Authorization: Bearer $KEY" "$BASE/overview?$q" > "$WORK/overview-${label%% *}.json"
      echo "  user table: $(bytes "$BASE?$q" zstd) bytes zstd, $(bytes "$BASE?$q" br) bytes brotli, $(bytes "$BASE?$q" identity) bytes uncompressed"
    fi
  done
  echo "  peak memory of the server ($mode): $(awk '/VmHWM/ { printf "%.0f MB", $2 / 1024 }' /proc/$SERVER/status)"
  if [[ $mode == live ]]; then
    curl -sf -o /dev/null -X DELETE -H "Authorization: Bearer $INGEST_KEY" "http://127.0.0.1:$PORT/api/v1/users/$WRITER" \
      || echo "could not erase $WRITER" >&2
  fi
  stop
done

# DuckDB: the same figures from the raw events, in-process, at the same
# server time (the periods ended before it).
NOW=$(date -u +%FT%TZ)
DUCK=$PULSE_TOOLS/duckdb-venv
[[ -x $DUCK/bin/python ]] || { python3 -m venv "$DUCK" && "$DUCK/bin/pip" install -q duckdb; }
for range in "${RANGES[@]}"; do
  label=${range%%:*}
  json=$("$DUCK/bin/python" "$(dirname "$0")/duckdb-reads.py" --db "$FILE" --agent "$AGENT" \
    --tz America/New_York --from "${range#*:}" --to $LAST --now "$NOW")
  duck=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["median_ms"] / 1000)' "$json")
  echo "DuckDB, $label: $(ms "$duck") ($json)"
  # The same figures, or the comparison means nothing.
  python3 - "$json" "$WORK/overview-${label%% *}.json" <<'CHECK'
import json, sys
duck, pulse = json.loads(sys.argv[1]), json.load(open(sys.argv[2]))
for field in ("active_users", "messages"):
    if duck[field] != pulse[field]:
        sys.exit(f"DuckDB and Pulse disagree on {field}: {duck[field]} != {pulse[field]}")
CHECK
  for mode in computed live kept; do
    awk -v d="$duck" -v f="${FOUR[$mode,$label]}" -v o="${ONE[$mode,$label]}" -v a="${APP[$mode,$label]}" \
      -v m="$mode" -v l="$label" \
      'BEGIN { printf "  %s, %s: DuckDB / four reads %.1fx, / dashboard read %.1fx, / app %.1fx\n", m, l, d / f, d / o, d / a }'
  done
done
