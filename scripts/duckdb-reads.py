#!/usr/bin/env python3
"""DuckDB baseline for the Users tab's four REST reads (overview, trend,
heatmap, user table), computed in-process from the raw events of one agent,
with the definitions of METRICS.md.

Needs duckdb, installed with `pip install duckdb` in a venv (time-reads.sh
uses $PULSE_TOOLS/duckdb-venv); otherwise standard library only:

    $PULSE_TOOLS/duckdb-venv/bin/python scripts/duckdb-reads.py --db bench.db \
        --agent algebra-tutor --tz America/New_York --from 2026-10-03 \
        --to 2026-11-01 --now 2026-11-01T17:00:00Z [--runs 5]

The period is custom&from&to at server time --now: it ends at --now if that
comes first, and the trend is hourly for at most 2 days, as in Pulse.
Exporting from SQLite and loading into DuckDB are not timed; the four reads
are, median of --runs after one warm-up. Prints one line of JSON (trend_days
counts the trend's buckets). Not computed: `online`, which needs sessions,
not just (at, user_id, kind).
"""

import argparse, csv, json, os, sqlite3, statistics, tempfile, time
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import duckdb

MS = timedelta(milliseconds=1)
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def millis(at):
    return (at - EPOCH) // MS


def resolve_local(tz, local):
    # As Pulse's resolve_local: the earlier instant of a repeated time, the
    # first instant after a gap (gaps are whole minutes).
    for minute in range(48 * 60):
        probe = local + timedelta(minutes=minute)
        at = probe.replace(tzinfo=tz, fold=0)
        if at.astimezone(timezone.utc).astimezone(tz).replace(tzinfo=None) == probe:
            return millis(at)
    raise ValueError(f"no local time {local} in {tz}")


def period(tz_name, first, last, now):
    """The period and previous period as ms, as ResolvedPeriod::resolve does
    (not timed: Pulse resolves it before reading too)."""
    tz, days = ZoneInfo(tz_name), (last - first).days + 1
    midnight = lambda d: resolve_local(tz, datetime.combine(d, datetime.min.time()))
    start, full_end = midnight(first), midnight(last + timedelta(days=1))
    end = min(full_end, millis(now))
    if end == full_end:
        previous_end = start
    else:  # the same local time of day, N local days earlier
        local_end = (EPOCH + end * MS).astimezone(tz).replace(tzinfo=None)
        previous_end = resolve_local(tz, local_end - timedelta(days=days))
    return dict(tz=tz_name, start=start, end=end, pstart=midnight(first - timedelta(days=days)),
                pend=previous_end, now=millis(now),
                since30d=millis(now) - 30 * 86_400_000, hourly=days <= 2)


def load(db_path, agent):
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")  # TIMESTAMP <-> TIMESTAMPTZ casts are then UTC
    src = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    # The API's agent_id is agents.agent_key; a bare number may be agents.id.
    row = src.execute("SELECT id FROM agents WHERE agent_key = ?1 OR CAST(id AS TEXT) = ?1"
                      " ORDER BY agent_key = ?1 DESC LIMIT 1", (agent,)).fetchone()
    if row is None:
        raise SystemExit(f"no agent {agent!r} in {db_path}")
    agent = row[0]
    with tempfile.TemporaryDirectory() as tmp:
        events, members = os.path.join(tmp, "events.csv"), os.path.join(tmp, "members.json")
        with open(events, "w", newline="") as f:
            csv.writer(f).writerows(src.execute(
                "SELECT at, user_id, kind FROM events WHERE agent_id = ? ORDER BY at", (agent,)))
        with open(members, "w") as f:
            # JSON, not CSV: it tells a NULL username or name from an empty one.
            for row in src.execute(
                    "SELECT m.user_id, m.registered_at, u.user_key, u.username, u.name"
                    " FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.agent_id = ?", (agent,)):
                f.write(json.dumps(row) + "\n")
        con.execute(f"""CREATE TABLE events AS
            SELECT at_ms, user_id, kind, epoch_ms(at_ms)::TIMESTAMPTZ AS ts FROM read_csv('{events}',
                header = false, columns = {{'at_ms': 'BIGINT', 'user_id': 'BIGINT', 'kind': 'TINYINT'}})""")
        con.execute(f"""CREATE TABLE members AS SELECT r[1]::BIGINT AS user_id,
            r[2]::BIGINT AS registered_at, r[3] AS user_key, r[4] AS username, r[5] AS name
            FROM read_json('{members}', format = 'newline_delimited', columns = {{'r': 'VARCHAR[]'}})""")
    src.close()
    return con


