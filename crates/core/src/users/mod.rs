//! Staff accounts: what the account operations return, the rules for user names, the
//! sealing of TOTP secrets to their user's key, the `users` table's SQL (`store`) and
//! the account operations on a session (`ops`).

pub mod error;
mod ops;
pub(crate) mod store;
#[cfg(test)]
mod tests;

pub use store::{PasswordState, TotpState};

use serde::Serialize;
use unicode_normalization::UnicodeNormalization;

use crate::audit::NOBODY;
use crate::crypto::{self, Sealed};
use crate::error::{Error, NameRule, Result, UserError};
use crate::perms::Role;
use crate::secrets::{PrivateKey, ShownSecret, TotpSecret};

/// What disabling an account asks of the admin next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Disabled {
    /// The account was an admin's, who may know the recovery key: rotate it.
    pub rotate_recovery_key: bool,
}

/// How long a new user's one-time password (and a TOTP reset code) stays valid.
pub const ONE_TIME_VALIDITY_US: i64 = 72 * 3600 * 1_000_000;

/// Who is unlocked.
#[derive(Debug, Clone, Serialize)]
pub struct WhoAmI {
    /// User name.
    pub user: String,
    /// Role.
    pub role: Role,
    /// The vault's id.
    pub vault_id: String,
}

/// A user as `user list` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct UserSummary {
    /// User name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Whether the account can unlock.
    pub enabled: bool,
    /// `one_time` until first login, then `set`.
    pub password: PasswordState,
    /// `none`, `pending` (not yet confirmed by a code), `confirmed` or `reset`.
    pub totp: TotpState,
    /// Consecutive failed attempts.
    pub failed_attempts: u32,
    /// Whether attempts are currently refused.
    pub locked_out: bool,
}

/// A user just added or re-enabled, with the one-time password to hand over.
#[derive(Debug)]
pub struct AddedUser {
    /// User name.
    pub user: String,
    /// Role.
    pub role: Role,
    /// The one-time password, shown once.
    pub one_time_password: ShownSecret,
    /// When it stops working (µs since the epoch).
    pub expires_us: i64,
}

/// Checks and normalises a user name: 1–64 characters after NFC, no control
/// characters, no leading or trailing spaces.
pub fn validate_user_name(name: &str) -> Result<String> {
    let nfc: String = name.nfc().collect();
    let n_chars = nfc.chars().count();
    if n_chars == 0 || n_chars > 64 {
        return Err(UserError::InvalidName(NameRule::Length).into());
    }
    if nfc.chars().any(char::is_control) {
        return Err(UserError::InvalidName(NameRule::ControlCharacters).into());
    }
    if nfc.trim() != nfc {
        return Err(UserError::InvalidName(NameRule::EdgeSpaces).into());
    }
    if nfc == NOBODY {
        return Err(UserError::InvalidName(NameRule::Reserved).into());
    }
    Ok(nfc)
}

const TOTP_INFO: &[u8] = b"clinic-vault/totp/v1";

/// Seals a TOTP secret to the user's public key: only the user's own key opens it.
pub(crate) fn seal_totp(public_key: &[u8], user_id: &str, secret: &TotpSecret) -> Result<Vec<u8>> {
    let sealed = crypto::hpke_seal(
        public_key,
        TOTP_INFO,
        user_id.as_bytes(),
        secret.expose_bytes(),
    )?;
    Ok(serde_json::to_vec(&sealed).expect("sealed serializes"))
}

pub(crate) fn open_totp(key: &PrivateKey, user_id: &str, stored: &[u8]) -> Result<TotpSecret> {
    let sealed: Sealed = serde_json::from_slice(stored)
        .map_err(|_| Error::Corrupt("a stored TOTP secret is damaged".into()))?;
    let plain =
        crypto::hpke_open(key, TOTP_INFO, user_id.as_bytes(), &sealed).ok_or_else(|| {
            Error::Corrupt("a stored TOTP secret does not open with its user's key".into())
        })?;
    Ok(TotpSecret::from_vec(plain))
}

/// SHA-256 of a normalised reset code (100 random bits: a fast hash is enough).
pub(crate) fn reset_code_hash(normalized: &str) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    Sha256::new()
        .chain_update(b"clinic-vault/totp-reset/v1")
        .chain_update(normalized.as_bytes())
        .finalize()
        .to_vec()
}
