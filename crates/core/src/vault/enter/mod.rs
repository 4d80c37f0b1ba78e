//! Getting into a vault: `unlock` (password + TOTP), `first_login` (one-time password →
//! own password + TOTP enrollment) and `recover` (recovery key → admin's new password
//! and TOTP). Each checks the lockout before any credential, journals every failed or
//! refused attempt while the vault is locked, and on success folds the journal into the
//! audit chain in the same transaction as its own events.

mod fold;
mod onboard;
mod quick;
mod unlock;

use fold::{carry_over, fold_journal, settle_rotation};
pub use onboard::{first_login, recover, recover_with, FirstLogin, RecoverOptions, Recovered};
pub use quick::quick_unlock;
pub use unlock::{unlock, unlock_timed, UnlockTimings};

use std::collections::{HashMap, HashSet};

use rusqlite::{params, Connection, OptionalExtension};
use subtle::ConstantTimeEq;

use super::kernel::{ChainIds, Effect, Writer};
use super::keystate;
use super::session::SessionParts;
use super::{CoreConfig, Session, VaultPaths, CLOCK_TOLERANCE_US};
use crate::audit::{NewEvent, NOBODY};
use crate::db::{self, Opened};
use crate::error::{AuthError, Denied, Error, Result};
use crate::ids::UserId;
use crate::journal::{self, Detail, Journal, LineKind, Lockout};
use crate::keyslots::{self, KeyslotFile, NewSlot, Slot, SlotKind};
use crate::lockfile::{AttemptLock, SessionLock, WriterLock};
use crate::perms::Role;
use crate::secrets::{DataKey, Password, PrivateKey, ShownSecret, TotpSecret};
use crate::users::store::{load_user, UserRow};
use crate::users::{open_totp, reset_code_hash, seal_totp, validate_user_name};
use crate::{crockford, policy, totp};
use clinic_vault_proto::Action;

/// Longest typed secret that is even looked at; longer input fails without Argon2id.
const MAX_SECRET_BYTES: usize = 4 * policy::MAX_CHARS;

/// One entry attempt on one account: what it journals, while the vault is locked, when
/// it fails or is refused.
struct Attempt<'a> {
    paths: &'a VaultPaths,
    journal_public_key: &'a [u8],
    /// The user name as typed, if it is a valid user name; otherwise empty (recorded
    /// as unknown), so nothing a user cannot be named reaches the journal.
    typed_user: String,
    kind: &'static str,
    now_us: i64,
}

impl<'a> Attempt<'a> {
    fn new(
        paths: &'a VaultPaths,
        file: &'a KeyslotFile,
        typed_user: &str,
        kind: &'static str,
        now_us: i64,
    ) -> Self {
        Attempt {
            paths,
            journal_public_key: &file.journal_public_key,
            typed_user: validate_user_name(typed_user).unwrap_or_default(),
            kind,
            now_us,
        }
    }

    fn detail(&self, result: &str) -> Detail {
        Detail {
            id: uuid::Uuid::now_v7().to_string(),
            time_us: self.now_us,
            user: self.typed_user.clone(),
            attempt: self.kind.to_string(),
            result: result.to_string(),
        }
    }

    /// Appends one line; the caller holds the writer lock.
    fn append(
        &self,
        slot_id: &str,
        line: LineKind,
        attempt_id: Option<&str>,
        result: &str,
    ) -> Result<()> {
        journal::append(
            &self.paths.journal(),
            self.journal_public_key,
            slot_id,
            line,
            attempt_id,
            &self.detail(result),
        )
    }

    /// Journals an attempt that does not count (an unknown user name, input that
    /// cannot be a credential) and returns `err`. If the journal cannot be written the
    /// attempt still fails, with the journal error.
    fn note(&self, slot_id: &str, err: Error) -> Error {
        let written = WriterLock::acquire(&self.paths.lock())
            .and_then(|_writer| self.append(slot_id, LineKind::Noted, None, err.code()));
        match written {
            Ok(()) => err,
            Err(journal_err) => journal_err,
        }
    }

    /// Checks the lockout and counts this attempt as a failure *before* any credential
    /// is looked at, in one step under the writer lock. The caller holds the account's
    /// [`AttemptLock`], so no other attempt on it runs meanwhile; a refused attempt is
    /// journaled as refused and costs nothing.
    fn begin(&self, slot_id: &str) -> Result<Ticket<'_>> {
        let _writer = WriterLock::acquire(&self.paths.lock())?;
        let journal = journal::read(&self.paths.journal())?;
        let counter = journal::counter(&journal, slot_id);
        let err = match journal::lockout(counter, crate::clock::us_to_secs(self.now_us)) {
            Lockout::Free => {
                let id = uuid::Uuid::now_v7().to_string();
                self.append(
                    slot_id,
                    LineKind::Fail,
                    Some(&id),
                    AuthError::BadCredentials.code(),
                )?;
                return Ok(Ticket {
                    attempt: self,
                    slot_id: slot_id.to_string(),
                    id,
                    committed: std::cell::Cell::new(false),
                });
            }
            Lockout::Delayed { retry_after_secs } => Error::Auth(AuthError::LockedOut {
                retry_after_secs: Some(retry_after_secs),
                n_failures: counter.n_failures,
            }),
            Lockout::Locked => Error::Auth(AuthError::LockedOut {
                retry_after_secs: None,
                n_failures: counter.n_failures,
            }),
        };
        self.append(slot_id, LineKind::Refused, None, err.code())?;
        Err(err)
    }
}

