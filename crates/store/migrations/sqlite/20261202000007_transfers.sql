-- Non-police matters transferred to partner agencies (非警务分流转办): one row per
-- transferred incident with the current step, its deadline and the time of each step,
-- so the agency's inbox, the station's list and the escalation sweep read one table.
-- node_id is the incident's (the scope); partner_id the agency it is with now.
-- The transfer list (分流转办清单): category × area → agency, data an administrator edits.

CREATE TABLE transfers (
    incident_id      TEXT PRIMARY KEY REFERENCES incidents (id),
    partner_id       TEXT NOT NULL REFERENCES partner_agencies (id),
    rule_id          TEXT,
    overridden       INTEGER NOT NULL,
    handle_hours     INTEGER,
    node_id          TEXT NOT NULL REFERENCES jurisdiction_nodes (id),
    state            TEXT NOT NULL,
    step             TEXT,
    due_at           TEXT,
    assigned_at      TEXT NOT NULL,
    signed_at        TEXT,
    verified_at      TEXT,
    handled_at       TEXT,
    fed_back_at      TEXT,
    evaluated_at     TEXT,
    reviewed_at      TEXT,
    verify_note      TEXT,
    handle_note      TEXT,
    feedback         TEXT,
    decline_reason   TEXT,
    satisfaction     TEXT,
    evaluation_note  TEXT,
    review_note      TEXT,
    returned         INTEGER NOT NULL,
    escalated_step   TEXT,
    escalated_at     TEXT,
    escalations      INTEGER NOT NULL,
    supervision_note TEXT,
    updated_at       TEXT NOT NULL
);
CREATE INDEX transfers_by_partner ON transfers (partner_id, state);
CREATE INDEX transfers_by_node ON transfers (node_id, state);
CREATE INDEX transfers_by_due ON transfers (state, due_at);

CREATE TABLE transfer_rules (
    id           TEXT PRIMARY KEY,
    category     TEXT NOT NULL,
    node_id      TEXT REFERENCES jurisdiction_nodes (id),
    partner_id   TEXT NOT NULL REFERENCES partner_agencies (id),
    handle_hours INTEGER,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
