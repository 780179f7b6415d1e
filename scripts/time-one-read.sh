#!/usr/bin/env bash
# Times single reads finely, where scripts/time-reads.sh's medians of 5 are
# too coarse (a millisecond of a kept read) or a comparison needs many
# runs (the allocator's effect on a computed or live year): the agent with
# the most learners of a benchmark data set, America/New_York, Chromium's
# Accept-Encoding.
#   kept:    dashboard, overview and user table of 30 and 365 days, each
#            read again 60 times with nothing written (median);
#   year:    the 365-day dashboard computed (PULSE_FIGURE_CACHE_MB=0,
#            median of 5) and live (a heartbeat of a learner of its own
#            before each read, median of 9; erased at the end), with the
#            server's peak memory for each.
#
#   scripts/time-one-read.sh kept|year [small|benchmark|large] [postgres]
#
# PULSE_BIN names the build to time (default: the release `pulse`); the
# environment reaches the server (GLIBC_TUNABLES, say).
set -euo pipefail
usage() { echo "usage: $0 kept|year [small|benchmark|large] [postgres]" >&2; exit 2; }
WHAT=${1:-}
[[ $WHAT == kept || $WHAT == year ]] || usage
SET=${2:-benchmark}
BACKEND=${3:-sqlite}
[[ $SET =~ ^(small|benchmark|large)$ ]] || usage
source "$(dirname "$0")/bench-set.sh"
PORT=3995
SERVER=
trap '[[ -n $SERVER ]] && kill $SERVER 2>/dev/null' EXIT
BASE=http://127.0.0.1:$PORT/api/v1/agents/$AGENT/users
query_of() { echo "period=custom&from=$1&to=2026-11-01&tz=America/New_York"; }
t() {
  curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $KEY" \
    -H 'Accept-Encoding: gzip, deflate, br, zstd' "$1"
}
WRITER=time-one-read-writer
write() {
  curl -sf -o /dev/null -H "Authorization: Bearer $INGEST_KEY" -H 'Content-Type: application/json' \
    --data "[{\"id\": \"tor-$RANDOM$RANDOM\", \"type\": \"heartbeat\", \"agent_id\": \"$AGENT\", \"user_id\": \"$WRITER\", \"at\": \"$(date -u +%FT%T.%3NZ)\"}]" \
    "http://127.0.0.1:$PORT/api/v1/events"
}
# The median time of the command `$2...`, run `$1` times.
median() {
  local runs=$1; shift
  for _ in $(seq "$runs"); do "$@"; done | sort -n | sed -n "$(( (runs + 1) / 2 ))p" \
    | awk '{ printf "%.2f ms", $1 * 1000 }'
}
serve() {
  PULSE_FIGURE_CACHE_MB=$1 PULSE_DATABASE_URL="$URL" $PULSE serve --addr 127.0.0.1:$PORT >/dev/null 2>&1 &
  SERVER=$!
  for _ in $(seq 100); do curl -sf http://127.0.0.1:$PORT/healthz >/dev/null && return; sleep 0.2; done
  echo "the server did not start" >&2; exit 1
}
stop() { kill $SERVER; wait $SERVER 2>/dev/null || true; SERVER=; }
peak() { awk '/VmHWM/ { printf "%.0f MB", $2 / 1024 }' /proc/$SERVER/status; }

case $WHAT in
  kept)
    serve 96
    for from in 2026-10-03 2025-11-02; do
      q=$(query_of $from)
      for _ in 1 2 3; do for path in dashboard overview ""; do t "$BASE/$path?$q" >/dev/null; done; done
      sleep 1 # reused answers compressed again in the background
      echo "kept, from $from: dashboard $(median 60 t "$BASE/dashboard?$q"), overview $(median 60 t "$BASE/overview?$q"), users $(median 60 t "$BASE?$q")"
    done
    stop ;;
  year)
    q=$(query_of 2025-11-02)
    serve 0; t "$BASE/dashboard?$q" >/dev/null
    echo "computed, 365 days: $(median 5 t "$BASE/dashboard?$q"), peak $(peak)"
    stop
    serve 96; t "$BASE/dashboard?$q" >/dev/null
    live() { write && t "$BASE/dashboard?$q"; }
    echo "live, 365 days: $(median 9 live), peak $(peak)"
    curl -sf -o /dev/null -X DELETE -H "Authorization: Bearer $INGEST_KEY" \
      "http://127.0.0.1:$PORT/api/v1/users/$WRITER" || echo "could not erase $WRITER" >&2
    stop ;;
esac
