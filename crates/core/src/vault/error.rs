//! What can go wrong getting into a vault, being refused inside one, or setting one up,
//! with the facts a shell needs to say so.

use std::path::PathBuf;

use crate::perms::Role;
use clinic_vault_proto::Action;

/// A failed or refused attempt to get in (unlock, first login, recovery).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// Wrong password, wrong or replayed code, unknown or disabled user: deliberately
    /// indistinguishable (`bad_credentials`).
    #[error("wrong user name, password or code")]
    BadCredentials,
    /// The one-time password was right but has expired (`bad_credentials`).
    #[error("this one-time password expired at {} UTC", crate::clock::format_utc(*.expired_us))]
    OneTimePasswordExpired {
        /// When it expired (µs since the epoch).
        expired_us: i64,
    },
    /// The TOTP reset code was right but has expired (`bad_credentials`).
    #[error("this TOTP reset code has expired")]
    ResetCodeExpired,
    /// Attempts are refused without checking credentials (`locked_out`): until the delay
    /// has passed, or with `retry_after_secs` absent until an admin or the recovery key
    /// clears it.
    #[error("{}", match retry_after_secs {
        Some(secs) => format!("too many failed attempts ({n_failures}): try again in {secs} s"),
        None => format!("account locked after {n_failures} failed attempts: an admin or the recovery key must clear it"),
    })]
    LockedOut {
        /// Seconds until the next attempt is checked; `None` when an admin must clear it.
        retry_after_secs: Option<u64>,
        /// Consecutive failures counted.
        n_failures: u32,
    },
    /// The PC's clock is behind the latest time this vault has seen (`clock_error`).
    #[error("this PC's clock reads {} UTC, but the vault was last used at {} UTC", crate::clock::format_utc(*.pc_time_us), crate::clock::format_utc(*.latest_seen_us))]
    ClockBehind {
        /// The PC's time (µs since the epoch).
        pc_time_us: i64,
        /// The latest time the vault has seen.
        latest_seen_us: i64,
    },
    /// A new user typed their one-time password where their own is expected
    /// (`invalid_input`): they need the first-login path.
    #[error("{user} still has a one-time password")]
    StillOneTimePassword {
        /// The user.
        user: String,
    },
    /// The second factor is neither 6 digits nor a reset code (`invalid_input`).
    #[error("the code must be the 6 digits your authenticator app shows (or a 20-character reset code from an admin)")]
    MalformedCode,
    /// A recovery key with a wrong check group (`invalid_input`).
    #[error("that recovery key has a typo (its check group does not match)")]
    RecoveryKeyTypo,
    /// Not shaped like a recovery key (`invalid_input`).
    #[error("that is not a recovery key (30 characters in six groups of five)")]
    NotARecoveryKey,
    /// The recovery key resets admins only (`invalid_input`).
    #[error("the recovery key resets an admin account; {user} is a {}", role.as_str())]
    RecoveryNeedsAdmin {
        /// The user named.
        user: String,
        /// Their role.
        role: Role,
    },
    /// The user named for recovery does not exist (`not_found`).
    #[error("no user named {user}")]
    UnknownUser {
        /// The name typed.
        user: String,
    },
}

impl AuthError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            AuthError::BadCredentials
            | AuthError::OneTimePasswordExpired { .. }
            | AuthError::ResetCodeExpired => "bad_credentials",
            AuthError::LockedOut { .. } => "locked_out",
            AuthError::ClockBehind { .. } => "clock_error",
            AuthError::StillOneTimePassword { .. }
            | AuthError::MalformedCode
            | AuthError::RecoveryKeyTypo
            | AuthError::NotARecoveryKey
            | AuthError::RecoveryNeedsAdmin { .. } => "invalid_input",
            AuthError::UnknownUser { .. } => "not_found",
        }
    }
}

/// Why a session operation was refused (`forbidden`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    /// The account was disabled since the unlock.
    #[error("your account has been disabled")]
    AccountDisabled,
    /// The role does not allow the action.
    #[error("a {} may not do this ({})", role.as_str(), action.wire_name())]
    RoleMayNot {
        /// The user's role.
        role: Role,
        /// What they tried.
        action: Action,
    },
    /// The user's own key slot is gone (disabled meanwhile).
    #[error("your key slot is gone (account disabled?)")]
    KeySlotGone,
}

/// Why a vault directory cannot be created or used right now (`conflict`), or is
/// incomplete (`corrupt`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VaultError {
    /// The path exists and is a file.
    #[error("{} exists and is not a directory", .0.display())]
    NotADirectory(PathBuf),
    /// A vault is there already.
    #[error("a vault already exists at {}", .0.display())]
    AlreadyExists(PathBuf),
    /// The directory holds something that is not a vault's.
    #[error("{} is not empty ({entry}); choose an empty or new directory", path.display())]
    NotEmpty {
        /// The directory.
        path: PathBuf,
        /// One foreign entry.
        entry: String,
    },
    /// Another program is rotating the data key.
    #[error("the vault is being re-keyed by another program; try again in a moment")]
    BeingRekeyed,
    /// Another session is open, so the data key cannot be rotated.
    #[error("the vault is open in another program (close the app and other sessions first)")]
    OpenElsewhere,
    /// The database is locked by another program.
    #[error("the vault is busy in another program; try again")]
    Busy,
    /// A database without its keyslots file: a vault whose creation never finished, or
    /// a lost keyslots file (`corrupt`).
    #[error("{} holds a vault database but no keyslots file: a half-created vault (create it again) or a lost keyslots file (restore it from a backup)", .0.display())]
    KeyslotsMissing(PathBuf),
    /// A keyslots file without its database (`corrupt`).
    #[error("{} holds a keyslots file but no vault.db: the database is missing", .0.display())]
    DatabaseMissing(PathBuf),
}

impl VaultError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            VaultError::KeyslotsMissing(_) | VaultError::DatabaseMissing(_) => "corrupt",
            _ => "conflict",
        }
    }
}
