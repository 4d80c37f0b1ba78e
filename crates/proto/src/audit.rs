//! The audit event and the chain rule: `hash = SHA-256(prev_hash ‖ canonical(event))`,
//! the first `prev_hash` being `SHA-256("clinic-vault/audit/v1" ‖ vault_id)` where
//! `vault_id` is the vault's UUID in its lowercase hyphenated text form.
//!
//! Two event formats share that rule. A **v1** event (every event written before schema
//! version 3) has the twelve fields below, and its canonical form is exactly theirs. A
//! **v2** event adds two members to the same object: `"format": 2` and
//! `"detail_digest"`, the lowercase hex of the salted digest of its local detail and
//! search hits ([`crate::detail`]). So the hash, which the server and any outside auditor
//! recompute from the event alone, covers the local detail that only the workstation
//! holds, and the v1 bytes of old events never change.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::jcs::{canonical_json, CanonicalError};

/// Domain-separation prefix of the genesis hash.
pub const AUDIT_DOMAIN: &[u8] = b"clinic-vault/audit/v1";

/// The `format` member of a v2 event.
pub const FORMAT_V2: u32 = 2;

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
    /// `2` ([`FORMAT_V2`]) for a v2 event; absent from a v1 event (and from its bytes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<u32>,
    /// A v2 event's detail digest, 64 lowercase hex digits ([`crate::detail_digest`]);
    /// absent from a v1 event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail_digest: Option<String>,
}

/// Which chain format an event follows, read off its `format` and `detail_digest`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventFormat {
    /// The twelve fields only.
    V1,
    /// The twelve fields, `format: 2` and the digest of the local detail and hits.
    V2 {
        /// The salted digest of the event's local detail and search hits.
        detail_digest: Hash32,
    },
}

/// Why an event has no canonical form.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EventError {
    /// A value in it cannot be encoded canonically.
    #[error(transparent)]
    Canonical(#[from] CanonicalError),
    /// A `format` this version does not know.
    #[error("audit event format {0} is unknown")]
    UnknownFormat(u32),
    /// A v2 event without a well-formed digest (64 lowercase hex digits).
    #[error("a v2 audit event needs a detail digest of 64 lowercase hex digits")]
    BadDigest,
    /// A digest on an event without `format: 2`.
    #[error("a detail digest on an event that is not v2")]
    DigestWithoutFormat,
}

impl AuditEvent {
    /// The event's format, or why its `format` and `detail_digest` do not fit together.
    pub fn format(&self) -> Result<EventFormat, EventError> {
        match (self.format, &self.detail_digest) {
            (None, None) => Ok(EventFormat::V1),
            (None, Some(_)) => Err(EventError::DigestWithoutFormat),
            (Some(FORMAT_V2), Some(text)) => parse_hex32(text)
                .map(|detail_digest| EventFormat::V2 { detail_digest })
                .ok_or(EventError::BadDigest),
            (Some(FORMAT_V2), None) => Err(EventError::BadDigest),
            (Some(other), _) => Err(EventError::UnknownFormat(other)),
        }
    }

    /// Makes this a v2 event with `detail_digest`.
    pub fn set_v2(&mut self, detail_digest: &Hash32) {
        self.format = Some(FORMAT_V2);
        self.detail_digest = Some(hex(detail_digest));
    }

    /// The RFC 8785 encoding that the chain hash covers: the twelve v1 fields, plus
    /// `format` and `detail_digest` for a v2 event.
    pub fn canonical_bytes(&self) -> Result<Vec<u8>, EventError> {
        self.format()?;
        let value = serde_json::to_value(self).expect("an audit event always serializes");
        Ok(canonical_json(&value)?)
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

/// Lowercase hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// 64 lowercase hex digits as 32 bytes.
pub(crate) fn parse_hex32(text: &str) -> Option<Hash32> {
    let bytes = text.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let digit = |b: u8| match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        _ => None,
    };
    let mut out = [0u8; 32];
    for (byte_idx, pair) in bytes.chunks(2).enumerate() {
        out[byte_idx] = (digit(pair[0])? << 4) | digit(pair[1])?;
    }
    Some(out)
}

/// Where and why a chain stopped verifying.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainBreak {
    /// Sequence number of the first event that does not verify.
    pub seq: u64,
    /// What is wrong there.
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event() -> AuditEvent {
        AuditEvent {
            id: "01936f4e-7a00-7000-8000-000000000001".into(),
            time_us: 1,
            device_id: "d".into(),
            seq: 1,
            actor: "-".into(),
            role: "-".into(),
            action: "user.lock".into(),
            resource_type: "user".into(),
            resource_id: None,
            patient_id: None,
            outcome: "success".into(),
            changed_fields: vec![],
            format: None,
            detail_digest: None,
        }
    }

    #[test]
    fn format_and_digest_must_fit_together() {
        let mut e = event();
        assert_eq!(e.format(), Ok(EventFormat::V1));
        e.set_v2(&[0xab; 32]);
        assert_eq!(
            e.format(),
            Ok(EventFormat::V2 {
                detail_digest: [0xab; 32]
            })
        );
        let text = String::from_utf8(e.canonical_bytes().expect("v2")).expect("utf8");
        assert!(
            text.contains(&format!("\"detail_digest\":\"{}\"", "ab".repeat(32))),
            "{text}"
        );
        assert!(text.contains(",\"format\":2,"), "{text}");

        let mut upper = e.clone();
        upper.detail_digest = Some("AB".repeat(32));
        assert_eq!(upper.canonical_bytes(), Err(EventError::BadDigest));
        let mut short = e.clone();
        short.detail_digest = Some("ab".repeat(31));
        assert_eq!(short.format(), Err(EventError::BadDigest));
        let mut no_digest = e.clone();
        no_digest.detail_digest = None;
        assert_eq!(no_digest.format(), Err(EventError::BadDigest));
        let mut v3 = e.clone();
        v3.format = Some(3);
        assert_eq!(v3.format(), Err(EventError::UnknownFormat(3)));
        let mut v1_with_digest = e;
        v1_with_digest.format = None;
        assert_eq!(
            v1_with_digest.format(),
            Err(EventError::DigestWithoutFormat)
        );
    }

    #[test]
    fn a_v1_event_deserializes_without_the_v2_members() {
        let v1 = event();
        let text = String::from_utf8(v1.canonical_bytes().expect("v1")).expect("utf8");
        assert!(
            !text.contains("format") && !text.contains("digest"),
            "{text}"
        );
        let back: AuditEvent = serde_json::from_str(&text).expect("parses");
        assert_eq!(back, v1);
    }
}
