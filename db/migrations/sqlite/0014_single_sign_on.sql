-- Accounts made by single sign-on (docs/SSO.md): named 'sso:SUBJECT', with
-- the display name the provider gave, no password anyone can sign in with,
-- and the role and agents the provider's claim maps to, replaced at each
-- sign-in. signed_on_by is the provider's issuer URL; NULL: an account made
-- otherwise.
ALTER TABLE accounts ADD COLUMN signed_on_by TEXT;

-- Sign-ins sent to the provider and not back yet: what the answer must
-- match (the state, kept only as a hash; the nonce) and what finishes it
-- (the PKCE verifier, the page to return to). Kept in the database so that
-- any server of a fleet can take the answer; each is taken once.
CREATE TABLE sso_logins (
    state_hash    TEXT    PRIMARY KEY,
    nonce         TEXT    NOT NULL,
    pkce_verifier TEXT    NOT NULL,
    next_path     TEXT    NOT NULL,
    expires_at    INTEGER NOT NULL
);
CREATE INDEX sso_logins_by_expiry ON sso_logins (expires_at);
