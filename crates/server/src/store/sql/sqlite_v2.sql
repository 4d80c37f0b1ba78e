-- Schema version 2 of the server's SQLite store: the audit events move from a
-- WITHOUT ROWID table keyed by (device_id, seq) to a rowid table in arrival order.
-- Rows of ~650 bytes are far past the size WITHOUT ROWID suits, and every secondary
-- index entry carried the 36-character device id and the seq as its key; now each
-- carries the 8-byte rowid, and new rows append to the table's last page. The
-- (device_id, seq) key stays, as a unique index. The admin search's indexes are kept:
-- time (every search is ordered by time, and a bare time range uses it), actor,
-- patient (only rows that name one) and action, each with the time as its second column
-- so that a filter plus a time range is one index range. Outcome has no index: it
-- takes three values and a search by it alone reads in time order.
CREATE TABLE audit_events_v2 (
    event_no INTEGER PRIMARY KEY,
    device_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    event_id TEXT NOT NULL,
    time_us INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    patient_id TEXT,
    outcome TEXT NOT NULL,
    canonical TEXT NOT NULL,
    hash BLOB NOT NULL,
    received_us INTEGER NOT NULL
);
INSERT INTO audit_events_v2 (device_id, seq, event_id, time_us, actor, action, patient_id,
                             outcome, canonical, hash, received_us)
SELECT device_id, seq, event_id, time_us, actor, action, patient_id, outcome, canonical,
       hash, received_us
FROM audit_events ORDER BY received_us, device_id, seq;
DROP TABLE audit_events;
ALTER TABLE audit_events_v2 RENAME TO audit_events;
CREATE UNIQUE INDEX audit_by_device ON audit_events (device_id, seq);
CREATE INDEX audit_by_time ON audit_events (time_us);
CREATE INDEX audit_by_actor ON audit_events (actor, time_us);
CREATE INDEX audit_by_patient ON audit_events (patient_id, time_us) WHERE patient_id IS NOT NULL;
CREATE INDEX audit_by_action ON audit_events (action, time_us);
