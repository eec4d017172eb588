-- Read models of the organisation (组织与辖区) and the code tables. They are derived
-- from the event log and updated in the same transaction as the events that change them.
-- Booleans are BIGINT 0/1 and times canonical RFC 3339 TEXT, the same on both backends.

CREATE TABLE code_entries (
    code_table TEXT    NOT NULL,
    code       TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    name_en    TEXT    NOT NULL,
    parent     TEXT,
    sort_order BIGINT NOT NULL,
    active     BIGINT NOT NULL,
    updated_at TEXT    NOT NULL,
    PRIMARY KEY (code_table, code)
);

CREATE TABLE jurisdiction_nodes (
    id         TEXT PRIMARY KEY,
    parent_id  TEXT REFERENCES jurisdiction_nodes (id),
    level      TEXT NOT NULL CHECK (level IN ('bureau', 'station', 'community', 'grid')),
    code       TEXT NOT NULL,
    name       TEXT NOT NULL,
    boundary   TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CONSTRAINT jurisdiction_nodes_code_unique UNIQUE (code)
);
CREATE INDEX jurisdiction_nodes_by_parent ON jurisdiction_nodes (parent_id);

-- The closure of the tree: one row per (ancestor, descendant), including each node with
-- itself at depth 0. Scoping "everything under this station" becomes one indexed join.
CREATE TABLE jurisdiction_closure (
    ancestor_id   TEXT    NOT NULL REFERENCES jurisdiction_nodes (id),
    descendant_id TEXT    NOT NULL REFERENCES jurisdiction_nodes (id),
    depth         BIGINT NOT NULL,
    PRIMARY KEY (ancestor_id, descendant_id)
);
CREATE INDEX jurisdiction_closure_by_descendant ON jurisdiction_closure (descendant_id);

CREATE TABLE posts (
    id         TEXT PRIMARY KEY,
    node_id    TEXT NOT NULL REFERENCES jurisdiction_nodes (id),
    kind       TEXT NOT NULL,
    name       TEXT NOT NULL,
    lng        DOUBLE PRECISION,
    lat        DOUBLE PRECISION,
    created_at TEXT NOT NULL
);

CREATE TABLE units (
    id         TEXT PRIMARY KEY,
    node_id    TEXT NOT NULL REFERENCES jurisdiction_nodes (id),
    kind       TEXT NOT NULL,
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE staff (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    badge_number TEXT NOT NULL,
    unit_id      TEXT REFERENCES units (id),
    phone        TEXT,
    created_at   TEXT NOT NULL,
    CONSTRAINT staff_badge_number_unique UNIQUE (badge_number)
);

CREATE TABLE staff_roles (
    staff_id TEXT NOT NULL REFERENCES staff (id),
    role     TEXT NOT NULL,
    PRIMARY KEY (staff_id, role)
);

CREATE TABLE staff_specialties (
    staff_id TEXT NOT NULL REFERENCES staff (id),
    category TEXT NOT NULL,
    PRIMARY KEY (staff_id, category)
);

-- The "1+2+3" pairing: who is the officer, the auxiliaries and the grid workers of a
-- community or grid.
CREATE TABLE staff_assignments (
    staff_id    TEXT NOT NULL REFERENCES staff (id),
    node_id     TEXT NOT NULL REFERENCES jurisdiction_nodes (id),
    duty        TEXT NOT NULL CHECK (duty IN ('officer', 'auxiliary', 'grid_worker')),
    assigned_at TEXT NOT NULL,
    PRIMARY KEY (staff_id, node_id)
);
CREATE INDEX staff_assignments_by_node ON staff_assignments (node_id);

CREATE TABLE partner_agencies (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    department    TEXT,
    residency     TEXT NOT NULL CHECK (residency IN ('standing', 'rotating')),
    node_id       TEXT NOT NULL REFERENCES jurisdiction_nodes (id),
    contact_phone TEXT,
    created_at    TEXT NOT NULL
);

-- Accounts. The password hash lives only here, never in an event.
CREATE TABLE users (
    id                   TEXT PRIMARY KEY,
    username             TEXT    NOT NULL,
    display_name         TEXT    NOT NULL,
    staff_id             TEXT REFERENCES staff (id),
    partner_id           TEXT REFERENCES partner_agencies (id),
    password_hash        TEXT,
    must_change_password BIGINT NOT NULL,
    active               BIGINT NOT NULL,
    created_at           TEXT    NOT NULL,
    CONSTRAINT users_username_unique UNIQUE (username)
);

CREATE TABLE user_roles (
    user_id TEXT NOT NULL REFERENCES users (id),
    role    TEXT NOT NULL,
    PRIMARY KEY (user_id, role)
);

CREATE TABLE user_jurisdictions (
    user_id TEXT NOT NULL REFERENCES users (id),
    node_id TEXT NOT NULL REFERENCES jurisdiction_nodes (id),
    PRIMARY KEY (user_id, node_id)
);
