-- Schema version 3: the v2 audit format (issue 9 point 14). Frozen like the others.
-- A v2 event's hash also covers the salted digest of its local detail and search hits;
-- events written before keep format 1 and no digest, and verify exactly as before.
ALTER TABLE audit_events ADD COLUMN format INTEGER NOT NULL DEFAULT 1;
ALTER TABLE audit_events ADD COLUMN detail_digest BLOB
    CHECK (detail_digest IS NULL OR length(detail_digest) = 32);

-- The random salt of each v2 event's detail digest: local like the detail, never
-- synced, and removed with the detail and hits by a redaction.
CREATE TABLE audit_salts (
    seq INTEGER PRIMARY KEY REFERENCES audit_events (seq),
    salt BLOB NOT NULL CHECK (length(salt) = 32)
) STRICT;

-- An event's search hits in patient-id order (the digest's order), for verify and
-- redaction; the primary key serves "who saw this patient".
CREATE INDEX audit_search_hits_by_seq ON audit_search_hits (seq);
