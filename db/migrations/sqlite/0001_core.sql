-- Instants are integer milliseconds since the Unix epoch, UTC, on both
-- backends, so the same arithmetic serves SQLite and PostgreSQL.

CREATE TABLE agents (
    id        INTEGER PRIMARY KEY,
    agent_key TEXT    NOT NULL UNIQUE,
    name      TEXT    NOT NULL
);

CREATE TABLE users (
    id       INTEGER PRIMARY KEY,
    user_key TEXT    NOT NULL UNIQUE,
    username TEXT,
    name     TEXT
);

CREATE TABLE memberships (
    agent_id      INTEGER NOT NULL REFERENCES agents (id),
    user_id       INTEGER NOT NULL REFERENCES users (id),
    registered_at INTEGER NOT NULL,
    automatic     INTEGER NOT NULL,
    PRIMARY KEY (agent_id, user_id)
) WITHOUT ROWID;

-- The source of truth. kind: 0 session_start, 1 heartbeat, 2 message, 3 session_end.
CREATE TABLE events (
    id          INTEGER PRIMARY KEY,
    event_key   TEXT    NOT NULL UNIQUE,
    kind        INTEGER NOT NULL,
    agent_id    INTEGER NOT NULL REFERENCES agents (id),
    user_id     INTEGER NOT NULL REFERENCES users (id),
    at          INTEGER NOT NULL,
    session_key TEXT,
    received_at INTEGER NOT NULL
);
CREATE INDEX events_by_agent_time ON events (agent_id, at, user_id, kind);

-- Rollups, kept in the same transaction as the events they summarise.
-- Per agent, user and UTC day (day = at / 86400000): in which quarter hours
-- of the day the user was active, as two 48-bit masks (bit i of
-- quarters_am is 00:00 + 15 min * i UTC, of quarters_pm 12:00 + 15 min * i),
-- and the day's messages. Every zone's offset since 2000 is a multiple of
-- 15 minutes, so a quarter hour lies in one local hour of any zone.
CREATE TABLE activity_days (
    agent_id    INTEGER NOT NULL,
    day         INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    quarters_am INTEGER NOT NULL,
    quarters_pm INTEGER NOT NULL,
    messages    INTEGER NOT NULL,
    PRIMARY KEY (agent_id, day, user_id)
) WITHOUT ROWID;

-- Messages per agent and UTC quarter hour (slot = at / 900000), for the
-- trend and the heatmap.
CREATE TABLE message_quarters (
    agent_id INTEGER NOT NULL,
    slot     INTEGER NOT NULL,
    messages INTEGER NOT NULL,
    PRIMARY KEY (agent_id, slot)
) WITHOUT ROWID;

-- The latest event of each user on each agent, over all time.
CREATE TABLE last_activity (
    agent_id INTEGER NOT NULL,
    user_id  INTEGER NOT NULL,
    at       INTEGER NOT NULL,
    PRIMARY KEY (agent_id, user_id)
) WITHOUT ROWID;

-- The latest event of each session; session_key '' is the user's session
-- for events without a session_id.
CREATE TABLE sessions (
    agent_id    INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    session_key TEXT    NOT NULL,
    last_at     INTEGER NOT NULL,
    ended       INTEGER NOT NULL,
    PRIMARY KEY (agent_id, user_id, session_key)
) WITHOUT ROWID;
CREATE INDEX sessions_by_recency ON sessions (agent_id, last_at);

CREATE TABLE api_keys (
    id         INTEGER PRIMARY KEY,
    key_hash   TEXT    NOT NULL UNIQUE,
    prefix     TEXT    NOT NULL,
    scope      TEXT    NOT NULL,
    all_agents INTEGER NOT NULL,
    label      TEXT,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
);

CREATE TABLE api_key_agents (
    key_id    INTEGER NOT NULL REFERENCES api_keys (id),
    agent_key TEXT    NOT NULL,
    PRIMARY KEY (key_id, agent_key)
) WITHOUT ROWID;
