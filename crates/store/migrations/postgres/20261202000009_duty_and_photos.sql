-- Dispatch (点单指令): the duty roster, the officer's departure and feedback photos.
--
-- staff_shifts is the roster's read model: one row per shift, on one local date or on a
-- weekday (1 Monday … 7 Sunday) every week, local start and end as HH:MM in China
-- Standard Time (an end at or before the start runs into the next day). The shifts
-- themselves are events on the staff stream.
CREATE TABLE staff_shifts (
    id         TEXT PRIMARY KEY,
    staff_id   TEXT NOT NULL REFERENCES staff (id),
    shift_date TEXT,
    weekday    BIGINT CHECK (weekday BETWEEN 1 AND 7),
    start_time TEXT NOT NULL,
    end_time   TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('on_duty', 'standby', 'rest')),
    updated_at TEXT NOT NULL,
    CONSTRAINT staff_shifts_one_kind_of_day CHECK ((shift_date IS NULL) <> (weekday IS NULL))
);
CREATE INDEX staff_shifts_by_staff ON staff_shifts (staff_id);

-- 出发: the time the officer set out, between signing for it and arriving.
ALTER TABLE incidents ADD COLUMN departed_at TEXT;

-- Feedback photos are blobs in the database, so a backup of the database is whole and
-- nothing lives beside it on disk. They are written in the same transaction as the
-- IncidentHandled event that names each by id and SHA-256, so the chain vouches for them.
CREATE TABLE incident_photos (
    id           TEXT PRIMARY KEY,
    incident_id  TEXT NOT NULL REFERENCES incidents (id),
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    data         BYTEA NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX incident_photos_by_incident ON incident_photos (incident_id);
