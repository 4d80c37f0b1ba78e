//! Quick unlock with a PIN (issue 18, DESIGN §4). After a full unlock a user may set a
//! PIN; when their session then locks for idle time or the OS screen lock
//! ([`crate::Session::lock_and_arm`]), the only thing kept is the *current data key*
//! wrapped (AES-256-GCM) under Argon2id(PIN, a fresh random salt), in a locked page
//! (`locked.rs`); the database is closed and every other key, the private key included,
//! zeroized as on any lock. [`Registry`] holds one such wrapped key per user who fully
//! unlocked on this PC within the window, so several staff can each come back with
//! their PIN (fast user switching). [`crate::vault::quick_unlock`] is the entry path.
//!
//! Limits: three wrong PINs, the window since the last full unlock, suspend / exit /
//! "lock and require password" ([`Registry::wipe_all`], [`Registry::wipe_user`]), an
//! account disabled, reset or given another role, and a rotated data key each wipe the
//! wrapped key. In-process changes wipe it at once; changes made elsewhere (the CLI,
//! another PC) are found when the PIN is used, because the entry path re-reads the
//! account and opens the database with the key.

pub mod error;
mod locked;
mod ops;
pub mod pin;
pub mod settings;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use zeroize::Zeroizing;

use crate::crypto::{self, KdfParams};
use crate::ids::UserId;
use crate::perms::Role;
use crate::secrets::DataKey;
pub use error::{QuickError, Unavailable};
pub(crate) use locked::LockedBytes;
pub use pin::Pin;
pub use settings::QuickUnlockSettings;

/// Wrong PINs allowed before the wrapped key is wiped.
pub const MAX_WRONG_PINS: u8 = 3;

/// Argon2id parameters for the PIN's key, chosen so a quick unlock stays within 300 ms
/// on the clinic PC in a release build (docs/BENCHMARKS.md, "Quick unlock": 96 MiB,
/// t=3, p=4 took 195 ms alone and about 205 ms for the whole quick unlock on a quiet
/// 2-core machine; 128 MiB took 286 ms alone, too close to the target). Each guess at
/// a copied memory image costs an attacker the same.
pub const PIN_KDF: KdfParams = KdfParams {
    m_kib: 96 * 1024,
    t: 3,
    p: 4,
};

/// What a lock did about quick unlock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArmOutcome {
    /// The wrapped data key is held: the user can come back with their PIN.
    Armed,
    /// The user set no PIN.
    NoPin,
    /// The admin turned quick unlock off.
    TurnedOff,
    /// The window since the last full unlock has passed.
    WindowOver,
    /// Memory could not be locked against swapping, so nothing was kept.
    MemoryNotLockable,
}

impl ArmOutcome {
    /// A short snake-case name, for the lock's event and the shells.
    pub fn as_str(self) -> &'static str {
        match self {
            ArmOutcome::Armed => "armed",
            ArmOutcome::NoPin => "no_pin",
            ArmOutcome::TurnedOff => "turned_off",
            ArmOutcome::WindowOver => "window_over",
            ArmOutcome::MemoryNotLockable => "memory_not_lockable",
        }
    }
}

/// One user's wrapped data key and what it may be used for.
pub(crate) struct Armed {
    pub vault_id: String,
    pub user_id: UserId,
    pub user_name: String,
    pub role: Role,
    salt: [u8; 16],
    kdf: KdfParams,
    /// `nonce ‖ ciphertext ‖ tag` of the data key, in a locked page.
    wrapped: LockedBytes,
    pub wrong_left: u8,
    /// The last full unlock (wall clock, and the monotonic clock then).
    pub full_unlock_us: i64,
    pub full_unlock_mono_us: i64,
    /// When the window closes, on the monotonic clock.
    pub deadline_mono_us: i64,
}

impl std::fmt::Debug for Armed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Armed")
            .field("user", &self.user_name)
            .field("wrong_left", &self.wrong_left)
            .finish_non_exhaustive()
    }
}

/// Who an [`Armed`] key is for, as the session knows it at the lock.
pub(crate) struct ArmFor<'a> {
    pub vault_id: &'a str,
    pub user_id: &'a UserId,
    pub user_name: &'a str,
    pub role: Role,
    pub full_unlock_us: i64,
    pub full_unlock_mono_us: i64,
    pub deadline_mono_us: i64,
}

fn wrap_aad(vault_id: &str, user_id: &str, role: Role, salt: &[u8]) -> Vec<u8> {
    let mut aad = b"clinic-vault/quick-unlock/v1\0".to_vec();
    for part in [
        vault_id.as_bytes(),
        user_id.as_bytes(),
        role.as_str().as_bytes(),
    ] {
        aad.extend_from_slice(part);
        aad.push(0);
    }
    aad.extend_from_slice(salt);
    aad
}

