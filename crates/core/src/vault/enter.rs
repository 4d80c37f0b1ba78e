//! Getting into a vault: `unlock` (password + TOTP), `first_login` (one-time password →
//! own password + TOTP enrollment) and `recover` (recovery key → admin's new password
//! and TOTP). Each checks the lockout before any credential, journals every failed or
//! refused attempt while the vault is locked, and on success folds the journal into the
//! audit chain in the same transaction as its own events.

use std::collections::{HashMap, HashSet};

use rusqlite::{params, Connection, OptionalExtension};
use subtle::ConstantTimeEq;

use super::kernel::{ChainIds, Effect, Writer};
use super::keystate;
use super::session::SessionParts;
use super::{
    open_totp, reset_code_hash, seal_totp, validate_user_name, CoreConfig, Session, VaultPaths,
    CLOCK_TOLERANCE_US,
};
use crate::audit::{NewEvent, NOBODY};
use crate::db::{self, Opened};
use crate::error::{Error, Result};
use crate::journal::{self, Detail, Journal, LineKind, Lockout};
use crate::keyslots::{self, KeyslotFile, NewSlot, Slot, SlotKind};
use crate::lockfile::{SessionLock, WriterLock};
use crate::perms::Role;
use crate::secrets::{DataKey, Password, PrivateKey, ShownSecret, TotpSecret};
use crate::{crockford, policy, totp};
use clinic_vault_proto::Action;

/// Longest typed secret that is even looked at; longer input fails without Argon2id.
const MAX_SECRET_BYTES: usize = 4 * policy::MAX_CHARS;

/// What a failed or refused attempt was.
struct Attempt<'a> {
    paths: &'a VaultPaths,
    file: &'a KeyslotFile,
    typed_user: &'a str,
    kind: &'static str,
    now_us: i64,
}

impl Attempt<'_> {
    fn journal(&self, slot_id: &str, line: LineKind, result: &str) -> Result<()> {
        let _writer = WriterLock::acquire(&self.paths.lock())?;
        let detail = Detail {
            id: uuid::Uuid::now_v7().to_string(),
            time_us: self.now_us,
            user: self.typed_user.to_string(),
            attempt: self.kind.to_string(),
            result: result.to_string(),
        };
        journal::append(
            &self.paths.journal(),
            &self.file.journal_public_key,
            slot_id,
            line,
            &detail,
        )
    }

    /// Journals a counted failure and returns `err`. If the journal cannot be written
    /// the attempt still fails, with the journal error.
    fn fail(&self, slot_id: &str, err: Error) -> Error {
        match self.journal(slot_id, LineKind::Fail, err.code()) {
            Ok(()) => err,
            Err(journal_err) => journal_err,
        }
    }

    /// Journals an attempt that does not count and returns `err`.
    fn note(&self, slot_id: &str, err: Error) -> Error {
        match self.journal(slot_id, LineKind::Noted, err.code()) {
            Ok(()) => err,
            Err(journal_err) => journal_err,
        }
    }

    /// Refuses without looking at credentials while the slot is delayed or locked.
    fn check_lockout(&self, slot_id: &str) -> Result<()> {
        let journal = {
            let _writer = WriterLock::acquire(&self.paths.lock())?;
            journal::read(&self.paths.journal())?
        };
        let counter = journal::counter(&journal, slot_id);
        let err = match journal::lockout(counter, crate::clock::us_to_secs(self.now_us)) {
            Lockout::Free => return Ok(()),
            Lockout::Delayed { retry_after_secs } => Error::LockedOut {
                retry_after_secs: Some(retry_after_secs),
                message: format!(
                    "too many failed attempts ({}): try again in {retry_after_secs} s",
                    counter.n_failures
                ),
            },
            Lockout::Locked => Error::LockedOut {
                retry_after_secs: None,
                message: format!(
                    "account locked after {} failed attempts: an admin must clear it (user unlock) or use the recovery key",
                    counter.n_failures
                ),
            },
        };
        self.journal(slot_id, LineKind::Refused, err.code())?;
        Err(err)
    }
}

