-- Annotations: dated notes of an agent shown on its trend ("Midterm
-- week"). Local calendar dates as YYYY-MM-DD text (no zone: a date is the
-- same date in every zone); `end_date` included, none for one date.
CREATE TABLE annotations (
    agent_id      BIGINT  NOT NULL REFERENCES agents (id),
    annotation_key TEXT   NOT NULL,
    date          TEXT    NOT NULL,
    end_date      TEXT,
    label         TEXT    NOT NULL,
    PRIMARY KEY (agent_id, annotation_key)
);
