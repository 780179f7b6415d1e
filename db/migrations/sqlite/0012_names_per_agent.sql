-- A learner's username and name as each agent knows them: what was sent
-- for that agent (its events, its roster, its registrations), or by a
-- caller for every agent. One agent's callers never see the names another
-- agent's sent (docs/METRICS.md, "Learners and their names"). Filled here
-- from the names every agent shared until now, so figures read the same.
ALTER TABLE memberships ADD COLUMN username TEXT;
ALTER TABLE memberships ADD COLUMN name TEXT;
-- Whether the registration is the host platform's word that the learner is
-- enrolled (events, API keys, superadministrators, the command line), as
-- opposed to an id an administrator of some agents typed by hand: reminders
-- go only to the former, or to learners who used the agent. Every
-- registration made before counts as the platform's.
ALTER TABLE memberships ADD COLUMN vouched INTEGER NOT NULL DEFAULT 1;
UPDATE memberships SET
    username = (SELECT u.username FROM users u WHERE u.id = memberships.user_id),
    name = (SELECT u.name FROM users u WHERE u.id = memberships.user_id);

-- A rename on one agent retires every kept user table, like a rename of
-- the shared names did (migration 0006).
CREATE TRIGGER memberships_renamed AFTER UPDATE OF username, name ON memberships
WHEN OLD.username IS NOT NEW.username OR OLD.name IS NOT NEW.name
BEGIN
    UPDATE names_version SET version = version + 1;
END;
