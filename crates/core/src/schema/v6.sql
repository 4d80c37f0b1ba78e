-- Schema version 6: sync from the workstation to the clinic's server (issue 14). Frozen
-- like the others.
--
-- The events' outbox is the chain itself: every event after the server's acknowledged
-- head (`sync_receipts` of the current server) is waiting, and each is appended in the
-- unit of the change it records, so the queue cannot disagree with what committed.

-- This workstation's registration with its sync server: none, or one row. The device
-- id is the vault's own (`meta.device_id`, carried by every event); the Ed25519 key
-- that signs its requests lives only here, inside the encrypted database.
CREATE TABLE sync_device (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    server_url TEXT NOT NULL,
    ca_file TEXT,
    workstation TEXT NOT NULL,
    server_key TEXT NOT NULL CHECK (length(server_key) = 64),
    signing_key BLOB NOT NULL CHECK (length(signing_key) = 32),
    enrolled_us INTEGER NOT NULL
) STRICT;

-- The latest signed receipt of the head each server (by its public key) acknowledged:
-- the anchor `audit verify` checks offline, and the least a server may answer later.
CREATE TABLE sync_receipts (
    server_key TEXT PRIMARY KEY CHECK (length(server_key) = 64),
    seq INTEGER NOT NULL CHECK (seq >= 0),
    hash TEXT NOT NULL CHECK (length(hash) = 64),
    receipt TEXT NOT NULL,
    stored_us INTEGER NOT NULL
) STRICT;

-- Blob operations waiting for the server, oldest first: a scan's upload is queued in the
-- unit that inserts its row, a deletion in the unit that erases it.
CREATE TABLE sync_blobs (
    pk INTEGER PRIMARY KEY,
    op TEXT NOT NULL CHECK (op IN ('upload', 'delete')),
    content_hash TEXT NOT NULL CHECK (length(content_hash) = 64),
    queued_us INTEGER NOT NULL
) STRICT;

-- What the last sync cycles found, for the indicator and `sync status`: one row.
-- `audited_error` is the code last recorded as an audit event, so that a failure that
-- repeats is recorded once, not once per attempt.
CREATE TABLE sync_status (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_success_us INTEGER,
    last_error_code TEXT,
    last_error_message TEXT,
    last_error_us INTEGER,
    audited_error TEXT
) STRICT;
INSERT INTO sync_status (id) VALUES (1);

-- The scans imported before this version wait for their first upload, oldest first.
INSERT INTO sync_blobs (op, content_hash, queued_us)
    SELECT 'upload', content_hash, imported_us FROM scans WHERE tombstone = 0 ORDER BY pk;