/// An attempt counted as a failure until it settles otherwise.
struct Ticket<'a> {
    attempt: &'a Attempt<'a>,
    slot_id: String,
    /// The attempt id of its `fail` line.
    id: String,
    /// Its final unit committed (a refusal recorded in the chain): nothing to take back.
    committed: std::cell::Cell<bool>,
}

impl Ticket<'_> {
    /// Settles a failed attempt: a wrong credential stays counted; any other failure
    /// (the credential was right, but the clock is behind, a one-time password expired,
    /// another attempt finished first, the vault is damaged) is taken back with a
    /// `void` line. If that line cannot be written, the attempt stays counted.
    fn settle(&self, err: Error) -> Error {
        if !self.committed.get() && !matches!(err, Error::Auth(AuthError::BadCredentials)) {
            let _ = WriterLock::acquire(&self.attempt.paths.lock()).and_then(|_writer| {
                self.attempt
                    .append(&self.slot_id, LineKind::Void, Some(&self.id), err.code())
            });
        }
        err
    }
}

/// Serialises every attempt on one account (see [`AttemptLock`]).
fn serialize_attempts(paths: &VaultPaths, account: &str) -> Result<AttemptLock> {
    AttemptLock::acquire(&paths.lock(), account)
}

/// A typed second factor.
enum Code {
    Totp(zeroize::Zeroizing<String>),
    Reset(zeroize::Zeroizing<String>),
}

fn parse_code(code: &str) -> Result<Code> {
    let code = code.trim();
    if totp::is_code_shaped(code) {
        return Ok(Code::Totp(zeroize::Zeroizing::new(code.to_string())));
    }
    if let Some(norm) = crockford::normalize_one_time_code(code) {
        return Ok(Code::Reset(norm));
    }
    Err(AuthError::MalformedCode.into())
}

/// Normalises a typed secret; `None` when it cannot possibly be right (not UTF-8, or
/// absurdly long), which counts as a failure without spending Argon2id on it.
fn typed_secret(password: &Password) -> Option<zeroize::Zeroizing<String>> {
    if password.expose_bytes().len() > MAX_SECRET_BYTES {
        return None;
    }
    policy::normalize(password.expose_bytes())
}

/// The database, opened with the key a slot unseals.
struct OpenVault {
    conn: Connection,
    dek: DataKey,
    used_next_key: bool,
}

fn open_vault(
    paths: &VaultPaths,
    file: &KeyslotFile,
    slot: &Slot,
    key: &PrivateKey,
    cfg: &CoreConfig,
) -> Result<OpenVault> {
    let dek = slot.open_dek(&file.vault_id, key).ok_or_else(|| {
        Error::Corrupt("this key slot is damaged: its data key does not open".into())
    })?;
    let (conn, dek, used_next_key) = match db::open(&paths.db(), &dek, cfg.db)? {
        Opened::Ok(conn) => (conn, dek, false),
        Opened::WrongKey => {
            let next = slot
                .open_dek_next(&file.vault_id, key)
                .ok_or_else(page_one_damaged)?;
            match db::open(&paths.db(), &next, cfg.db)? {
                Opened::Ok(conn) => (conn, next, true),
                Opened::WrongKey => return Err(page_one_damaged()),
            }
        }
    };
    // A damaged page met here keeps every session (and so `verify`) from starting:
    // name the bad pages now.
    let state = keystate::load(&conn).map_err(|e| name_bad_pages(paths, Some(&dek), cfg, e))?;
    state.check_file(file)?;
    if !state.records(slot) {
        return Err(Error::Corrupt(
            "this key slot is not the one the vault recorded (swapped or rolled back keyslots file)".into(),
        ));
    }
    Ok(OpenVault {
        conn,
        dek,
        used_next_key,
    })
}

fn page_one_damaged() -> Error {
    Error::Corrupt(
        "vault.db does not decrypt with the key its slot holds: page 1 is damaged or the keyslots file belongs to another database".into(),
    )
}