/// A typed second factor.
enum Code {
    Totp(String),
    Reset(String),
}

fn parse_code(code: &str) -> Result<Code> {
    let code = code.trim();
    if totp::is_code_shaped(code) {
        return Ok(Code::Totp(code.to_string()));
    }
    if let Some(norm) = crockford::normalize_one_time_code(code) {
        return Ok(Code::Reset(norm));
    }
    Err(Error::InvalidInput(
        "the code must be the 6 digits your authenticator app shows (or a 20-character reset code from an admin)".into(),
    ))
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
        return Err(Error::ClockError(format!(
            "this PC's clock reads {} UTC, but the vault was last used at {} UTC: correct the PC's date and time, then try again",
            crate::clock::format_utc(now_us),
            crate::clock::format_utc(latest)
        )));
    }
    Ok(())
}

struct UserRow {
    id: String,
    name: String,
    role: Role,
    enabled: bool,
    totp_state: String,
    totp_sealed: Option<Vec<u8>>,
    totp_last_step: Option<i64>,
    totp_reset_hash: Option<Vec<u8>>,
    totp_reset_expires_us: Option<i64>,
}

fn load_user(conn: &Connection, column: &str, value: &str) -> Result<Option<UserRow>> {
    let sql = format!(
        "SELECT id, name, role, enabled, totp_state, totp_sealed, totp_last_step,
                totp_reset_hash, totp_reset_expires_us FROM users WHERE {column} = ?1"
    );
    let row = conn
        .query_row(&sql, [value], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<Vec<u8>>>(5)?,
                r.get::<_, Option<i64>>(6)?,
                r.get::<_, Option<Vec<u8>>>(7)?,
                r.get::<_, Option<i64>>(8)?,
            ))
        })
        .optional()?;
    row.map(
        |(id, name, role, enabled, totp_state, totp_sealed, last, reset_hash, reset_exp)| {
            Ok(UserRow {
                id,
                name,
                role: Role::parse(&role)
                    .map_err(|_| Error::Corrupt("a stored role is damaged".into()))?,
                enabled: enabled == 1,
                totp_state,
                totp_sealed,
                totp_last_step: last,
                totp_reset_hash: reset_hash,
                totp_reset_expires_us: reset_exp,
            })
        },
    )
    .transpose()
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
        let journal = journal::read(&paths.journal())?;
        let journal_key = db::meta(unit.tx, "journal_private_key")
            .ok()
            .and_then(|k| crate::b64::decode(&k))
            .and_then(|k| PrivateKey::from_slice(&k))
            .ok_or_else(|| Error::Corrupt("the vault's journal key is damaged".into()))?;
        for event in fold_journal(unit.tx, &journal_key, &journal, now_us)? {
            unit.record(event);
        }
        let tx = unit.tx;
        let next = unit.slots_mut()?;
        let mut events = settle_rotation(next, used_next_key, actor);
        events.extend(apply(tx, next)?);
        let live: Vec<&str> = next.slots.iter().map(|s| s.slot_id.as_str()).collect();
        let carried = carry_over(&journal, reset_slots, &live);
        for event in events {
            unit.record(event);
        }
        unit.after_commit(Effect::RollForwardKeySlots(file.clone()));
        unit.after_commit(Effect::RewriteJournal(carried));
        Ok(())
    })
}

/// A rotation whose `PRAGMA rekey` ran (the next key opened the database) is finished;
/// one that never reached it is abandoned, keeping the old key.
fn settle_rotation(
    next: &mut KeyslotFile,
    used_next_key: bool,
    actor: (&str, &str),
) -> Vec<NewEvent> {
    if !next.slots.iter().any(|s| s.next_sealed_dek.is_some()) {
        return Vec::new();
    }
    for slot in &mut next.slots {
        let next_sealed = slot.next_sealed_dek.take();
        if used_next_key {
            if let Some(sealed) = next_sealed {
                slot.sealed_dek = sealed;
            }
        }
    }
    let (outcome, note) = if used_next_key {
        ("success", "completed at unlock after an interruption")
    } else {
        (
            "failure",
            "interrupted before the database was re-encrypted; the old key stays in use",
        )
    };
    vec![NewEvent::new(actor.0, actor.1, Action::VaultRekey)
        .outcome(outcome)
        .detail(serde_json::json!({ "note": note }))]
}

