//! The one error type that crosses core's boundary, wrapping each domain's own error
//! enum. Each variant maps to a stable code (`bad_credentials`, `locked_out`, …) that the
//! CLI and the app show; nothing in an error holds a secret, key material or database
//! internals.

use std::path::PathBuf;

pub use crate::invalid::{Invalid, Rule};
pub use crate::quick::error::{QuickError, Unavailable};
pub use crate::records::error::{EntryKind, RecordError};
pub use crate::scans::error::{ScanError, ScanProblem};
pub use crate::sync::error::SyncError;
pub use crate::users::error::{NameRule, UserError};
pub use crate::vault::error::{AuthError, Denied, VaultError};

/// A failed core operation. The domain variants carry what went wrong as data; each
/// shell words it for its reader (the CLI for an IT admin, the app for the person at the
/// desk). `Display` gives a neutral English fallback that names no shell's commands.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Getting into the vault failed or was refused.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// A session operation was refused (`forbidden`).
    #[error(transparent)]
    Denied(#[from] Denied),
    /// An account operation was refused.
    #[error(transparent)]
    Users(#[from] UserError),
    /// A record operation was refused.
    #[error(transparent)]
    Records(#[from] RecordError),
    /// A scan operation was refused or failed.
    #[error(transparent)]
    Scans(#[from] ScanError),
    /// A PIN was refused, or a quick unlock did not happen.
    #[error(transparent)]
    Quick(#[from] QuickError),
    /// A sync operation on the vault was refused.
    #[error(transparent)]
    Sync(#[from] SyncError),
    /// The vault directory cannot be created or used right now (`conflict`).
    #[error(transparent)]
    Vault(#[from] VaultError),
    /// Typed input breaks a rule: the field, the rule and the value as shown
    /// (`invalid_input`).
    #[error(transparent)]
    InvalidInput(#[from] Invalid),
    /// No vault at that path, or a half-created one.
    #[error("no vault at {}", .0.display())]
    VaultNotFound(PathBuf),
    /// The vault was written by a newer Clinic Vault.
    #[error("this vault uses format {found}; this build understands up to {supported}")]
    VaultTooNew {
        /// Version found on disk.
        found: u32,
        /// Newest version this build reads.
        supported: u32,
    },
    /// An integrity check failed (database pages, WAL, key slots, audit chain); the
    /// message names what, for the admin who restores from a backup.
    #[error("{0}")]
    Corrupt(String),
    /// Something outside the user's control failed (I/O, database engine).
    #[error("{0}")]
    Internal(String),
}

impl Error {
    /// The stable machine-readable code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Auth(e) => e.code(),
            Error::Denied(_) => "forbidden",
            Error::Users(e) => e.code(),
            Error::Records(e) => e.code(),
            Error::Scans(e) => e.code(),
            Error::Quick(e) => e.code(),
            Error::Sync(e) => e.code(),
            Error::Vault(e) => e.code(),
            Error::InvalidInput(_) => "invalid_input",
            Error::VaultNotFound(_) => "vault_not_found",
            Error::VaultTooNew { .. } => "vault_too_new",
            Error::Corrupt(_) => "corrupt",
            Error::Internal(_) => "internal",
        }
    }

    /// Seconds until a locked-out user may try again, when that is known.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            Error::Auth(AuthError::LockedOut {
                retry_after_secs, ..
            }) => *retry_after_secs,
            _ => None,
        }
    }

    /// The patient a failure disclosed or concerned (a likely duplicate names the
    /// existing patient), so that the failure's audit event can name them too.
    pub fn concerns_patient(&self) -> Option<&str> {
        match self {
            Error::Records(RecordError::LikelyDuplicate { patient_id, .. }) => Some(patient_id),
            _ => None,
        }
    }

    /// The generic credential failure.
    /// The local detail of the `failure` event recorded for this error: its code, and
    /// for a refused file the importer's reason (never the file's content).
    pub(crate) fn failure_detail(&self) -> serde_json::Value {
        match self {
            Error::Scans(ScanError::Refused(refusal)) => {
                serde_json::json!({ "error": self.code(), "reason": refusal.reason() })
            }
            Error::Scans(ScanError::Damaged { problem, .. }) => {
                serde_json::json!({ "error": self.code(), "damage": problem })
            }
            _ => serde_json::json!({ "error": self.code() }),
        }
    }

    pub(crate) fn bad_credentials() -> Self {
        Error::Auth(AuthError::BadCredentials)
    }

    pub(crate) fn io(context: &str, e: std::io::Error) -> Self {
        Error::Internal(format!("{context}: {e}"))
    }
}

/// SQLite errors never reach the user verbatim: corruption is `corrupt`, everything
/// else `internal` with the engine's short error class only.
impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ffi::ErrorCode;
        match e.sqlite_error_code() {
            Some(ErrorCode::DatabaseCorrupt) | Some(ErrorCode::NotADatabase) => Error::Corrupt(
                "the vault database failed its integrity check (a page does not authenticate)"
                    .into(),
            ),
            Some(ErrorCode::DatabaseBusy) | Some(ErrorCode::DatabaseLocked) => {
                Error::Vault(VaultError::Busy)
            }
            Some(ErrorCode::DiskFull) => Error::Internal("the disk is full".into()),
            Some(code) => Error::Internal(format!("database error ({code:?})")),
            None => Error::Internal(format!("database error ({})", error_class(&e))),
        }
    }
}

fn error_class(e: &rusqlite::Error) -> &'static str {
    match e {
        rusqlite::Error::QueryReturnedNoRows => "no rows",
        rusqlite::Error::InvalidColumnType(..) => "column type",
        rusqlite::Error::FromSqlConversionFailure(..) => "conversion",
        _ => "other",
    }
}

/// Core's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
