//! The one error type that crosses core's boundary. Each variant maps to a stable code
//! (`bad_credentials`, `locked_out`, …) that the CLI and the app show; messages never
//! contain secrets, key material or database internals.

use std::path::PathBuf;

/// A failed core operation.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Wrong password, wrong or replayed code, unknown or disabled user: deliberately
    /// indistinguishable.
    #[error("{0}")]
    BadCredentials(String),
    /// Attempts are refused without checking credentials until the delay has passed, or
    /// (with `retry_after_secs` absent) until an admin or the recovery key clears it.
    #[error("{message}")]
    LockedOut {
        /// Seconds until the next attempt is checked; `None` when an admin must clear it.
        retry_after_secs: Option<u64>,
        /// What the user should do.
        message: String,
    },
    /// The PC's clock is behind the latest time this vault has seen.
    #[error("{0}")]
    ClockError(String),
    /// The user's role does not allow this, or the account is disabled.
    #[error("{0}")]
    Forbidden(String),
    /// The named thing does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The input is malformed or breaks a policy.
    #[error("{0}")]
    InvalidInput(String),
    /// The change collides with existing state (duplicate name, vault busy, last admin).
    #[error("{0}")]
    Conflict(String),
    /// No vault at that path, or a half-created one.
    #[error("no vault at {}", .0.display())]
    VaultNotFound(PathBuf),
    /// The vault was written by a newer Clinic Vault.
    #[error("this vault uses format {found}; this build understands up to {supported}: update Clinic Vault")]
    VaultTooNew {
        /// Version found on disk.
        found: u32,
        /// Newest version this build reads.
        supported: u32,
    },
    /// An integrity check failed (database pages, WAL, key slots, audit chain).
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
            Error::BadCredentials(_) => "bad_credentials",
            Error::LockedOut { .. } => "locked_out",
            Error::ClockError(_) => "clock_error",
            Error::Forbidden(_) => "forbidden",
            Error::NotFound(_) => "not_found",
            Error::InvalidInput(_) => "invalid_input",
            Error::Conflict(_) => "conflict",
            Error::VaultNotFound(_) => "vault_not_found",
            Error::VaultTooNew { .. } => "vault_too_new",
            Error::Corrupt(_) => "corrupt",
            Error::Internal(_) => "internal",
        }
    }

    /// Seconds until a locked-out user may try again, when that is known.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            Error::LockedOut {
                retry_after_secs, ..
            } => *retry_after_secs,
            _ => None,
        }
    }

    /// The generic credential failure.
    pub(crate) fn bad_credentials() -> Self {
        Error::BadCredentials("wrong user name, password or code".into())
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
                Error::Conflict("the vault is busy in another program; try again".into())
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
