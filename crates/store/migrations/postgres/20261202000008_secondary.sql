-- PostgreSQL; see the SQLite migration of the same name. Secondary handling (二次处置): one row per dispute incident that went "结果反馈 → 分析研判
-- → 指令派单", with its state, the officer it was instructed to and when each step was
-- taken, so the command room's list, the officer's tasks and the success rate read one
-- table. node_id is the incident's (the scope).

CREATE TABLE secondary_tasks (
    incident_id    TEXT PRIMARY KEY REFERENCES incidents (id),
    node_id        TEXT NOT NULL REFERENCES jurisdiction_nodes (id),
    reasons        TEXT NOT NULL,
    state          TEXT NOT NULL,
    staff_id       TEXT REFERENCES staff (id),
    analysis       TEXT,
    instruction    TEXT,
    progress       BIGINT NOT NULL,
    last_note      TEXT,
    outcome_note   TEXT,
    opened_at      TEXT NOT NULL,
    instructed_at  TEXT,
    progressed_at  TEXT,
    concluded_at   TEXT,
    updated_at     TEXT NOT NULL
);
CREATE INDEX secondary_by_node ON secondary_tasks (node_id, opened_at);
CREATE INDEX secondary_by_staff ON secondary_tasks (staff_id, state);
