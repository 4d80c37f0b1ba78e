//! Wire and hash formats that every Clinic Vault part (core, server, outside auditors)
//! must agree on byte for byte: the audit event, its RFC 8785 canonical encoding and the
//! chain-hash rule, frozen by the golden files under `tests/golden`; and the catalogue
//! of audit actions that the server raises alerts from.
#![deny(missing_docs)]

pub mod actions;
pub mod audit;
pub mod jcs;

pub use actions::{Action, AlertLevel, Outcome, ResourceType};
pub use audit::{chain_hash, genesis_hash, AuditEvent, ChainBreak, Hash32, AUDIT_DOMAIN};
pub use jcs::{canonical_json, CanonicalError};