fn fold_journal(
    conn: &Connection,
    key: &PrivateKey,
    journal: &Journal,
    now_us: i64,
) -> Result<Vec<NewEvent>> {
    let mut events = Vec::new();
    let mut counts: HashMap<&str, u32> = HashMap::new();
    let mut n_unopenable = 0usize;
    let mut seen_ids = HashSet::new();
    for line in &journal.lines {
        let count = counts.entry(line.slot.as_str()).or_default();
        match line.k {
            LineKind::Fail => *count += 1,
            LineKind::Clear => *count = 0,
            LineKind::Refused | LineKind::Noted => {}
        }
        let n_failures = *count;
        if line.sealed.is_none() {
            continue;
        }
        let Some(detail) = journal::open_detail(key, line) else {
            n_unopenable += 1;
            continue;
        };
        let already: bool = conn
            .query_row(
                "SELECT 1 FROM journal_folded WHERE id = ?1",
                [&detail.id],
                |_| Ok(()),
            )
            .optional()?
            .is_some();
        if already || !seen_ids.insert(detail.id.clone()) {
            continue;
        }
        conn.execute("INSERT INTO journal_folded (id) VALUES (?1)", [&detail.id])?;
        let action = match detail.attempt.as_str() {
            "recovery" => Action::RecoveryUse,
            "first_login" => Action::UserFirstLogin,
            _ => Action::UserUnlock,
        };
        let outcome = if line.k == LineKind::Refused {
            "denied"
        } else {
            "failure"
        };
        let actor = if detail.user.is_empty() {
            NOBODY.to_string()
        } else {
            detail.user.clone()
        };
        events.push(
            NewEvent::new(&actor, NOBODY, action)
                .resource(actor.clone())
                .outcome(outcome)
                .at(detail.time_us)
                .detail(serde_json::json!({ "result": detail.result, "while": "locked" })),
        );
        if line.k == LineKind::Fail
            && (n_failures == journal::DELAY_AFTER_FAILURES
                || n_failures == journal::HARD_LOCK_AFTER_FAILURES)
        {
            let hard = n_failures == journal::HARD_LOCK_AFTER_FAILURES;
            events.push(
                NewEvent::new(&actor, NOBODY, Action::UserLockout)
                    .resource(actor.clone())
                    .outcome("failure")
                    .at(detail.time_us)
                    .detail(serde_json::json!({ "failures": n_failures, "until_cleared": hard })),
            );
        }
    }
    if journal.n_unreadable > 0 || n_unopenable > 0 {
        conn.execute(
            "INSERT INTO journal_quarantine (time_us, content) VALUES (?1, ?2)",
            params![now_us, journal.raw],
        )?;
        events.push(
            NewEvent::new(NOBODY, NOBODY, Action::JournalQuarantine)
                .outcome("failure")
                .detail(serde_json::json!({
                    "unreadable_lines": journal.n_unreadable,
                    "unopenable_lines": n_unopenable,
                    "note": "the pre-unlock journal held lines that were not written by this vault; kept in journal_quarantine",
                })),
        );
    }
    Ok(events)
}

/// The journal after a fold: for each live slot still counting failures, that many
/// unsealed lines at its last failure time (already folded, so never folded again).
fn carry_over(journal: &Journal, reset_slots: &[&str], live_slots: &[&str]) -> Vec<journal::Line> {
    let mut slots: Vec<&str> = journal.lines.iter().map(|l| l.slot.as_str()).collect();
    slots.sort_unstable();
    slots.dedup();
    let mut lines = Vec::new();
    for slot in slots
        .into_iter()
        .filter(|s| live_slots.contains(s) && !reset_slots.contains(s))
    {
        let counter = journal::counter(journal, slot);
        for _ in 0..counter.n_failures {
            lines.push(journal::Line {
                slot: slot.to_string(),
                t: counter.last_failure_secs,
                k: LineKind::Fail,
                sealed: None,
            });
        }
    }
    lines
}

