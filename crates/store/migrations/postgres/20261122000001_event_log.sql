-- The event log (全流程回溯): every change of state, hash-chained with SM3.
-- See the SQLite migration of the same name for the reasoning; the schema is the same,
-- with PostgreSQL's own ways of refusing changes.
CREATE TABLE events (
    seq            BIGINT PRIMARY KEY,
    stream_kind    TEXT   NOT NULL,
    stream_id      TEXT   NOT NULL,
    stream_version BIGINT NOT NULL,
    kind           TEXT   NOT NULL,
    payload        TEXT   NOT NULL,
    actor          TEXT   NOT NULL,
    occurred_at    TEXT   NOT NULL,
    recorded_at    TEXT   NOT NULL,
    prev_hash      TEXT   NOT NULL,
    hash           TEXT   NOT NULL,
    CONSTRAINT events_stream_version_unique UNIQUE (stream_kind, stream_id, stream_version)
);

CREATE INDEX events_by_kind ON events (kind, seq);

CREATE FUNCTION fengqiao_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the % table is append-only: % refused', TG_TABLE_NAME, TG_OP;
END;
$$;

CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION fengqiao_refuse_change();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION fengqiao_refuse_change();

-- Privileges: nobody but the owner may change rows. Run the server as a role that does
-- not own the schema (see README) and it can only INSERT and SELECT here.
REVOKE UPDATE, DELETE, TRUNCATE ON events FROM PUBLIC;

CREATE TABLE log_head (
    id   BIGINT PRIMARY KEY CHECK (id = 1),
    seq  BIGINT  NOT NULL,
    hash TEXT    NOT NULL
);
INSERT INTO log_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE audit_checkpoints (
    id         BIGSERIAL PRIMARY KEY,
    seq        BIGINT NOT NULL,
    hash       TEXT   NOT NULL,
    signed_by  TEXT   NOT NULL,
    created_at TEXT   NOT NULL
);

CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints
    FOR EACH ROW EXECUTE FUNCTION fengqiao_refuse_change();
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION fengqiao_refuse_change();
REVOKE UPDATE, DELETE, TRUNCATE ON audit_checkpoints FROM PUBLIC;
