-- The event log (全流程回溯): every change of state, hash-chained with SM3.
--
-- `seq` is assigned by the appender (last seq + 1) inside the write transaction, so the
-- log has no gaps and a missing row is visible. The UNIQUE constraint on the stream
-- version is the backstop of optimistic concurrency: two writers that read the same
-- version cannot both append the next one.
CREATE TABLE events (
    seq            INTEGER PRIMARY KEY,
    stream_kind    TEXT    NOT NULL,
    stream_id      TEXT    NOT NULL,
    stream_version INTEGER NOT NULL,
    kind           TEXT    NOT NULL,
    payload        TEXT    NOT NULL,
    actor          TEXT    NOT NULL,
    occurred_at    TEXT    NOT NULL,
    recorded_at    TEXT    NOT NULL,
    prev_hash      TEXT    NOT NULL,
    hash           TEXT    NOT NULL,
    CONSTRAINT events_stream_version_unique UNIQUE (stream_kind, stream_id, stream_version)
);

CREATE INDEX events_by_kind ON events (kind, seq);

-- Append-only inside the database: the application never updates or deletes events,
-- and these triggers make sure nothing else going through SQLite does either. Someone
-- who edits the file directly is caught by `fengqiao audit verify` instead.
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'the event log is append-only: UPDATE refused');
END;

CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'the event log is append-only: DELETE refused');
END;

-- The head of the chain. Every write transaction starts by updating this row, which
-- takes the write lock at once (no deferred lock upgrade that could fail with BUSY) and
-- serialises appenders on PostgreSQL the same way.
CREATE TABLE log_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT    NOT NULL
);
INSERT INTO log_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Signed-off checkpoints of the head (`fengqiao audit head`): copies kept off the machine
-- let `audit verify` detect a log truncated after the checkpoint.
CREATE TABLE audit_checkpoints (
    id         INTEGER PRIMARY KEY,
    seq        INTEGER NOT NULL,
    hash       TEXT    NOT NULL,
    signed_by  TEXT    NOT NULL,
    created_at TEXT    NOT NULL
);

CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'audit checkpoints are append-only: UPDATE refused');
END;

CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'audit checkpoints are append-only: DELETE refused');
END;