impl Armed {
    /// Wraps `dek` under Argon2id(`pin`, a fresh salt) into a locked page.
    pub(crate) fn wrap(
        who: ArmFor<'_>,
        pin: &[u8],
        dek: &DataKey,
        kdf: KdfParams,
    ) -> Result<Armed, ArmError> {
        let salt: [u8; 16] = crypto::random_array();
        let kek = crypto::derive_kek(pin, &salt, &kdf).map_err(|_| ArmError::Derivation)?;
        let aad = wrap_aad(who.vault_id, who.user_id.as_str(), who.role, &salt);
        let sealed = Zeroizing::new(crypto::aead_seal(&kek, &aad, dek.expose_bytes()));
        let wrapped = LockedBytes::new(&sealed).map_err(|_| ArmError::MemoryNotLockable)?;
        Ok(Armed {
            vault_id: who.vault_id.to_string(),
            user_id: who.user_id.clone(),
            user_name: who.user_name.to_string(),
            role: who.role,
            salt,
            kdf,
            wrapped,
            wrong_left: MAX_WRONG_PINS,
            full_unlock_us: who.full_unlock_us,
            full_unlock_mono_us: who.full_unlock_mono_us,
            deadline_mono_us: who.deadline_mono_us,
        })
    }

    /// The data key, if `pin` is the one it was wrapped under.
    pub(crate) fn unwrap(&self, pin: &Pin) -> crate::Result<Option<DataKey>> {
        let kek = crypto::derive_kek(pin.expose_digits(), &self.salt, &self.kdf)?;
        let aad = wrap_aad(&self.vault_id, self.user_id.as_str(), self.role, &self.salt);
        Ok(crypto::aead_open(&kek, &aad, self.wrapped.expose())
            .and_then(|bytes| DataKey::from_slice(&bytes)))
    }
}

/// Why arming failed.
#[derive(Debug)]
pub(crate) enum ArmError {
    /// Argon2id refused its parameters.
    Derivation,
    /// No locked page could be had.
    MemoryNotLockable,
}

/// One user's place in the registry. Its mutex is held for the whole of an attempt
/// (the Argon2id derivation included), so attempts on one user run one at a time and
/// every guess is counted before the next begins: concurrent attempts can never make
/// more than [`MAX_WRONG_PINS`] guesses in total.
#[derive(Debug)]
pub(crate) struct Entry {
    pub user_name: String,
    held: Mutex<Option<Armed>>,
}

impl Entry {
    pub(crate) fn lock(&self) -> MutexGuard<'_, Option<Armed>> {
        self.held
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The users armed for quick unlock in this process, by user id. Shared by every
/// session made from one [`crate::CoreConfig`] (clones share it).
#[derive(Debug, Default)]
pub struct Registry {
    entries: Mutex<HashMap<String, Arc<Entry>>>,
}

/// A user the unlock screen may offer "Unlock as NAME with PIN" for.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ArmedUser {
    /// The user name.
    pub user: String,
    /// Wrong PINs left.
    pub attempts_left: u8,
}

impl Registry {
    fn map(&self) -> MutexGuard<'_, HashMap<String, Arc<Entry>>> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The users who can quick-unlock now (`now_mono_us` on the monotonic clock), in
    /// name order. Users whose window has passed are wiped on the way (this waits for
    /// an attempt that is running).
    pub fn armed_users(&self, now_mono_us: i64) -> Vec<ArmedUser> {
        let entries: Vec<Arc<Entry>> = self.map().values().cloned().collect();
        let mut users = Vec::new();
        for entry in entries {
            let mut held = entry.lock();
            let state = held
                .as_ref()
                .map(|a| (now_mono_us < a.deadline_mono_us, a.wrong_left));
            match state {
                Some((true, attempts_left)) => users.push(ArmedUser {
                    user: entry.user_name.clone(),
                    attempts_left,
                }),
                Some((false, _)) => {
                    *held = None;
                    drop(held);
                    self.remove_if_same(&entry);
                }
                None => {}
            }
        }
        users.sort_by(|a, b| a.user.cmp(&b.user));
        users
    }

    /// Wipes every wrapped key (suspend, hibernate, exit, a rotated data key, changed
    /// settings).
    pub fn wipe_all(&self) {
        let entries: Vec<Arc<Entry>> = self.map().drain().map(|(_, e)| e).collect();
        for entry in entries {
            *entry.lock() = None;
        }
    }

    /// Wipes one user's wrapped key ("lock and require password", account changes).
    pub fn wipe_user(&self, user_id: &str) {
        let entry = self.map().remove(user_id);
        if let Some(entry) = entry {
            *entry.lock() = None;
        }
    }

    /// Wipes the wrapped key of the user named `name`.
    pub fn wipe_named(&self, name: &str) {
        let ids: Vec<String> = self
            .map()
            .iter()
            .filter(|(_, e)| e.user_name == name)
            .map(|(id, _)| id.clone())
            .collect();
        for id in ids {
            self.wipe_user(&id);
        }
    }

    /// Holds `armed`, replacing what its user had.
    pub(crate) fn insert(&self, armed: Armed) {
        let entry = Arc::new(Entry {
            user_name: armed.user_name.clone(),
            held: Mutex::new(None),
        });
        let user_id = armed.user_id.as_str().to_string();
        *entry.lock() = Some(armed);
        let old = self.map().insert(user_id, entry);
        if let Some(old) = old {
            *old.lock() = None;
        }
    }

    /// The entry of the user named `name`.
    pub(crate) fn entry_named(&self, name: &str) -> Option<Arc<Entry>> {
        self.map().values().find(|e| e.user_name == name).cloned()
    }

    /// Drops `entry` from the map if it is still the one held for its user.
    pub(crate) fn remove_if_same(&self, entry: &Arc<Entry>) {
        self.map().retain(|_, e| !Arc::ptr_eq(e, entry));
    }
}

#[cfg(test)]
mod memory_tests;
#[cfg(test)]
mod tests;