def reads(con, p):
    """The four reads; every figure is fetched into Python."""
    q = lambda sql: con.execute(sql, {k: v for k, v in p.items() if f"${k}" in sql}).fetchall()
    in_period = "at_ms >= $start AND at_ms < $end"
    in_previous = "at_ms >= $pstart AND at_ms < $pend"
    # The rows any read of the period needs, each with its local time once.
    q("""CREATE OR REPLACE TEMP TABLE w AS
         SELECT user_id, kind, at_ms, timezone($tz, ts) AS l FROM events
         WHERE at_ms >= least($pstart, $since30d) AND at_ms <= $now""")
    # The period's local calendar from its UTC quarter hours: every zone's
    # offset is a multiple of 15 minutes, so these touch every local hour.
    q("""CREATE OR REPLACE TEMP TABLE cal AS
         SELECT q, timezone($tz, q) AS l FROM range(epoch_ms($start)::TIMESTAMPTZ,
             epoch_ms($end)::TIMESTAMPTZ, INTERVAL 15 MINUTE) t(q)""")

    overview = q(f"""SELECT count(DISTINCT user_id) FILTER ({in_period}),
            count(*) FILTER (kind = 2 AND {in_period}),
            count(DISTINCT user_id) FILTER ({in_previous}),
            count(*) FILTER (kind = 2 AND {in_previous}),
            count(DISTINCT user_id) FILTER (at_ms >= $since30d),
            (SELECT count(*) FROM members)
        FROM w""")[0]

    # An hour bucket is a local hour at one UTC offset (a repeated hour twice).
    key = ("date_trunc('hour', l) AS k1, l - {utc} AS k2" if p["hourly"]
           else "l::DATE AS k1, 0 AS k2")
    trend = q(f"""WITH b AS (SELECT {key.format(utc='q::TIMESTAMP')}, min(q) AS start
                             FROM cal GROUP BY ALL),
            e AS (SELECT {key.format(utc='epoch_ms(at_ms)')}, count(DISTINCT user_id) AS users,
                         count(*) FILTER (kind = 2) AS messages
                  FROM w WHERE {in_period} GROUP BY ALL)
        SELECT b.start, coalesce(users, 0), coalesce(messages, 0)
        FROM b LEFT JOIN e USING (k1, k2) ORDER BY b.start""")

    # A cell's hour is fixed, so its (user, date, hour) triples are (user, date) pairs.
    heatmap = q(f"""SELECT isodow(l) - 1, hour(l), count(DISTINCT (user_id, l::DATE)),
            count(*) FILTER (kind = 2) FROM w WHERE {in_period} GROUP BY ALL""")
    # Totals are distinct users, not sums of cells. (Not GROUPING SETS: DISTINCT
    # under them took 1.4 s instead of 0.35 s on 1M events.)
    totals = q(f"""SELECT 'weekday', isodow(l) - 1, count(DISTINCT user_id) FROM w WHERE {in_period}
            GROUP BY ALL
        UNION ALL SELECT 'hour', hour(l), count(DISTINCT user_id) FROM w WHERE {in_period} GROUP BY ALL""")
    occurrences = q("SELECT isodow(l) - 1, hour(l), count(DISTINCT l::DATE) FROM cal GROUP BY ALL")

    users = q(f"""WITH e AS (SELECT user_id, count(*) FILTER (kind = 2 AND {in_period}) AS messages,
                                 count(DISTINCT l::DATE) FILTER ({in_period}) AS days
                          FROM w WHERE {in_period} GROUP BY user_id),
            last AS (SELECT user_id, max(at_ms) AS at_ms FROM events GROUP BY user_id)
        SELECT m.user_key, m.username, m.name, m.registered_at,
               coalesce(e.messages, 0), coalesce(e.days, 0), last.at_ms
        FROM members m LEFT JOIN e USING (user_id) LEFT JOIN last USING (user_id)
        ORDER BY m.user_key""")
    return dict(overview=overview, trend=trend, heatmap=heatmap, totals=totals,
                occurrences=occurrences, users=users)


def same_rules(con, tz_name):
    """Whether DuckDB's ICU gives the period the local times that Python's
    zoneinfo (the system tzdata) does: ICU ships its own, possibly newer,
    tzdata than Pulse's chrono-tz, and zones change (Vancouver from 2026-11)."""
    tz = ZoneInfo(tz_name)
    return all(q.astimezone(tz).replace(tzinfo=None) == l
               for q, l in con.execute("SELECT q, l FROM cal").fetchall())


def main():
    args = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    args.add_argument("--db", required=True)
    args.add_argument("--agent", required=True, help="agent_key (the API's agent_id) or agents.id")
    args.add_argument("--tz", default="UTC")
    args.add_argument("--from", dest="first", required=True, type=date.fromisoformat)
    args.add_argument("--to", dest="last", required=True, type=date.fromisoformat)
    args.add_argument("--now", required=True, type=datetime.fromisoformat, help="RFC 3339, e.g. 2026-11-01T17:00:00Z")
    args.add_argument("--runs", type=int, default=5)
    a = args.parse_args()
    if a.first > a.last:
        args.error("--from must not be after --to")
    p = period(a.tz, a.first, a.last, a.now)
    con = load(a.db, a.agent)
    reads(con, p)  # warm-up
    runs_ms = []
    for _ in range(a.runs):
        started = time.perf_counter()
        r = reads(con, p)
        runs_ms.append(round((time.perf_counter() - started) * 1000, 2))
    active, messages, p_active, p_messages, active_30d, registered = r["overview"]
    print(json.dumps({
        "engine": "duckdb", "version": duckdb.__version__,
        "events": con.execute("SELECT count(*) FROM events").fetchone()[0],
        "median_ms": statistics.median(runs_ms), "runs_ms": runs_ms,
        "active_users": active, "messages": messages,
        "previous_active_users": p_active, "previous_messages": p_messages,
        "active_30d": active_30d, "registered": registered,
        "granularity": "hour" if p["hourly"] else "day",
        "trend_days": len(r["trend"]), "users_rows": len(r["users"]),
        "tz_rules_agree": same_rules(con, a.tz),
    }))


if __name__ == "__main__":
    main()
