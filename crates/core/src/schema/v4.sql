-- Schema version 4: prescription scans (issue 10). Frozen like the others.

-- One random key per patient, wrapping the key of each of their scans (scan-v1 files
-- carry the wrapped scan key in their header). Erasing a patient deletes this row,
-- which makes every copy of their scans unreadable (crypto-shredding).
CREATE TABLE patient_keys (
    patient_id TEXT PRIMARY KEY REFERENCES patients (id),
    key_id TEXT NOT NULL UNIQUE,
    key BLOB NOT NULL CHECK (length(key) = 32),
    created_us INTEGER NOT NULL
) STRICT;

-- A stored scan: what it is, never its content. Its encrypted file is
-- `scans/<content_hash>`; a row and its file appear together (the file is staged, then
-- moved into place after the row commits; see ARCHITECTURE.md "Scans").
CREATE TABLE scans (
    pk INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    patient_id TEXT NOT NULL REFERENCES patients (id),
    kind TEXT NOT NULL CHECK (kind IN ('jpeg', 'png', 'tiff', 'pdf')),
    content_hash TEXT NOT NULL UNIQUE CHECK (length(content_hash) = 64),
    key_id TEXT NOT NULL,
    file_bytes INTEGER NOT NULL,
    plain_bytes INTEGER NOT NULL,
    pages INTEGER NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    orientation INTEGER NOT NULL CHECK (orientation BETWEEN 1 AND 8),
    removed TEXT NOT NULL,
    imported_us INTEGER NOT NULL,
    imported_by TEXT NOT NULL,
    version INTEGER NOT NULL,
    hlc TEXT NOT NULL,
    tombstone INTEGER NOT NULL DEFAULT 0 CHECK (tombstone IN (0, 1))
) STRICT;
CREATE INDEX scans_by_patient ON scans (patient_id, imported_us);

-- A scan's thumbnail (images only), inside the encrypted database.
CREATE TABLE scan_thumbnails (
    scan_id TEXT PRIMARY KEY REFERENCES scans (id),
    kind TEXT NOT NULL CHECK (kind IN ('jpeg', 'png')),
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    bytes BLOB NOT NULL
) STRICT;

-- Which scans a prescription was written from: part of the prescription, so insert-only
-- like it.
CREATE TABLE prescription_scans (
    prescription_id TEXT NOT NULL REFERENCES prescriptions (id),
    scan_id TEXT NOT NULL REFERENCES scans (id),
    PRIMARY KEY (prescription_id, scan_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX prescription_scans_by_scan ON prescription_scans (scan_id);

CREATE TRIGGER prescription_scans_insert_only_update BEFORE UPDATE ON prescription_scans
BEGIN SELECT RAISE(ABORT, 'prescriptions are append-only'); END;
CREATE TRIGGER prescription_scans_insert_only_delete BEFORE DELETE ON prescription_scans
BEGIN SELECT RAISE(ABORT, 'prescriptions are append-only'); END;
