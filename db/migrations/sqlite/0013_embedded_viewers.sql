-- Viewers who arrive from a host platform with a signed embedding token
-- (docs/EMBED.md): an account made on their first visit, named
-- 'embed:INTEGRATION:SUBJECT', with the display name the token gave and no
-- password anyone can sign in with. Their grants are replaced by each
-- token's. NULL embedded_by: an account made in Settings or on the
-- command line.
ALTER TABLE accounts ADD COLUMN embedded_by TEXT;
ALTER TABLE accounts ADD COLUMN display_name TEXT;

-- The ids of embedding tokens already used, until they expire: a token
-- opens one session, once, on every server sharing this database.
CREATE TABLE embed_token_uses (
    integration TEXT    NOT NULL,
    token_id    TEXT    NOT NULL,
    expires_at  INTEGER NOT NULL,
    PRIMARY KEY (integration, token_id)
);
CREATE INDEX embed_token_uses_by_expiry ON embed_token_uses (expires_at);
