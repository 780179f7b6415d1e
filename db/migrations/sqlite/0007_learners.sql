-- The learner view reads one learner's events of a period, and their
-- sessions; without this index that is a scan of the agent's events.
CREATE INDEX events_by_user ON events (agent_id, user_id, at);

-- Each user's earliest event on each agent (`first_active`), kept beside
-- the latest like it; filled here from the events.
ALTER TABLE last_activity ADD COLUMN first_at INTEGER;
UPDATE last_activity SET first_at = (
    SELECT MIN(e.at) FROM events e
    WHERE e.agent_id = last_activity.agent_id AND e.user_id = last_activity.user_id
);

-- Follow-up: each time an administrator marks a learner as contacted (or a
-- reminder is sent through the host platform), who, when and a note.
-- Kept per agent and learner; the latest is what the user table shows.
CREATE TABLE contact_marks (
    id        INTEGER PRIMARY KEY,
    agent_id  INTEGER NOT NULL REFERENCES agents (id),
    user_id   INTEGER NOT NULL REFERENCES users (id),
    marked_at INTEGER NOT NULL,
    marked_by TEXT    NOT NULL,
    note      TEXT,
    reminder  INTEGER NOT NULL
);
CREATE INDEX contact_marks_by_learner ON contact_marks (agent_id, user_id, marked_at);
