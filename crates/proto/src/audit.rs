//! The audit event and the chain rule: `hash = SHA-256(prev_hash ‖ canonical(event))`,
//! the first `prev_hash` being `SHA-256("clinic-vault/audit/v1" ‖ vault_id)` where
//! `vault_id` is the vault's UUID in its lowercase hyphenated text form.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::jcs::{canonical_json, CanonicalError};

/// Domain-separation prefix of the genesis hash.
pub const AUDIT_DOMAIN: &[u8] = b"clinic-vault/audit/v1";

/// A SHA-256 digest.
pub type Hash32 = [u8; 32];

/// One audit event exactly as it is hashed and synced. It carries no values, only the
/// names of changed fields: before/after values stay in the vault's local detail table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// UUIDv7 of the event, lowercase hyphenated.
    pub id: String,
    /// UTC time in integer microseconds since the Unix epoch.
    pub time_us: i64,
    /// The recording device (the vault's device id).
    pub device_id: String,
    /// Per-device sequence number, starting at 1, without gaps.
    pub seq: u64,
    /// The user who acted, or `"-"` for the system and for unknown names.
    pub actor: String,
    /// The actor's role at the time, or `"-"`.
    pub role: String,
    /// What happened, e.g. `user.unlock`.
    pub action: String,
    /// The kind of resource acted on, e.g. `user`, `vault`.
    pub resource_type: String,
    /// The resource acted on, if any.
    pub resource_id: Option<String>,
    /// The patient whose data was touched, if any.
    pub patient_id: Option<String>,
    /// `success`, `failure` or `denied`.
    pub outcome: String,
    /// Names (never values) of the fields the action changed.
    pub changed_fields: Vec<String>,
}

impl AuditEvent {
    /// The RFC 8785 encoding that the chain hash covers.
    pub fn canonical_bytes(&self) -> Result<Vec<u8>, CanonicalError> {
        let value = serde_json::to_value(self).expect("an audit event always serializes");
        canonical_json(&value)
    }
}

/// The `prev_hash` of the first event of a vault's chain.
pub fn genesis_hash(vault_id: &str) -> Hash32 {
    let mut h = Sha256::new();
    h.update(AUDIT_DOMAIN);
    h.update(vault_id.as_bytes());
    h.finalize().into()
}

/// `SHA-256(prev_hash ‖ canonical)`.
pub fn chain_hash(prev_hash: &Hash32, canonical: &[u8]) -> Hash32 {
    let mut h = Sha256::new();
    h.update(prev_hash);
    h.update(canonical);
    h.finalize().into()
}

/// Where and why a chain stopped verifying.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainBreak {
    /// Sequence number of the first event that does not verify.
    pub seq: u64,
    /// What is wrong there.
    pub reason: String,
}
