-- Schema version 2: patient records. Rows are shaped for later replication between a
-- clinic's workstations (DESIGN §7): UUIDv7 keys, MRNs with a device prefix, a per-row
-- version and hybrid-logical-clock stamp, and tombstones instead of deletes.

-- `pk` is the local row number that the search indexes point at (8 bytes instead of a
-- 36-character id, and one b-tree lookup instead of two); `id` is the stable UUIDv7.
CREATE TABLE patients (
    pk INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    mrn TEXT NOT NULL UNIQUE,
    given_name TEXT NOT NULL,
    family_name TEXT NOT NULL,
    given_folded TEXT NOT NULL,
    family_folded TEXT NOT NULL,
    dob TEXT NOT NULL,
    sex TEXT,
    phone TEXT,
    email TEXT,
    address TEXT,
    archived INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
    created_us INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    updated_us INTEGER NOT NULL,
    updated_by TEXT NOT NULL,
    version INTEGER NOT NULL,
    hlc TEXT NOT NULL,
    tombstone INTEGER NOT NULL DEFAULT 0 CHECK (tombstone IN (0, 1))
) STRICT;
-- Serves both the date-of-birth search and the duplicate check (all three equal).
CREATE INDEX patients_by_dob ON patients (dob, family_folded, given_folded);

-- Search tokens: each word of the folded family (field 0) and given (field 1) names.
CREATE TABLE patient_name_tokens (
    field INTEGER NOT NULL CHECK (field IN (0, 1)),
    token TEXT NOT NULL,
    patient_pk INTEGER NOT NULL REFERENCES patients (pk),
    PRIMARY KEY (field, token, patient_pk)
) STRICT, WITHOUT ROWID;

-- Every suffix (4+ digits) of a patient's phone digits: a substring search is a prefix
-- search here.
CREATE TABLE patient_phone_suffixes (
    suffix TEXT NOT NULL,
    patient_pk INTEGER NOT NULL REFERENCES patients (pk),
    PRIMARY KEY (suffix, patient_pk)
) STRICT, WITHOUT ROWID;

-- Before and after values of every changed demographic field (local, never synced).
CREATE TABLE patient_history (
    id INTEGER PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patients (id),
    changed_us INTEGER NOT NULL,
    changed_by TEXT NOT NULL,
    field TEXT NOT NULL,
    before TEXT,
    after TEXT,
    hlc TEXT NOT NULL
) STRICT;
CREATE INDEX patient_history_by_patient ON patient_history (patient_id, id);

-- Clinical notes and addenda: legal records, insert-only (triggers below).
CREATE TABLE clinical_notes (
    id TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patients (id),
    parent_id TEXT REFERENCES clinical_notes (id),
    author TEXT NOT NULL,
    created_us INTEGER NOT NULL,
    body TEXT NOT NULL,
    hlc TEXT NOT NULL
) STRICT;
CREATE INDEX clinical_notes_by_patient ON clinical_notes (patient_id, created_us);

CREATE TABLE prescriptions (
    id TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patients (id),
    prescriber TEXT NOT NULL,
    created_us INTEGER NOT NULL,
    rx_date TEXT NOT NULL,
    drug TEXT NOT NULL,
    strength TEXT NOT NULL,
    dose TEXT NOT NULL,
    frequency TEXT NOT NULL,
    duration TEXT,
    instructions TEXT,
    hlc TEXT NOT NULL
) STRICT;
CREATE INDEX prescriptions_by_patient ON prescriptions (patient_id, created_us);

-- A void of a note or prescription, with its reason: the entry itself never changes.
CREATE TABLE clinical_voids (
    entry_id TEXT PRIMARY KEY,
    entry_kind TEXT NOT NULL CHECK (entry_kind IN ('note', 'prescription')),
    voided_us INTEGER NOT NULL,
    voided_by TEXT NOT NULL,
    reason TEXT NOT NULL,
    hlc TEXT NOT NULL
) STRICT;

-- Consent decisions, newest last; the latest per purpose is in force.
CREATE TABLE consents (
    id TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patients (id),
    purpose TEXT NOT NULL CHECK (purpose IN ('treatment', 'data_processing', 'reminders', 'research')),
    status TEXT NOT NULL CHECK (status IN ('granted', 'withdrawn')),
    decided_us INTEGER NOT NULL,
    given_by TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    hlc TEXT NOT NULL
) STRICT;
CREATE INDEX consents_by_patient ON consents (patient_id, decided_us);

-- Which patients each search showed (local detail of a patient.search event).
CREATE TABLE audit_search_hits (
    seq INTEGER NOT NULL REFERENCES audit_events (seq),
    patient_id TEXT NOT NULL,
    PRIMARY KEY (patient_id, seq)
) STRICT, WITHOUT ROWID;
CREATE INDEX audit_events_by_patient ON audit_events (patient_id, seq);

CREATE TRIGGER clinical_notes_insert_only_update BEFORE UPDATE ON clinical_notes
BEGIN SELECT RAISE(ABORT, 'clinical notes are append-only'); END;
CREATE TRIGGER clinical_notes_insert_only_delete BEFORE DELETE ON clinical_notes
BEGIN SELECT RAISE(ABORT, 'clinical notes are append-only'); END;
CREATE TRIGGER prescriptions_insert_only_update BEFORE UPDATE ON prescriptions
BEGIN SELECT RAISE(ABORT, 'prescriptions are append-only'); END;
CREATE TRIGGER prescriptions_insert_only_delete BEFORE DELETE ON prescriptions
BEGIN SELECT RAISE(ABORT, 'prescriptions are append-only'); END;
CREATE TRIGGER clinical_voids_insert_only_update BEFORE UPDATE ON clinical_voids
BEGIN SELECT RAISE(ABORT, 'voids are append-only'); END;
CREATE TRIGGER consents_insert_only_update BEFORE UPDATE ON consents
BEGIN SELECT RAISE(ABORT, 'consent decisions are append-only'); END;
