-- Schema version 3 of the server's SQLite store: alerts raised by the rules on ingest
-- (who, which action, the event's time, how many events) and acknowledged by an admin
-- (who, when); each device's last accepted batch and the silence it was last alerted
-- for; the webhook's delivery queue. Existing alerts (refusals) keep their rows, open
-- (and are not queued for the webhook); a device's last accepted batch
-- starts as its newest held event's arrival (its enrollment when it holds none).
ALTER TABLE alerts ADD COLUMN actor TEXT;
ALTER TABLE alerts ADD COLUMN action TEXT;
ALTER TABLE alerts ADD COLUMN event_time_us INTEGER;
ALTER TABLE alerts ADD COLUMN n_events INTEGER;
ALTER TABLE alerts ADD COLUMN acknowledged_by TEXT;
ALTER TABLE alerts ADD COLUMN acknowledged_us INTEGER;
CREATE INDEX alerts_by_device ON alerts (device_id, kind, actor);
CREATE INDEX alerts_open ON alerts (alert_id) WHERE acknowledged_us IS NULL;
ALTER TABLE devices ADD COLUMN last_seen_us INTEGER;
ALTER TABLE devices ADD COLUMN silence_alerted_for_us INTEGER;
UPDATE devices SET last_seen_us = COALESCE(
    (SELECT MAX(received_us) FROM audit_events WHERE audit_events.device_id = devices.device_id),
    enrolled_us);
-- The webhook's delivery queue: a row per alert raised from version 3 on, written in the
-- transaction that stores the alert and deleted once the webhook took it (whether or not
-- a webhook is set: one set later delivers what was raised meanwhile).
CREATE TABLE webhook_queue (
    alert_id INTEGER PRIMARY KEY,
    n_attempts INTEGER NOT NULL,
    next_attempt_us INTEGER NOT NULL
);
CREATE INDEX webhook_queue_due ON webhook_queue (next_attempt_us);
