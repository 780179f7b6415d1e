-- Event ids are unique per agent: they were unique across agents, so a key
-- for one agent could learn which ids another agent had stored (answered
-- as duplicates), and an event of one agent could silently shadow another
-- agent's event with the same id. SQLite cannot drop a table constraint:
-- the table is rebuilt with the same rows and row ids.
CREATE TABLE events_per_agent (
    id          INTEGER PRIMARY KEY,
    event_key   TEXT    NOT NULL,
    kind        INTEGER NOT NULL,
    agent_id    INTEGER NOT NULL REFERENCES agents (id),
    user_id     INTEGER NOT NULL REFERENCES users (id),
    at          INTEGER NOT NULL,
    session_key TEXT,
    received_at INTEGER NOT NULL,
    UNIQUE (agent_id, event_key)
);
INSERT INTO events_per_agent (id, event_key, kind, agent_id, user_id, at, session_key, received_at)
    SELECT id, event_key, kind, agent_id, user_id, at, session_key, received_at FROM events;
DROP TABLE events;
ALTER TABLE events_per_agent RENAME TO events;
CREATE INDEX events_by_agent_time ON events (agent_id, at, user_id, kind);
