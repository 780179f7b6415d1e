-- Event ids are unique per agent: they were unique across agents, so a key
-- for one agent could learn which ids another agent had stored (answered
-- as duplicates), and an event of one agent could silently shadow another
-- agent's event with the same id.
ALTER TABLE events ADD CONSTRAINT events_agent_event_key UNIQUE (agent_id, event_key);
ALTER TABLE events DROP CONSTRAINT events_event_key_key;
