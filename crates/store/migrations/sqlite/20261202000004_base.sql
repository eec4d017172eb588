-- The base (一标三实): standard addresses and the housing, population and units at them,
-- plus collection campaigns. Every record keeps the grid it lies in (node_id, copied from
-- its address when it is saved and when the address moves), so that scoping a list to
-- a jurisdiction is one indexed join with the closure table, as for the organisation.
-- verified_at/verified_by hold the last check on the spot (核查), for 信息鲜活度.

CREATE TABLE std_addresses (
    id          TEXT PRIMARY KEY,
    code        TEXT NOT NULL,
    text        TEXT NOT NULL,
    node_id     TEXT NOT NULL REFERENCES jurisdiction_nodes (id),
    lng         DOUBLE PRECISION,
    lat         DOUBLE PRECISION,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    verified_at TEXT,
    verified_by TEXT,
    CONSTRAINT std_addresses_code_unique UNIQUE (code)
);
CREATE INDEX std_addresses_by_node ON std_addresses (node_id);

CREATE TABLE houses (
    id          TEXT PRIMARY KEY,
    address_id  TEXT NOT NULL REFERENCES std_addresses (id),
    node_id     TEXT NOT NULL REFERENCES jurisdiction_nodes (id),
    room        TEXT,
    usage       TEXT NOT NULL CHECK (usage IN ('owner_occupied', 'rental', 'vacant', 'commercial')),
    landlord_id TEXT,
    note        TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    verified_at TEXT,
    verified_by TEXT
);
CREATE INDEX houses_by_address ON houses (address_id);
CREATE INDEX houses_by_node ON houses (node_id);

CREATE TABLE people (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL,
    id_number        TEXT,
    phone            TEXT,
    registration     TEXT NOT NULL CHECK (registration IN ('registered', 'floating', 'foreign')),
    address_id       TEXT NOT NULL REFERENCES std_addresses (id),
    house_id         TEXT REFERENCES houses (id),
    node_id          TEXT NOT NULL REFERENCES jurisdiction_nodes (id),
    key_reason       TEXT,
    visit_every_days INTEGER,
    key_since        TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    verified_at      TEXT,
    verified_by      TEXT
);
CREATE INDEX people_by_address ON people (address_id);
CREATE INDEX people_by_house ON people (house_id);
CREATE INDEX people_by_node ON people (node_id);
CREATE INDEX people_by_id_number ON people (id_number);

CREATE TABLE establishments (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL,
    address_id    TEXT NOT NULL REFERENCES std_addresses (id),
    node_id       TEXT NOT NULL REFERENCES jurisdiction_nodes (id),
    contact_name  TEXT,
    contact_phone TEXT,
    licence       TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    verified_at   TEXT,
    verified_by   TEXT
);
CREATE INDEX establishments_by_address ON establishments (address_id);
CREATE INDEX establishments_by_node ON establishments (node_id);

CREATE TABLE campaigns (
    id         TEXT PRIMARY KEY,
    node_id    TEXT NOT NULL REFERENCES jurisdiction_nodes (id),
    name       TEXT NOT NULL,
    due_date   TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX campaigns_by_node ON campaigns (node_id);

CREATE TABLE campaign_items (
    campaign_id TEXT NOT NULL REFERENCES campaigns (id),
    record_kind TEXT NOT NULL,
    record_id   TEXT NOT NULL,
    verified_at TEXT,
    verified_by TEXT,
    PRIMARY KEY (campaign_id, record_kind, record_id)
);
CREATE INDEX campaign_items_by_record ON campaign_items (record_id);
