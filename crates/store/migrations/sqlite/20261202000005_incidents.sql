-- Incidents (警情): one row per incident with its current state and the time of each
-- step, so that the board, the officer's list and the 1/3/5-minute figures read one
-- table. The repeats found at intake are kept as (incident, rule, earlier incident).
-- node_id is the matched address's grid or, unmatched, the receiving station: the scope.

CREATE TABLE incidents (
    id               TEXT PRIMARY KEY,
    number           TEXT NOT NULL,
    external_number  TEXT,
    source           TEXT NOT NULL,
    called_at        TEXT NOT NULL,
    received_at      TEXT NOT NULL,
    caller_name      TEXT,
    caller_phone     TEXT,
    caller_id_number TEXT,
    address_text     TEXT NOT NULL,
    narrative        TEXT NOT NULL,
    category_initial TEXT,
    category         TEXT,
    branch           TEXT,
    branch_note      TEXT,
    address_id       TEXT REFERENCES std_addresses (id),
    node_id          TEXT NOT NULL REFERENCES jurisdiction_nodes (id),
    match_score      DOUBLE PRECISION,
    lng              DOUBLE PRECISION,
    lat              DOUBLE PRECISION,
    state            TEXT NOT NULL,
    assignee_id      TEXT REFERENCES staff (id),
    triaged_at       TEXT,
    dispatched_at    TEXT,
    accepted_at      TEXT,
    arrived_at       TEXT,
    handled_at       TEXT,
    closed_at        TEXT,
    result_code      TEXT,
    feedback         TEXT,
    repeat_person    INTEGER NOT NULL,
    repeat_place     INTEGER NOT NULL,
    repeat_category  INTEGER NOT NULL,
    updated_at       TEXT NOT NULL,
    CONSTRAINT incidents_number_unique UNIQUE (number),
    CONSTRAINT incidents_external_number_unique UNIQUE (external_number)
);
CREATE INDEX incidents_by_node ON incidents (node_id, called_at);
CREATE INDEX incidents_by_state ON incidents (state, called_at);
CREATE INDEX incidents_by_assignee ON incidents (assignee_id, state);
CREATE INDEX incidents_by_address ON incidents (address_id, called_at);
CREATE INDEX incidents_by_called_at ON incidents (called_at);

CREATE TABLE incident_repeats (
    incident_id TEXT NOT NULL REFERENCES incidents (id),
    rule        TEXT NOT NULL CHECK (rule IN ('person', 'place', 'category')),
    earlier_id  TEXT NOT NULL,
    PRIMARY KEY (incident_id, rule, earlier_id)
);
