-- Which agents a user belongs to, looked up by user: a key limited to some
-- agents may name only users of those agents, checked at ingest.
CREATE INDEX memberships_by_user ON memberships (user_id);
CREATE INDEX last_activity_by_user ON last_activity (user_id);