/// Unlocks `root` as `user` with password and TOTP code (or a TOTP reset code).
pub fn unlock(
    root: &std::path::Path,
    user: &str,
    password: &Password,
    code: &str,
    cfg: &CoreConfig,
) -> Result<Session> {
    unlock_timed(root, user, password, code, cfg).map(|(session, _)| session)
}

/// Where an unlock spent its time.
#[derive(Debug, Clone, Copy)]
pub struct UnlockTimings {
    /// Argon2id and unwrapping the private key.
    pub kdf: std::time::Duration,
    /// Everything after: unsealing the data key, opening and checking the database,
    /// loading the user, TOTP, the audit commit.
    pub after_kdf: std::time::Duration,
}

/// [`unlock`], also reporting where the time went (for benchmarks and diagnostics).
pub fn unlock_timed(
    root: &std::path::Path,
    user: &str,
    password: &Password,
    code: &str,
    cfg: &CoreConfig,
) -> Result<(Session, UnlockTimings)> {
    let paths = VaultPaths::existing(root)?;
    let file = keyslots::read(&paths.keyslots())?;
    let now_us = cfg.clock.now_us();
    let attempt = Attempt {
        paths: &paths,
        file: &file,
        typed_user: user,
        kind: "unlock",
        now_us,
    };
    let code = parse_code(code)?;
    let Some(slot) = file.user_slot(user) else {
        return Err(attempt.note(NOBODY, Error::bad_credentials()));
    };
    attempt.check_lockout(&slot.slot_id)?;
    let Some(mut secret) = typed_secret(password) else {
        return Err(attempt.fail(&slot.slot_id, Error::bad_credentials()));
    };
    if slot.one_time_expires_us.is_some() {
        // A new user typing their one-time password here (as shown, with hyphens)
        // should learn to run first-login, not see a wrong-password error.
        if let Some(code) = crockford::normalize_one_time_code(&secret) {
            secret = zeroize::Zeroizing::new(code);
        }
    }
    let kdf_started = std::time::Instant::now();
    let Some(key) = slot.open_private_key(&file.vault_id, secret.as_bytes())? else {
        return Err(attempt.fail(&slot.slot_id, Error::bad_credentials()));
    };
    let kdf = kdf_started.elapsed();
    let after_started = std::time::Instant::now();
    if slot.one_time_expires_us.is_some() {
        return Err(Error::InvalidInput(format!(
            "{user} still has a one-time password: run first-login to choose a password and set up the authenticator"
        )));
    }
    let lock = SessionLock::acquire_shared(&paths.lock())?;
    let mut opened = open_vault(&paths, &file, slot, &key, cfg)
        .map_err(|e| name_bad_pages(&paths, None, cfg, e))?;
    let user_id = slot
        .user_id
        .clone()
        .ok_or_else(|| Error::Corrupt("a user slot has no user id".into()))?;
    let checked = (|| {
        let conn = &mut opened.conn;
        let Some(row) = load_user(conn, "id", &user_id)? else {
            return Err(Error::Corrupt(
                "a key slot names a user the vault does not know".into(),
            ));
        };
        if !row.enabled {
            return Err(attempt.fail(&slot.slot_id, Error::bad_credentials()));
        }
        if let Err(e) = check_clock(conn, now_us) {
            return Err(attempt.note(&slot.slot_id, e));
        }
        let now_step = totp::step_at(crate::clock::us_to_secs(now_us));
        let mut enrolled_uri = None;
        let mut extra_events = Vec::new();
        let (state, sealed, step): (&str, Option<Vec<u8>>, Option<i64>) =
            match (&code, row.totp_state.as_str()) {
                (Code::Totp(code), "pending" | "confirmed") => {
                    let sealed = row
                        .totp_sealed
                        .as_deref()
                        .ok_or_else(|| Error::Corrupt("a TOTP secret is missing".into()))?;
                    let secret = open_totp(&key, &row.id, sealed)?;
                    let Some(step) = totp::matching_step(
                        secret.expose_bytes(),
                        code,
                        now_step,
                        row.totp_last_step,
                    ) else {
                        return Err(attempt.fail(&slot.slot_id, Error::bad_credentials()));
                    };
                    if row.totp_state == "pending" {
                        extra_events.push(
                            NewEvent::new(&row.name, row.role.as_str(), Action::UserTotpConfirm)
                                .resource(&row.name),
                        );
                    }
                    ("confirmed", None, Some(step))
                }
                (Code::Reset(code), "reset") => {
                    let expected = row.totp_reset_hash.as_deref().unwrap_or_default();
                    let matches: bool = reset_code_hash(code).ct_eq(expected).into();
                    if !matches {
                        return Err(attempt.fail(&slot.slot_id, Error::bad_credentials()));
                    }
                    if row.totp_reset_expires_us.is_none_or(|exp| now_us >= exp) {
                        return Err(Error::BadCredentials(
                            "this TOTP reset code has expired: ask an admin for a new one".into(),
                        ));
                    }
                    let secret = TotpSecret::generate();
                    let public_key = crate::crypto::public_key_of(&key)?;
                    enrolled_uri = Some(ShownSecret::new(totp::otpauth_uri(
                        secret.expose_bytes(),
                        &row.name,
                    )));
                    extra_events.push(
                        NewEvent::new(&row.name, row.role.as_str(), Action::UserTotpEnroll)
                            .resource(&row.name),
                    );
                    (
                        "pending",
                        Some(seal_totp(&public_key, &row.id, &secret)?),
                        None,
                    )
                }
                _ => return Err(attempt.fail(&slot.slot_id, Error::bad_credentials())),
            };
        let (name, role, apply_user_id) = (row.name.clone(), row.role, user_id.clone());
        let apply: Apply<'_> = Box::new(move |tx, _slots| {
            if let Some(sealed) = sealed {
                tx.execute(
                    "UPDATE users SET totp_state = ?1, totp_sealed = ?2, totp_last_step = NULL,
                         totp_reset_hash = NULL, totp_reset_expires_us = NULL WHERE id = ?3",
                    params![state, sealed, apply_user_id],
                )?;
            } else {
                tx.execute(
                    "UPDATE users SET totp_state = ?1, totp_last_step = ?2 WHERE id = ?3",
                    params![state, step, apply_user_id],
                )?;
            }
            let mut events =
                vec![NewEvent::new(&name, role.as_str(), Action::UserUnlock).resource(&name)];
            events.extend(extra_events);
            Ok(events)
        });
        finish(
            conn,
            &paths,
            &file,
            opened.used_next_key,
            now_us,
            (&row.name, row.role.as_str()),
            &[&slot.slot_id],
            apply,
        )?;
        Ok((row, enrolled_uri))
    })();
    let (row, enrolled_uri) =
        checked.map_err(|e| name_bad_pages(&paths, Some(&opened.dek), cfg, e))?;
    let vault_id = db::meta(&opened.conn, "vault_id")?;
    let device_id = db::meta(&opened.conn, "device_id")?;
    let session = Session::new(SessionParts {
        paths,
        conn: opened.conn,
        dek: opened.dek,
        private_key: key,
        user_id,
        user_name: row.name,
        role: row.role,
        vault_id,
        device_id,
        cfg: cfg.clone(),
        lock,
        enrolled_totp_uri: enrolled_uri,
    });
    Ok((
        session,
        UnlockTimings {
            kdf,
            after_kdf: after_started.elapsed(),
        },
    ))
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
            user_id: Some(&row.id),
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

