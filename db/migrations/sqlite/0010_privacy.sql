-- Erasure log: who erased which learner id and when, and how many events
-- went with them. Nothing else of the learner is kept.
CREATE TABLE erasures (
    id        INTEGER PRIMARY KEY,
    user_key  TEXT    NOT NULL,
    erased_by TEXT    NOT NULL,
    erased_at INTEGER NOT NULL,
    events    INTEGER NOT NULL
);

-- Share links: a read-only view of one agent (optionally one section) for
-- anyone holding the token, whose SHA-256 alone is kept. `period` is a
-- preset that moves with time (today, 7d, 30d) or custom with its dates.
CREATE TABLE share_links (
    id             INTEGER PRIMARY KEY,
    token_hash     TEXT    NOT NULL UNIQUE,
    agent_key      TEXT    NOT NULL,
    section_key    TEXT,
    period         TEXT    NOT NULL,
    from_date      TEXT,
    to_date        TEXT,
    tz             TEXT    NOT NULL,
    min_count      INTEGER NOT NULL,
    password_hash  TEXT,
    created_by     TEXT    NOT NULL,
    created_at     INTEGER NOT NULL,
    expires_at     INTEGER NOT NULL,
    revoked_at     INTEGER,
    last_opened_at INTEGER,
    views          INTEGER NOT NULL DEFAULT 0
);
