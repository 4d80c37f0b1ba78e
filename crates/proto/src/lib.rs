//! Wire and hash formats that every Clinic Vault part (core, server, outside auditors)
//! must agree on byte for byte: the audit event in its two formats, its RFC 8785
//! canonical encoding, the chain-hash rule and the salted digest of a v2 event's local
//! detail, frozen by the golden files under `tests/golden`; the list of events an
//! `audit.redact` event names; and the catalogue of audit actions that the server raises
//! alerts from; the enrollment code an admin copies into a workstation (`enroll_code`);
//! and the sync protocol: its wire bodies (`wire`) and the request and
//! head-receipt signatures (`signing`), frozen by `tests/golden/wire`.
#![deny(missing_docs)]

pub mod actions;
pub mod audit;
pub mod detail;
pub mod enroll_code;
pub mod jcs;
pub mod redaction;
pub mod roster;
pub mod signing;
pub mod wire;

pub use actions::{Action, AlertLevel, Outcome, ResourceType};
pub use audit::{
    chain_hash, genesis_hash, AuditEvent, ChainBreak, EventError, EventFormat, Hash32,
    AUDIT_DOMAIN, FORMAT_V2,
};
pub use detail::{
    canonical_detail_digest, detail_digest, CanonicalDetail, DETAIL_DOMAIN, SALT_LEN,
};
/// The Ed25519 implementation the signatures use, for callers that make or load keys.
pub use ed25519_dalek;
pub use enroll_code::{EnrollCode, EnrollCodeError, ENROLL_CODE_PREFIX};
pub use jcs::{canonical_json, CanonicalError};
pub use redaction::SeqList;
pub use signing::{
    parse_public_key, public_key_hex, Body, HeadReceipt, RequestToSign, SignedHead, SigningError,
};
pub use wire::{
    to_canonical, BatchAnswer, BlobReceipt, ChainedEvent, EncodeError, EnrollAnswer, EnrollRequest,
    ErrorAnswer, EventBatch,
};
