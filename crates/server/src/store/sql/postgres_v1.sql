-- Schema version 1 of the server's PostgreSQL store, the same tables as SQLite's v1.
-- Forward-only: a later version is a new file, never an edit of this one.
CREATE TABLE admin_tokens (
    token_hash BYTEA PRIMARY KEY,
    name TEXT NOT NULL,
    created_us BIGINT NOT NULL
);
CREATE TABLE enroll_tokens (
    token_hash BYTEA PRIMARY KEY,
    workstation TEXT NOT NULL,
    created_us BIGINT NOT NULL,
    expires_us BIGINT NOT NULL,
    used_us BIGINT,
    device_id TEXT
);
CREATE TABLE devices (
    device_id TEXT PRIMARY KEY,
    vault_id TEXT NOT NULL,
    workstation TEXT NOT NULL,
    public_key TEXT NOT NULL,
    enrolled_us BIGINT NOT NULL,
    revoked_us BIGINT,
    head_seq BIGINT NOT NULL,
    head_hash BYTEA NOT NULL
);
CREATE TABLE nonces (
    device_id TEXT NOT NULL,
    nonce TEXT NOT NULL,
    expires_us BIGINT NOT NULL,
    PRIMARY KEY (device_id, nonce)
);
CREATE INDEX nonces_by_expiry ON nonces (expires_us);
CREATE TABLE audit_events (
    device_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    event_id TEXT NOT NULL,
    time_us BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    patient_id TEXT,
    outcome TEXT NOT NULL,
    canonical TEXT NOT NULL,
    hash BYTEA NOT NULL,
    received_us BIGINT NOT NULL,
    PRIMARY KEY (device_id, seq)
);
CREATE INDEX audit_by_time ON audit_events (time_us);
CREATE INDEX audit_by_actor ON audit_events (actor, time_us);
CREATE INDEX audit_by_patient ON audit_events (patient_id, time_us) WHERE patient_id IS NOT NULL;
CREATE INDEX audit_by_action ON audit_events (action, time_us);
CREATE TABLE alerts (
    alert_id BIGSERIAL PRIMARY KEY,
    time_us BIGINT NOT NULL,
    device_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    seq BIGINT
);
CREATE TABLE blob_holds (
    hash TEXT NOT NULL,
    device_id TEXT NOT NULL,
    size BIGINT NOT NULL,
    created_us BIGINT NOT NULL,
    PRIMARY KEY (hash, device_id)
);
