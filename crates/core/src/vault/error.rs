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
    /// Another first login, recovery or authenticator reset of this account finished
    /// first (`conflict`): the credentials this attempt used were replaced meanwhile.
    #[error("this account changed while you were signing in (another first login, recovery or authenticator reset finished first); start again with its current credentials")]
    ChangedMeanwhile,
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
            AuthError::ChangedMeanwhile => "conflict",
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
    #[error("{} {} may not do this ({})", if *role == Role::Admin { "an" } else { "a" }, role.as_str(), action.wire_name())]
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
    /// A database without its keyslots file (`corrupt`): a vault whose creation never
    /// finished (`interrupted_init`: its init marker is there), or a lost keyslots file.
    #[error("{}", if *interrupted_init {
        format!("{} holds a half-created vault: its creation was interrupted before the keyslots file was written; create it again", path.display())
    } else {
        format!("{} holds a vault database but its keyslots file is missing: restore keyslots from a backup (the database cannot be opened without it)", path.display())
    })]
    KeyslotsMissing {
        /// The vault directory.
        path: PathBuf,
        /// Whether this vault's own init marker is there (creation interrupted).
        interrupted_init: bool,
    },
    /// `init` refuses to remove a database that may be a real vault's (`conflict`).
    #[error("{} holds a vault database ({}) but no keyslots file; creating a vault here would destroy it. Restore keyslots from a backup; if you are sure the database holds nothing you need, move these files away first", path.display(), files.join(", "))]
    WouldOverwrite {
        /// The vault directory.
        path: PathBuf,
        /// The files with content.
        files: Vec<String>,
    },
    /// One of the vault's files is a symbolic link or not a regular file (`corrupt`).
    #[error("{} is not a regular file (a symbolic link?): a vault's files must be plain files in its directory; someone may have tampered with it", .0.display())]
    NotARegularFile(PathBuf),
    /// A keyslots file without its database (`corrupt`).
    #[error("{} holds a keyslots file but no vault.db: the database is missing", .0.display())]
    DatabaseMissing(PathBuf),
}

impl VaultError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            VaultError::KeyslotsMissing { .. }
            | VaultError::DatabaseMissing(_)
            | VaultError::NotARegularFile(_) => "corrupt",
            _ => "conflict",
        }
    }
}
