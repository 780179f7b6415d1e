-- Dashboard accounts. role: 'superadmin' (every agent, manages accounts and
-- keys) or 'admin' (only the agents granted in account_agents).
CREATE TABLE accounts (
    id            INTEGER PRIMARY KEY,
    username      TEXT    NOT NULL UNIQUE,
    password_hash TEXT    NOT NULL,
    role          TEXT    NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
);

CREATE TABLE account_agents (
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    agent_key  TEXT    NOT NULL,
    PRIMARY KEY (account_id, agent_key)
) WITHOUT ROWID;

-- Signed-in browsers: only a hash of the cookie's token is kept, so the
-- table gives nobody a usable session. Shared by every pulse instance.
CREATE TABLE auth_sessions (
    token_hash   TEXT    NOT NULL PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts (id),
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
);
CREATE INDEX auth_sessions_by_account ON auth_sessions (account_id);
