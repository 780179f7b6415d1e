-- Failed sign-ins, per account name and per client address, for throttling
-- (in the database, so that every pulse instance sees them).
CREATE TABLE login_failures (
    subject TEXT    NOT NULL,
    at      BIGINT NOT NULL
);
CREATE INDEX login_failures_by_subject ON login_failures (subject, at);
