# What the HTTP benchmark scripts share; sourced, not run, with SET
# (small|benchmark|large) and BACKEND (sqlite|postgres) set. Gives STEM,
# FILE, URL, query (SQL on the set), PULSE (PULSE_BIN, else the release
# build), read and ingest keys (KEY, INGEST_KEY) and the agent with the most
# learners (AGENT).
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
case $SET in
  benchmark) STEM=bench-v1 ;;
  small) STEM=bench-small-v1 ;;
  large) STEM=bench-large-v2 ;;
  *) echo "unknown data set $SET: small, benchmark or large" >&2; exit 2 ;;
esac
FILE=$PULSE_CACHE/bench/$STEM.db
[[ -f $FILE ]] || { echo "no data set at $FILE: run cargo bench -p pulse-db --bench growth -- $SET --sqlite-only" >&2; exit 1; }
if [[ $BACKEND == postgres ]]; then
  URL=${PULSE_TEST_POSTGRES_URL%/*}/pulse_${STEM//-/_}
  query() { psql -qAt "$URL" -c "$1"; }
else
  URL=sqlite://$FILE
  query() { sqlite3 "$FILE" "$1"; }
fi
PULSE="${PULSE_BIN:-$CARGO_TARGET_DIR/release/pulse}"
KEY=$($PULSE key create --scope read --database-url "$URL" 2>/dev/null | tail -1)
INGEST_KEY=$($PULSE key create --scope ingest --database-url "$URL" 2>/dev/null | tail -1)
AGENT=$(query "SELECT a.agent_key FROM memberships m JOIN agents a ON a.id = m.agent_id
               GROUP BY a.id ORDER BY count(*) DESC LIMIT 1")
