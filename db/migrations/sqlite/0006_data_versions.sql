-- Each agent's data version: a number that every committed write that can
-- change one of the agent's figures raises, in the same transaction (see
-- the analytics cache). Figures computed once are kept under the version
-- they were read at, so a read after a write never finds an older answer,
-- in this process or in another one on the same database.
ALTER TABLE agents ADD COLUMN data_version INTEGER NOT NULL DEFAULT 0;

-- Names are shared by every agent a user belongs to, so a rename raises
-- one version that all agents' user tables depend on (renames are rare).
-- Only the database knows whether an update really changed a name, hence
-- the trigger. Events, registrations and rollups raise their own agents'
-- versions in the code that writes them, last in their transactions (a
-- per-row trigger on events would cost a write per event). Every writer
-- takes this row before any agent's, so they cannot deadlock.
CREATE TABLE names_version (version INTEGER NOT NULL);
INSERT INTO names_version (version) VALUES (0);

CREATE TRIGGER users_renamed AFTER UPDATE OF username, name ON users
WHEN OLD.username IS NOT NEW.username OR OLD.name IS NOT NEW.name
BEGIN
    UPDATE names_version SET version = version + 1;
END;