fn check_clock(conn: &Connection, now_us: i64) -> Result<()> {
    let latest: i64 = db::meta(conn, "latest_seen_us")?
        .parse()
        .map_err(|_| Error::Corrupt("vault metadata 'latest_seen_us' is damaged".into()))?;
    if now_us < latest - CLOCK_TOLERANCE_US {
        return Err(AuthError::ClockBehind {
            pc_time_us: now_us,
            latest_seen_us: latest,
        }
        .into());
    }
    Ok(())
}

/// What a successful entry changes, applied inside the final transaction.
type Apply<'a> = Box<dyn FnOnce(&Connection, &mut KeyslotFile) -> Result<Vec<NewEvent>> + 'a>;

/// Commits a successful entry: folds the journal, settles an interrupted data-key
/// rotation, applies the caller's change, records `latest_seen`, publishes key slots
/// and compacts the journal (the counters of `reset_slots` start again at zero).
// Each argument is a distinct fact about this entry; a struct would only rename them.
#[allow(clippy::too_many_arguments)]
fn finish(
    conn: &mut Connection,
    paths: &VaultPaths,
    file: &KeyslotFile,
    used_next_key: bool,
    now_us: i64,
    actor: (&str, &str),
    reset_slots: &[&str],
    own_attempt: &str,
    accept_clock: bool,
    apply: Apply<'_>,
) -> Result<()> {
    let vault_id = db::meta(conn, "vault_id")?;
    let device_id = db::meta(conn, "device_id")?;
    let ids = ChainIds {
        vault_id: &vault_id,
        device_id: &device_id,
    };
    let writer = Writer::acquire(paths)?;
    writer.unit(conn, ids, now_us, Some("enter.committed"), |unit| {
        if accept_clock {
            unit.accept_clock();
        }
        let journal = journal::read(&paths.journal())?;
        let journal_key = db::meta(unit.tx, "journal_private_key")
            .ok()
            .map(zeroize::Zeroizing::new)
            .and_then(|k| crate::b64::decode(&k).map(zeroize::Zeroizing::new))
            .and_then(|k| PrivateKey::from_slice(&k))
            .ok_or_else(|| Error::Corrupt("the vault's journal key is damaged".into()))?;
        let latest_seen_us: i64 = db::meta(unit.tx, "latest_seen_us")?.parse().unwrap_or(0);
        let window = (latest_seen_us.min(now_us), now_us);
        let skip = fold::Skip::find(unit.tx, paths, file, &journal, own_attempt, reset_slots)?;
        for event in fold_journal(unit.tx, &journal_key, &journal, &skip, window)? {
            unit.record(event);
        }
        let tx = unit.tx;
        let next = unit.slots_mut()?;
        let mut events = settle_rotation(next, used_next_key, actor);
        events.extend(apply(tx, next)?);
        let live: Vec<&str> = next.slots.iter().map(|s| s.slot_id.as_str()).collect();
        let carried = carry_over(&journal, &skip, reset_slots, &live, now_us);
        for event in events {
            unit.record(event);
        }
        unit.after_commit(Effect::RollForwardKeySlots(file.clone()));
        unit.after_commit(Effect::RewriteJournal(carried));
        Ok(())
    })
}

/// A `corrupt` error met while reading the opened database gains the list of pages
/// that fail authentication, so the admin learns what is damaged even when the damage
/// keeps every session (and so `verify`) from starting.
fn name_bad_pages(
    paths: &VaultPaths,
    dek: Option<&DataKey>,
    cfg: &CoreConfig,
    err: Error,
) -> Error {
    let (Error::Corrupt(message), Some(dek)) = (&err, dek) else {
        return err;
    };
    let Ok(Opened::Ok(conn)) = db::open(&paths.db(), dek, cfg.db) else {
        return err;
    };
    match db::integrity_problems(&conn) {
        Ok(problems) if !problems.is_empty() => Error::Corrupt(format!(
            "{message}; damaged: {}; restore the vault from a backup",
            problems.join("; ")
        )),
        _ => err,
    }
}

/// A user's new credentials after first login or recovery: a fresh key pair in a slot
/// wrapped under `secret`, and a fresh TOTP secret sealed to it (with its URI).
fn fresh_credentials(
    vault_id: &str,
    row: &UserRow,
    secret: &[u8],
    dek: &DataKey,
    cfg: &CoreConfig,
) -> Result<(Slot, Vec<u8>, ShownSecret)> {
    let (slot, _key) = keyslots::new_slot(
        vault_id,
        NewSlot {
            kind: SlotKind::User,
            user_id: Some(row.id.as_str()),
            user_name: Some(&row.name),
            one_time_expires_us: None,
        },
        secret,
        cfg.kdf,
        dek,
    )?;
    let totp_secret = TotpSecret::generate();
    let sealed = seal_totp(&slot.public_key, &row.id, &totp_secret)?;
    let uri = ShownSecret::new(totp::otpauth_uri(totp_secret.expose_bytes(), &row.name));
    Ok((slot, sealed, uri))
}