/// The result of a first login.
#[derive(Debug)]
pub struct FirstLogin {
    /// The user's new `otpauth://` URI; the first successful unlock confirms it.
    pub totp_uri: ShownSecret,
}

/// Replaces a new user's one-time password with their own and enrolls their TOTP. The
/// account gets a fresh key pair, so whoever saw the one-time password learns nothing
/// that still works.
pub fn first_login(
    root: &std::path::Path,
    user: &str,
    one_time_password: &Password,
    new_password: &Password,
    cfg: &CoreConfig,
) -> Result<FirstLogin> {
    let paths = VaultPaths::existing(root)?;
    let file = keyslots::read(&paths.keyslots())?;
    let now_us = cfg.clock.now_us();
    let attempt = Attempt {
        paths: &paths,
        file: &file,
        typed_user: user,
        kind: "first_login",
        now_us,
    };
    let Some(slot) = file.user_slot(user) else {
        return Err(attempt.note(NOBODY, Error::bad_credentials()));
    };
    attempt.check_lockout(&slot.slot_id)?;
    let typed =
        typed_secret(one_time_password).and_then(|t| crockford::normalize_one_time_code(&t));
    let Some(otp) = typed else {
        return Err(attempt.fail(&slot.slot_id, Error::bad_credentials()));
    };
    let Some(key) = slot.open_private_key(&file.vault_id, otp.as_bytes())? else {
        return Err(attempt.fail(&slot.slot_id, Error::bad_credentials()));
    };
    match slot.one_time_expires_us {
        None => return Err(attempt.fail(&slot.slot_id, Error::bad_credentials())),
        Some(expires) if now_us >= expires => {
            return Err(Error::BadCredentials(format!(
                "this one-time password expired at {} UTC: ask an admin to issue a new one (user disable, then user enable)",
                crate::clock::format_utc(expires)
            )))
        }
        Some(_) => {}
    }
    let name = validate_user_name(user)?;
    let new_secret = policy::check_new(&name, new_password.expose_bytes())?;
    let _lock = SessionLock::acquire_shared(&paths.lock())?;
    let OpenVault {
        mut conn,
        dek,
        used_next_key,
        ..
    } = open_vault(&paths, &file, slot, &key, cfg)?;
    check_clock(&conn, now_us).map_err(|e| attempt.note(&slot.slot_id, e))?;
    let user_id = slot
        .user_id
        .clone()
        .ok_or_else(|| Error::Corrupt("a user slot has no user id".into()))?;
    let row = load_user(&conn, "id", &user_id)?
        .ok_or_else(|| Error::Corrupt("a key slot names a user the vault does not know".into()))?;
    let (new_slot, sealed, totp_uri) =
        fresh_credentials(&file.vault_id, &row, new_secret.as_bytes(), &dek, cfg)?;
    let old_slot_id = slot.slot_id.clone();
    let (actor, role) = (row.name.clone(), row.role.as_str());
    let apply: Apply<'_> = Box::new(move |tx, slots| {
        slots.slots.retain(|s| s.slot_id != old_slot_id);
        slots.slots.push(new_slot);
        tx.execute(
            "UPDATE users SET password_state = 'set', totp_state = 'pending', totp_sealed = ?1,
                 totp_last_step = NULL, totp_reset_hash = NULL, totp_reset_expires_us = NULL WHERE id = ?2",
            params![sealed, user_id],
        )?;
        Ok(vec![
            NewEvent::new(&actor, role, Action::UserFirstLogin)
                .resource(&actor)
                .fields(&["password"]),
            NewEvent::new(&actor, role, Action::UserTotpEnroll).resource(&actor),
        ])
    });
    finish(
        &mut conn,
        &paths,
        &file,
        used_next_key,
        now_us,
        (&row.name, row.role.as_str()),
        &[&slot.slot_id],
        apply,
    )?;
    Ok(FirstLogin { totp_uri })
}

