//! The sync protocol's JSON bodies (enrollment, event batch, batch answer, blob receipt,
//! error answer) and their canonical encoding: a client sends each body as its RFC 8785
//! text ([`to_canonical`]), so the bytes it signs are the ones an auditor recomputes.
//! The server accepts any JSON spelling of the same value (the signature covers the
//! bytes sent, whatever they are). Frozen by `tests/golden/wire/`.

use serde::{Deserialize, Serialize};

use crate::audit::{parse_hex32, AuditEvent, Hash32};
use crate::jcs::{canonical_json, CanonicalError};
use crate::signing::SignedHead;

/// Why a value has no canonical wire encoding.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EncodeError {
    /// It does not serialize to a JSON value (a map with non-string keys).
    #[error("the value is not representable as JSON")]
    NotJson,
    /// A number in it has no canonical form.
    #[error(transparent)]
    Canonical(#[from] CanonicalError),
}

/// The RFC 8785 text of a wire body.
pub fn to_canonical<T: Serialize>(value: &T) -> Result<Vec<u8>, EncodeError> {
    let value = serde_json::to_value(value).map_err(|_| EncodeError::NotJson)?;
    Ok(canonical_json(&value)?)
}

/// `POST /v1/enroll`: a workstation joins with a one-time token from the server admin.
/// The request is signed by the key it enrolls, proving the workstation holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EnrollRequest {
    /// The one-time enrollment token, as the admin was shown it.
    pub token: String,
    /// The vault's id (lowercase hyphenated UUID): its chain starts from
    /// `genesis_hash(vault_id)`.
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
    )]
    pub vault_id: String,
    /// The device id the vault's events carry (lowercase hyphenated UUID).
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
    )]
    pub device_id: String,
    /// The device's Ed25519 public key, 64 lowercase hex digits.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9a-f]{64}$"))]
    pub public_key: String,
}

/// The answer to an enrollment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnrollAnswer {
    /// The device id now enrolled; every later request names it.
    pub device_id: String,
    /// The workstation name the token was made for.
    pub workstation: String,
    /// The server's Ed25519 public key (64 lowercase hex digits): head receipts verify
    /// under it.
    pub server_public_key: String,
}

/// One event as a device sends it: the event and the chain hash the device computed
/// for it. The server recomputes the hash from the head it holds and refuses the batch
/// when the two differ.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChainedEvent {
    /// The event, exactly as hashed.
    #[cfg_attr(feature = "openapi", schema(value_type = openapi::AuditEventSchema))]
    pub event: AuditEvent,
    /// `SHA-256(prev_hash ‖ canonical(event))`, 64 lowercase hex digits.
    pub hash: String,
}

impl ChainedEvent {
    /// The claimed hash as bytes; `None` when it is not 64 lowercase hex digits.
    pub fn claimed_hash(&self) -> Option<Hash32> {
        parse_hex32(&self.hash)
    }
}

/// `POST /v1/audit/batches`: consecutive events of the signing device, ascending by
/// sequence number. A batch may start at or below the head the server holds (a retry);
/// the events it already holds must then be identical.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EventBatch {
    /// The events, ascending by `seq` without gaps.
    pub events: Vec<ChainedEvent>,
}

/// The answer to an accepted batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchAnswer {
    /// The highest sequence number the server now holds for the device.
    pub held_seq: u64,
    /// How many events of this batch were new (the rest were already held).
    pub n_stored: u64,
    /// The server's signed receipt of that head.
    pub head: SignedHead,
}

/// The answer to a blob upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BlobReceipt {
    /// The content address: SHA-256 of the encrypted file, 64 lowercase hex digits.
    pub hash: String,
    /// Its size in bytes.
    pub size: u64,
    /// `false` when the server already held the same content (deduplicated).
    pub stored: bool,
}

/// Every refusal's body: a stable code, a sentence, and for a refused batch the
/// sequence number at fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorAnswer {
    /// A stable code, e.g. `chain_gap`, `replayed_request`.
    pub error: String,
    /// A neutral sentence for a log.
    pub message: String,
    /// The sequence number a batch refusal names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
}

/// OpenAPI schemas for types whose Rust definition lives outside this module.
#[cfg(feature = "openapi")]
pub mod openapi {
    /// The schema of [`crate::AuditEvent`] (its JSON form, v1 or v2).
    #[derive(Debug, utoipa::ToSchema)]
    #[allow(dead_code)]
    pub struct AuditEventSchema {
        /// UUIDv7 of the event.
        pub id: String,
        /// UTC time in integer microseconds since the Unix epoch.
        pub time_us: i64,
        /// The recording device.
        pub device_id: String,
        /// Per-device sequence number, from 1.
        pub seq: u64,
        /// The user who acted, or `-`.
        pub actor: String,
        /// The actor's role, or `-`.
        pub role: String,
        /// The action's wire name.
        pub action: String,
        /// The resource type.
        pub resource_type: String,
        /// The resource, if any.
        pub resource_id: Option<String>,
        /// The patient, if any.
        pub patient_id: Option<String>,
        /// `success`, `failure` or `denied`.
        pub outcome: String,
        /// Names of changed fields.
        pub changed_fields: Vec<String>,
        /// `2` for a v2 event.
        pub format: Option<u32>,
        /// A v2 event's detail digest.
        pub detail_digest: Option<String>,
    }
}

#[cfg(all(test, feature = "openapi"))]
mod tests {
    use crate::AuditEvent;

    #[test]
    fn the_event_schema_names_every_member_of_a_v2_event() {
        let mut event = AuditEvent {
            id: "i".into(),
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
        };
        event.set_v2(&[1; 32]);
        let json = serde_json::to_value(&event).expect("json");
        let mut members: Vec<&String> = json.as_object().expect("object").keys().collect();
        members.sort();
        let schema = serde_json::to_value(
            <super::openapi::AuditEventSchema as utoipa::PartialSchema>::schema(),
        )
        .expect("schema");
        let mut properties: Vec<&String> = schema["properties"]
            .as_object()
            .expect("properties")
            .keys()
            .collect();
        properties.sort();
        assert_eq!(members, properties);
    }
}
