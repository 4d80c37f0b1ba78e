-- Schema version 1 of vault.db. Frozen: change the schema only by adding a migration.
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- The authoritative copy of the keyslots file; unlock refuses a slot that is not
-- recorded here. A change is first recorded as pending, then written to the file, then
-- promoted; a crash in between is rolled forward at the next unlock.
CREATE TABLE keyslots_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL,
    content BLOB NOT NULL,
    pending_generation INTEGER,
    pending_content BLOB
) STRICT;

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('receptionist', 'clinician', 'admin')),
    enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    created_us INTEGER NOT NULL,
    created_by TEXT,
    password_state TEXT NOT NULL CHECK (password_state IN ('one_time', 'set')),
    totp_state TEXT NOT NULL CHECK (totp_state IN ('none', 'pending', 'confirmed', 'reset')),
    totp_sealed BLOB,
    totp_last_step INTEGER,
    totp_reset_hash BLOB,
    totp_reset_expires_us INTEGER
) STRICT;

CREATE TABLE audit_events (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    time_us INTEGER NOT NULL,
    device_id TEXT NOT NULL,
    actor TEXT NOT NULL,
    role TEXT NOT NULL,
    action TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_id TEXT,
    patient_id TEXT,
    outcome TEXT NOT NULL,
    changed_fields TEXT NOT NULL,
    prev_hash BLOB NOT NULL,
    hash BLOB NOT NULL
) STRICT;
CREATE INDEX audit_events_by_actor ON audit_events (actor, seq);
CREATE INDEX audit_events_by_action ON audit_events (action, seq);

-- Local detail of an event (never synced): what an outside reader may not see.
CREATE TABLE audit_detail (
    seq INTEGER PRIMARY KEY REFERENCES audit_events (seq),
    detail TEXT NOT NULL
) STRICT;

-- Journal lines already folded into the chain (by their sealed id).
CREATE TABLE journal_folded (
    id TEXT PRIMARY KEY
) STRICT;

-- Journal content that could not be read, kept for review.
CREATE TABLE journal_quarantine (
    id INTEGER PRIMARY KEY,
    time_us INTEGER NOT NULL,
    content BLOB NOT NULL
) STRICT;
