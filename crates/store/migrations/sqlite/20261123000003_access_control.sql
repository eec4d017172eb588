-- Access control: accounts gain service-account, lock and second-factor columns; staff
-- gain a home node (for people without a unit); sessions, settings, the role →
-- permission table and API tokens get tables.
--
-- Sessions are operational state, not records: they are written directly, while the
-- transitions that matter (sign-in, sign-out, lockout) are events. `login_failures`,
-- `settings`, `role_permissions` and `api_tokens` are read models of events.

ALTER TABLE staff ADD COLUMN node_id TEXT REFERENCES jurisdiction_nodes (id);
CREATE INDEX staff_by_node ON staff (node_id);

ALTER TABLE users ADD COLUMN service_account INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_until TEXT;
-- Base32 TOTP secret: a side write like the password hash, never in an event.
ALTER TABLE users ADD COLUMN totp_secret TEXT;
-- The last accepted TOTP time step: a code is accepted once (RFC 6238, 5.2).
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;
ALTER TABLE users ADD COLUMN password_changed_at TEXT;
ALTER TABLE users ADD COLUMN last_login_at TEXT;

-- Only the SM3 hash of a session token is stored: a copy of this table does not let
-- anyone take over a session.
CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      TEXT REFERENCES users (id),
    stage        TEXT NOT NULL CHECK (stage IN ('anonymous', 'second_factor', 'active')),
    csrf_token   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE login_failures (
    username TEXT NOT NULL,
    at       TEXT NOT NULL
);
CREATE INDEX login_failures_by_username ON login_failures (username, at);

CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE role_permissions (
    role       TEXT NOT NULL,
    permission TEXT NOT NULL,
    PRIMARY KEY (role, permission)
);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id),
    name         TEXT NOT NULL,
    token_hash   TEXT,
    created_at   TEXT NOT NULL,
    expires_at   TEXT,
    revoked_at   TEXT,
    last_used_at TEXT
);
CREATE UNIQUE INDEX api_tokens_by_hash ON api_tokens (token_hash);

CREATE INDEX events_by_stream_kind ON events (stream_kind, seq);
