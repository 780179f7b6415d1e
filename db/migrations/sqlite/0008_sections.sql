-- Sections: named groups of an agent's learners (classes, cohorts).
-- `section_key` is the public id (the characters of an agent id), unique
-- per agent. Membership is the current one: figures of a section count
-- its members' events over all time.
CREATE TABLE sections (
    id          INTEGER PRIMARY KEY,
    agent_id    INTEGER NOT NULL REFERENCES agents (id),
    section_key TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    UNIQUE (agent_id, section_key)
);

CREATE TABLE section_members (
    section_id INTEGER NOT NULL REFERENCES sections (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    PRIMARY KEY (section_id, user_id)
) WITHOUT ROWID;
-- Erasure removes a user from every section.
CREATE INDEX section_members_by_user ON section_members (user_id);

-- An administrator's grant of an agent limited to some of its sections
-- (a teaching assistant sees only their class): no row, the whole agent.
CREATE TABLE account_agent_sections (
    account_id  INTEGER NOT NULL REFERENCES accounts (id),
    agent_key   TEXT    NOT NULL,
    section_key TEXT    NOT NULL,
    PRIMARY KEY (account_id, agent_key, section_key)
) WITHOUT ROWID;

-- The same for API keys limited to agents.
CREATE TABLE api_key_sections (
    key_id      INTEGER NOT NULL REFERENCES api_keys (id),
    agent_key   TEXT    NOT NULL,
    section_key TEXT    NOT NULL,
    PRIMARY KEY (key_id, agent_key, section_key)
) WITHOUT ROWID;
