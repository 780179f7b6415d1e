-- Each agent's history version: raised, with its data version, by every
-- write that can change its activity before the open days (the UTC days
-- from the day before yesterday's end on; see analytics::facts::closed_until):
-- an event that arrives late, an erasure, a purge, a rollup rebuild, and
-- every write other than ingest. Ingesting recent events raises only the
-- data version. The facts of closed days are kept under this version, so
-- an agent receiving events all the time still reuses them.
ALTER TABLE agents ADD COLUMN history_version BIGINT NOT NULL DEFAULT 0;
