-- Schema version 2 of the server's PostgreSQL store, as SQLite's v3: alerts raised by
-- the rules on ingest and acknowledged by an admin; each device's last accepted batch
-- and the silence it was last alerted for.
ALTER TABLE alerts ADD COLUMN actor TEXT;
ALTER TABLE alerts ADD COLUMN action TEXT;
ALTER TABLE alerts ADD COLUMN event_time_us BIGINT;
ALTER TABLE alerts ADD COLUMN n_events BIGINT;
ALTER TABLE alerts ADD COLUMN acknowledged_by TEXT;
ALTER TABLE alerts ADD COLUMN acknowledged_us BIGINT;
CREATE INDEX alerts_by_device ON alerts (device_id, kind, actor);
CREATE INDEX alerts_open ON alerts (alert_id) WHERE acknowledged_us IS NULL;
ALTER TABLE devices ADD COLUMN last_seen_us BIGINT;
ALTER TABLE devices ADD COLUMN silence_alerted_for_us BIGINT;
UPDATE devices SET last_seen_us = COALESCE(
    (SELECT MAX(received_us) FROM audit_events WHERE audit_events.device_id = devices.device_id),
    enrolled_us);
-- The webhook's delivery queue, as SQLite's.
CREATE TABLE webhook_queue (
    alert_id BIGINT PRIMARY KEY,
    n_attempts INTEGER NOT NULL,
    next_attempt_us BIGINT NOT NULL
);
CREATE INDEX webhook_queue_due ON webhook_queue (next_attempt_us);