/// The result of using the recovery key.
#[derive(Debug)]
pub struct Recovered {
    /// The admin's new `otpauth://` URI.
    pub totp_uri: ShownSecret,
}

/// Uses the recovery key to give `admin` a new password and TOTP, clearing lockouts.
pub fn recover(
    root: &std::path::Path,
    admin: &str,
    recovery_key: &Password,
    new_password: &Password,
    cfg: &CoreConfig,
) -> Result<Recovered> {
    let paths = VaultPaths::existing(root)?;
    let file = keyslots::read(&paths.keyslots())?;
    let now_us = cfg.clock.now_us();
    let attempt = Attempt {
        paths: &paths,
        file: &file,
        typed_user: admin,
        kind: "recovery",
        now_us,
    };
    let slot = file
        .recovery_slot()
        .ok_or_else(|| Error::Corrupt("the keyslots file has no recovery slot".into()))?;
    attempt.check_lockout(&slot.slot_id)?;
    let data = match typed_secret(recovery_key).map(|t| crockford::normalize_recovery_key(&t)) {
        Some(Ok(data)) => data,
        Some(Err(crockford::RecoveryKeyFormatError::Check)) => {
            return Err(attempt.fail(
                &slot.slot_id,
                Error::InvalidInput(
                    "that recovery key has a typo (its check group does not match)".into(),
                ),
            ))
        }
        _ => {
            return Err(attempt.fail(
                &slot.slot_id,
                Error::InvalidInput(
                    "that is not a recovery key (30 characters in six groups of five)".into(),
                ),
            ))
        }
    };
    let Some(key) = slot.open_private_key(&file.vault_id, data.as_bytes())? else {
        return Err(attempt.fail(&slot.slot_id, Error::bad_credentials()));
    };
    let name = validate_user_name(admin)?;
    let new_secret = policy::check_new(&name, new_password.expose_bytes())?;
    let _lock = SessionLock::acquire_shared(&paths.lock())?;
    let OpenVault {
        mut conn,
        dek,
        used_next_key,
        ..
    } = open_vault(&paths, &file, slot, &key, cfg)?;
    check_clock(&conn, now_us).map_err(|e| attempt.note(&slot.slot_id, e))?;
    let row = load_user(&conn, "name", &name)?
        .ok_or_else(|| Error::NotFound(format!("no user named {name}")))?;
    if row.role != Role::Admin {
        return Err(Error::InvalidInput(format!(
            "the recovery key resets an admin account; {name} is a {}",
            row.role.as_str()
        )));
    }
    let (new_slot, sealed, totp_uri) =
        fresh_credentials(&file.vault_id, &row, new_secret.as_bytes(), &dek, cfg)?;
    let old_slot_id = file.user_slot(&row.name).map(|s| s.slot_id.clone());
    let mut reset: Vec<&str> = vec![&slot.slot_id];
    if let Some(old) = old_slot_id.as_deref() {
        reset.push(old);
    }
    let (user_id, actor) = (row.id.clone(), row.name.clone());
    let apply: Apply<'_> = Box::new(move |tx, slots| {
        slots.slots.retain(|s| {
            !(s.kind == SlotKind::User && s.user_id.as_deref() == Some(user_id.as_str()))
        });
        slots.slots.push(new_slot);
        tx.execute(
            "UPDATE users SET enabled = 1, password_state = 'set', totp_state = 'pending', totp_sealed = ?1,
                 totp_last_step = NULL, totp_reset_hash = NULL, totp_reset_expires_us = NULL WHERE id = ?2",
            params![sealed, user_id],
        )?;
        Ok(vec![
            NewEvent::new(&actor, "admin", Action::RecoveryUse).resource(&actor),
            NewEvent::new(&actor, "admin", Action::UserPasswordChange)
                .resource(&actor)
                .fields(&["password"])
                .detail(serde_json::json!({ "via": "recovery_key" })),
            NewEvent::new(&actor, "admin", Action::UserTotpEnroll).resource(&actor),
            NewEvent::new(&actor, "admin", Action::UserClearLockout).resource(&actor),
        ])
    });
    finish(
        &mut conn,
        &paths,
        &file,
        used_next_key,
        now_us,
        (&row.name, "admin"),
        &reset,
        apply,
    )?;
    Ok(Recovered { totp_uri })
}
