#!/usr/bin/env bash
# Times the Users tab over HTTP on the benchmark data set (largest agent,
# America/New_York, brotli as Chromium asks): the four REST reads in
# sequence against the one dashboard read, Past Month and a year, median of
# 5 after a warm-up. Needs the release `pulse` (scripts/test.sh or run.sh
# build it) and the SQLite data set that `cargo bench -p pulse-db --bench
# dashboard` generates into the cache; works on a copy of it.
set -euo pipefail
source "$(dirname "$0")/env.sh"
PULSE="$CARGO_TARGET_DIR/release/pulse"
WORK=$(mktemp -d)
DB=$WORK/bench.db
sqlite3 "$PULSE_CACHE/bench/bench-v1.db" ".backup $DB"
KEY=$($PULSE key create --scope read --database-url "sqlite://$DB" 2>/dev/null | tail -1)
PULSE_DATABASE_URL="sqlite://$DB" $PULSE serve --addr 127.0.0.1:3999 > "$WORK/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER; rm -rf "$WORK"' EXIT
sleep 3
BASE=http://127.0.0.1:3999/api/v1/agents/algebra-tutor/users
t() { curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $KEY" -H 'Accept-Encoding: br' "$1"; }
YEAR_FROM=$(date -u -d '364 days ago' +%F)
YEAR_TO=$(date -u +%F)
for range in "period=30d" "period=custom&from=$YEAR_FROM&to=$YEAR_TO"; do
  q="$range&tz=America/New_York"
  t "$BASE/dashboard?$q" >/dev/null; t "$BASE?$q" >/dev/null  # warm-up
  four=(); one=()
  for run in 1 2 3 4 5; do
    s=0
    for path in overview trend heatmap ""; do
      url="$BASE/$path?$q"; [[ -z $path ]] && url="$BASE?$q"
      s=$(awk -v a="$s" -v b="$(t "$url")" 'BEGIN { print a + b }')
    done
    four+=("$s")
    one+=("$(t "$BASE/dashboard?$q")")
  done
  med() { printf '%s\n' "$@" | sort -n | sed -n 3p; }
  echo "$range: four reads median $(med "${four[@]}") s; dashboard read median $(med "${one[@]}") s"
done
