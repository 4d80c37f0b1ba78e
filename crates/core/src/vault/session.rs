//! An unlocked session and every operation on it. [`Session::run`] is the one entry
//! point: it re-reads the user's row (still enabled? which role?), checks the permission
//! matrix, runs the operation and its audit events in one `BEGIN IMMEDIATE`
//! transaction, and publishes key-slot changes after the commit. A denial is itself an
//! audited event.

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use super::kernel::{self, ChainIds, Unit, Writer};
use super::keystate;
use super::{
    open_totp, reset_code_hash, validate_user_name, CoreConfig, VaultPaths, ONE_TIME_VALIDITY_US,
};
use crate::audit::{self, AuditFilter, ChainReport, ListedEvent, NewEvent};
use crate::db;
use crate::error::{Error, Result};
use crate::journal::{self, LineKind};
use crate::keyslots::{self, NewSlot, SlotKind};
use crate::lockfile::{SessionLock, WriterLock};
use crate::perms::{self, allows, Permission, Requirement, Role};
use crate::secrets::{DataKey, Password, PrivateKey, ShownSecret};
use crate::{crockford, policy, totp};
use clinic_vault_proto::Action;

/// The pieces an entry path assembles into a session.
pub(crate) struct SessionParts {
    pub paths: VaultPaths,
    pub conn: Connection,
    pub dek: DataKey,
    pub private_key: PrivateKey,
    pub user_id: String,
    pub user_name: String,
    pub role: Role,
    pub vault_id: String,
    pub device_id: String,
    pub cfg: CoreConfig,
    pub lock: SessionLock,
    pub enrolled_totp_uri: Option<ShownSecret>,
}

/// An unlocked vault, for one user. Dropping it closes the database and zeroizes the
/// keys; [`Session::lock`] does the same and records the lock in the audit trail.
pub struct Session {
    pub(super) p: SessionParts,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("user", &self.p.user_name)
            .field("role", &self.p.role)
            .finish_non_exhaustive()
    }
}

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
    pub password: String,
    /// `none`, `pending` (not yet confirmed by a code), `confirmed` or `reset`.
    pub totp: String,
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

/// The result of `verify`.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    /// Pages that authenticated (the whole file).
    pub pages: u64,
    /// The audit chain's check.
    pub audit: ChainReport,
}

/// What an operation needs to know and may change: the unit of work it runs in (the
/// open transaction, events, key slots, effects) and who is doing it.
pub(crate) struct OpCtx<'a, 'u> {
    unit: &'a mut Unit<'u>,
    pub actor: &'a str,
    pub role: Role,
    pub dek: &'a DataKey,
    pub kdf: crate::crypto::KdfParams,
}

impl<'u> std::ops::Deref for OpCtx<'_, 'u> {
    type Target = Unit<'u>;
    fn deref(&self) -> &Unit<'u> {
        self.unit
    }
}

impl<'u> std::ops::DerefMut for OpCtx<'_, 'u> {
    fn deref_mut(&mut self) -> &mut Unit<'u> {
        self.unit
    }
}

impl OpCtx<'_, '_> {
    /// Records an event by the unlocked user.
    pub(super) fn event(&mut self, action: Action) -> &mut NewEvent {
        let event = NewEvent::new(self.actor, self.role.as_str(), action);
        self.unit.record(event)
    }
}

/// What an operation is, for the permission check and a denial's or failure's event.
pub(super) struct Op {
    pub action: Action,
    pub resource_id: Option<String>,
    pub patient_id: Option<String>,
}

/// How far an operation got before it failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reached {
    /// Not past the account and permission check (a storage error, a busy vault).
    Gate,
    /// Refused by the check: the account is disabled or the role may not do this.
    Denied,
    /// Past the check: the operation itself failed.
    Body,
}

pub(super) fn op(action: Action, resource_id: Option<&str>) -> Op {
    Op {
        action,
        resource_id: resource_id.map(str::to_string),
        patient_id: None,
    }
}

impl Session {
    pub(crate) fn new(parts: SessionParts) -> Self {
        Session { p: parts }
    }

    /// The unlocked user's name.
    pub fn user_name(&self) -> &str {
        &self.p.user_name
    }

    /// The unlocked user's role (as of the last operation).
    pub fn role(&self) -> Role {
        self.p.role
    }

    /// The `otpauth://` URI enrolled by this unlock (after a TOTP reset), once.
    pub fn take_enrolled_totp_uri(&mut self) -> Option<ShownSecret> {
        self.p.enrolled_totp_uri.take()
    }

    /// The one entry point: enabled check, permission check, then the operation and its
    /// events in one unit of work (`kernel`). A denial is recorded as `denied`; an
    /// operation that fails after the check leaves nothing of its change and is recorded
    /// as a `failure` with its error code in the local detail, in a fresh unit. If that
    /// record cannot be written the original error is still the one returned, and after a
    /// `corrupt` error nothing more is written.
    pub(super) fn run<T>(
        &mut self,
        op: Op,
        f: impl FnOnce(&mut OpCtx<'_, '_>) -> Result<T>,
    ) -> Result<T> {
        let now_us = self.p.cfg.clock.now_us();
        let mut reached = Reached::Gate;
        let SessionParts {
            paths,
            conn,
            dek,
            user_id,
            user_name,
            role,
            vault_id,
            device_id,
            cfg,
            ..
        } = &mut self.p;
        let ids = ChainIds {
            vault_id,
            device_id,
        };
        let result =
            Writer::acquire(paths)?.unit(conn, ids, now_us, Some("op.committed"), |unit| {
                let permission = match perms::requirement(op.action) {
                    Requirement::Permission(permission) => Some(permission),
                    Requirement::Unlocked => None,
                    Requirement::EntryPath => {
                        return Err(Error::Internal(format!(
                            "{} is not an operation on a session",
                            op.action.wire_name()
                        )))
                    }
                };
                if let Some(denial) = gate(unit.tx, user_id, role, permission, op.action)? {
                    reached = Reached::Denied;
                    return Err(denial);
                }
                reached = Reached::Body;
                f(&mut OpCtx {
                    unit,
                    actor: user_name,
                    role: *role,
                    dek,
                    kdf: cfg.kdf,
                })
            });
        let Err(err) = result else {
            return result;
        };
        let outcome = match reached {
            Reached::Gate => return Err(err),
            Reached::Denied => "denied",
            Reached::Body if err.code() == "corrupt" => return Err(err),
            Reached::Body => "failure",
        };
        let mut event = NewEvent::new(user_name, role.as_str(), op.action).outcome(outcome);
        event.resource_id = op.resource_id;
        event.patient_id = op.patient_id;
        if reached == Reached::Body {
            event = event.detail(serde_json::json!({ "error": err.code() }));
        }
        // Best effort by design: the caller learns of the original failure either way.
        let _ = Writer::acquire(paths).and_then(|writer| {
            writer.unit(conn, ids, now_us, None, |unit| {
                unit.record(event);
                Ok(())
            })
        });
        Err(err)
    }

    /// How many enabled admins can unlock the vault (for the "add a second admin"
    /// reminder). Admins only; not an audited read (no user data leaves core).
    pub fn enabled_admin_count(&mut self) -> Result<usize> {
        self.run(op(Action::UserCountAdmins, None), |ctx| {
            let n: i64 = ctx.tx.query_row(
                "SELECT count(*) FROM users WHERE role = 'admin' AND enabled = 1",
                [],
                |r| r.get(0),
            )?;
            Ok(usize::try_from(n).unwrap_or(0))
        })
    }

    /// The clinic's session settings (any role: the shell enforces them for everyone).
    pub fn settings(&mut self) -> Result<crate::settings::Settings> {
        self.run(op(Action::SettingsRead, None), |ctx| {
            crate::settings::load(ctx.tx)
        })
    }

    /// Changes the session settings (admin); records which fields changed.
    pub fn set_settings(
        &mut self,
        new: &crate::settings::Settings,
    ) -> Result<crate::settings::Settings> {
        self.run(op(Action::SettingsUpdate, None), |ctx| {
            new.validate()?;
            let old = crate::settings::load(ctx.tx)?;
            crate::settings::store(ctx.tx, new)?;
            let event = ctx.event(Action::SettingsUpdate);
            event.changed_fields = new.changed_fields(&old);
            Ok(*new)
        })
    }

    /// Who is unlocked.
    pub fn whoami(&mut self) -> Result<WhoAmI> {
        self.run(op(Action::UserWhoami, None), |_| Ok(()))?;
        Ok(WhoAmI {
            user: self.p.user_name.clone(),
            role: self.p.role,
            vault_id: self.p.vault_id.clone(),
        })
    }

    /// Adds a user with a role and a one-time password (valid 72 h).
    pub fn add_user(&mut self, name: &str, role: Role) -> Result<AddedUser> {
        let name = validate_user_name(name)?;
        self.run(op(Action::UserAdd, Some(&name)), |ctx| {
            let taken: bool = ctx
                .tx
                .query_row("SELECT 1 FROM users WHERE lower(name) = lower(?1)", [&name], |_| Ok(()))
                .optional()?
                .is_some();
            if taken {
                return Err(Error::Conflict(format!("a user named {name} already exists")));
            }
            let user_id = uuid::Uuid::now_v7().to_string();
            let added = issue_one_time_slot(ctx, &user_id, &name, role)?;
            ctx.tx.execute(
                "INSERT INTO users (id, name, role, enabled, created_us, created_by, password_state, totp_state)
                 VALUES (?1, ?2, ?3, 1, ?4, ?5, 'one_time', 'none')",
                params![user_id, name, role.as_str(), ctx.now_us, ctx.actor],
            )?;
            let event = ctx.event(Action::UserAdd);
            event.resource_id = Some(name.clone());
            event.changed_fields = vec!["role", "enabled"];
            event.detail = Some(serde_json::json!({ "role": role.as_str(), "level": "alert" }));
            Ok(added)
        })
    }

    /// Lists every user with their state and lockout counter.
    pub fn list_users(&mut self) -> Result<Vec<UserSummary>> {
        let journal = journal::read(&self.p.paths.journal())?;
        let file = keyslots::read(&self.p.paths.keyslots())?;
        let now_secs = crate::clock::us_to_secs(self.p.cfg.clock.now_us());
        self.run(op(Action::UserList, None), |ctx| {
            let mut stmt = ctx.tx.prepare(
                "SELECT name, role, enabled, password_state, totp_state FROM users ORDER BY name",
            )?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                ))
            })?;
            let mut users = Vec::new();
            for row in rows {
                let (name, role, enabled, password, totp) = row?;
                let counter = file
                    .user_slot(&name)
                    .map(|s| journal::counter(&journal, &s.slot_id))
                    .unwrap_or_default();
                users.push(UserSummary {
                    role: Role::parse(&role)
                        .map_err(|_| Error::Corrupt("a stored role is damaged".into()))?,
                    enabled: enabled == 1,
                    password,
                    totp,
                    failed_attempts: counter.n_failures,
                    locked_out: journal::lockout(counter, now_secs) != journal::Lockout::Free,
                    name,
                });
            }
            Ok(users)
        })
    }

    /// Disables a user and removes their key slot.
    pub fn disable_user(&mut self, name: &str) -> Result<()> {
        let own = self.p.user_name.clone();
        self.run(op(Action::UserDisable, Some(name)), |ctx| {
            let (user_id, role, enabled) = find_user(ctx.tx, name)?;
            if name == own {
                return Err(Error::Conflict(
                    "you cannot disable your own account".into(),
                ));
            }
            if !enabled {
                return Err(Error::Conflict(format!("{name} is already disabled")));
            }
            if role == Role::Admin {
                let n_admins: i64 = ctx.tx.query_row(
                    "SELECT count(*) FROM users WHERE role = 'admin' AND enabled = 1",
                    [],
                    |r| r.get(0),
                )?;
                if n_admins <= 1 {
                    return Err(Error::Conflict(
                        "the last enabled admin cannot be disabled".into(),
                    ));
                }
            }
            ctx.tx
                .execute("UPDATE users SET enabled = 0 WHERE id = ?1", [&user_id])?;
            ctx.slots_mut()?
                .slots
                .retain(|s| s.user_id.as_deref() != Some(user_id.as_str()));
            let event = ctx.event(Action::UserDisable);
            event.resource_id = Some(name.to_string());
            event.changed_fields = vec!["enabled"];
            Ok(())
        })
    }

    /// Re-enables a disabled user with a fresh one-time password (and a fresh key pair).
    pub fn enable_user(&mut self, name: &str) -> Result<AddedUser> {
        self.run(op(Action::UserEnable, Some(name)), |ctx| {
            let (user_id, role, enabled) = find_user(ctx.tx, name)?;
            if enabled {
                return Err(Error::Conflict(format!("{name} is already enabled")));
            }
            let added = issue_one_time_slot(ctx, &user_id, name, role)?;
            ctx.tx.execute(
                "UPDATE users SET enabled = 1, password_state = 'one_time', totp_state = 'none', totp_sealed = NULL,
                     totp_last_step = NULL, totp_reset_hash = NULL, totp_reset_expires_us = NULL WHERE id = ?1",
                [&user_id],
            )?;
            let event = ctx.event(Action::UserEnable);
            event.resource_id = Some(name.to_string());
            event.changed_fields = vec!["enabled", "password"];
            event.detail = Some(serde_json::json!({ "level": "alert" }));
            Ok(added)
        })
    }

    /// Resets a user's TOTP: their next unlock needs the returned one-time reset code,
    /// then enrolls a new authenticator.
    pub fn reset_totp(&mut self, name: &str) -> Result<ShownSecret> {
        self.run(op(Action::UserResetTotp, Some(name)), |ctx| {
            let (user_id, _, enabled) = find_user(ctx.tx, name)?;
            if !enabled {
                return Err(Error::Conflict(format!("{name} is disabled: enable the account instead")));
            }
            let password_state: String =
                ctx.tx.query_row("SELECT password_state FROM users WHERE id = ?1", [&user_id], |r| r.get(0))?;
            if password_state == "one_time" {
                return Err(Error::Conflict(format!(
                    "{name} has not logged in yet: first-login enrolls the authenticator"
                )));
            }
            let code = crockford::new_one_time_code();
            let norm = crockford::normalize_one_time_code(&code).expect("fresh code is well-formed");
            ctx.tx.execute(
                "UPDATE users SET totp_state = 'reset', totp_reset_hash = ?1, totp_reset_expires_us = ?2 WHERE id = ?3",
                params![reset_code_hash(&norm), ctx.now_us + ONE_TIME_VALIDITY_US, user_id],
            )?;
            let event = ctx.event(Action::UserResetTotp);
            event.resource_id = Some(name.to_string());
            event.changed_fields = vec!["totp"];
            Ok(ShownSecret::new(code))
        })
    }

    /// Clears a user's failed-attempt counter (and a lockout).
    pub fn clear_lockout(&mut self, name: &str) -> Result<()> {
        let slot_id = keyslots::read(&self.p.paths.keyslots())?
            .user_slot(name)
            .map(|s| s.slot_id.clone());
        self.run(op(Action::UserClearLockout, Some(name)), |ctx| {
            find_user(ctx.tx, name)?;
            let event = ctx.event(Action::UserClearLockout);
            event.resource_id = Some(name.to_string());
            Ok(())
        })?;
        // After the event commits: a crash here leaves the lockout in place, which the
        // admin sees and repeats; never a cleared lockout without its event.
        if let Some(slot) = slot_id {
            let _writer = WriterLock::acquire(&self.p.paths.lock())?;
            let now = crate::clock::us_to_secs(self.p.cfg.clock.now_us());
            journal::append_line(
                &self.p.paths.journal(),
                &journal::Line {
                    slot,
                    t: now,
                    k: LineKind::Clear,
                    sealed: None,
                },
            )?;
        }
        Ok(())
    }

    /// Changes the unlocked user's password (re-wraps their private key; the database
    /// is not rewritten).
    pub fn change_password(&mut self, new_password: &Password) -> Result<()> {
        let (user_id, kdf) = (self.p.user_id.clone(), self.p.cfg.kdf);
        let key = PrivateKey::from_slice(self.p.private_key.expose_bytes()).expect("32 bytes");
        self.run(op(Action::UserPasswordChange, None), |ctx| {
            let normalized = policy::check_new(ctx.actor, new_password.expose_bytes())?;
            let vault_id = ctx.vault_id.to_string();
            let slot = ctx
                .slots_mut()?
                .slots
                .iter_mut()
                .find(|s| {
                    s.kind == SlotKind::User && s.user_id.as_deref() == Some(user_id.as_str())
                })
                .ok_or_else(|| {
                    Error::Forbidden("your key slot is gone (account disabled?)".into())
                })?;
            slot.rewrap(&vault_id, &key, normalized.as_bytes(), kdf)?;
            let actor = ctx.actor.to_string();
            let event = ctx.event(Action::UserPasswordChange);
            event.resource_id = Some(actor);
            event.changed_fields = vec!["password"];
            Ok(())
        })
    }

    /// Confirms the unlocked user's pending TOTP enrollment with a code (used by `init`
    /// on a terminal and by the app).
    pub fn confirm_totp(&mut self, code: &str) -> Result<()> {
        let user_id = self.p.user_id.clone();
        let key = PrivateKey::from_slice(self.p.private_key.expose_bytes()).expect("32 bytes");
        self.run(op(Action::UserTotpConfirm, None), |ctx| {
            let (state, sealed, last): (String, Option<Vec<u8>>, Option<i64>) = ctx.tx.query_row(
                "SELECT totp_state, totp_sealed, totp_last_step FROM users WHERE id = ?1",
                [&user_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?;
            if state != "pending" {
                return Err(Error::Conflict(
                    "there is no authenticator waiting for confirmation".into(),
                ));
            }
            let secret = open_totp(&key, &user_id, &sealed.unwrap_or_default())?;
            let now_step = totp::step_at(crate::clock::us_to_secs(ctx.now_us));
            let step = totp::matching_step(secret.expose_bytes(), code.trim(), now_step, last)
                .ok_or_else(|| {
                    Error::BadCredentials(
                        "that code does not match: check the authenticator and the PC's clock"
                            .into(),
                    )
                })?;
            ctx.tx.execute(
                "UPDATE users SET totp_state = 'confirmed', totp_last_step = ?1 WHERE id = ?2",
                params![step, user_id],
            )?;
            let actor = ctx.actor.to_string();
            ctx.event(Action::UserTotpConfirm).resource_id = Some(actor);
            Ok(())
        })
    }

    /// Replaces the recovery key; the old one stops working.
    pub fn rotate_recovery_key(&mut self) -> Result<ShownSecret> {
        let kdf = self.p.cfg.kdf;
        self.run(op(Action::RecoveryKeyRotate, None), |ctx| {
            let key = crockford::new_recovery_key();
            let data = crockford::normalize_recovery_key(&key).expect("fresh key is well-formed");
            let (slot, _) = keyslots::new_slot(
                ctx.vault_id,
                NewSlot {
                    kind: SlotKind::Recovery,
                    user_id: None,
                    user_name: None,
                    one_time_expires_us: None,
                },
                data.as_bytes(),
                kdf,
                ctx.dek,
            )?;
            let slots = ctx.slots_mut()?;
            slots.slots.retain(|s| s.kind != SlotKind::Recovery);
            slots.slots.push(slot);
            let vault_id = ctx.vault_id.to_string();
            ctx.event(Action::RecoveryKeyRotate).resource_id = Some(vault_id);
            Ok(ShownSecret::new(key))
        })
    }

    /// Rotates the data key: every page is re-encrypted under a fresh key, which is then
    /// sealed to every remaining slot. Needs every other session closed.
    pub fn rekey(&mut self) -> Result<()> {
        kernel::exclusively(self, |s| &s.p.lock, Session::rekey_exclusive)
    }

    fn rekey_exclusive(&mut self) -> Result<()> {
        let new_dek = DataKey::generate();
        // Step 1: every slot also carries the new key, recorded and published.
        self.run(op(Action::VaultRekey, None), |ctx| {
            let vault_id = ctx.vault_id.to_string();
            for slot in &mut ctx.slots_mut()?.slots {
                slot.next_sealed_dek = Some(slot.seal_dek(&vault_id, &new_dek)?);
            }
            let vault_id = ctx.vault_id.to_string();
            let event = ctx.event(Action::VaultRekeyBegin);
            event.resource_id = Some(vault_id);
            Ok(())
        })?;
        // Step 2: re-encrypt (one SQLCipher transaction; a crash leaves either key).
        Writer::acquire(&self.p.paths)?.raw(&self.p.conn, |conn| db::rekey(conn, &new_dek))?;
        self.p.dek = new_dek;
        // Step 3: the new key becomes the only one.
        self.run(op(Action::VaultRekey, None), |ctx| {
            for slot in &mut ctx.slots_mut()?.slots {
                if let Some(next) = slot.next_sealed_dek.take() {
                    slot.sealed_dek = next;
                }
            }
            let vault_id = ctx.vault_id.to_string();
            ctx.event(Action::VaultRekey).resource_id = Some(vault_id);
            Ok(())
        })
    }

    /// Audit events in chain order, with their hashes and local detail.
    pub fn audit_list(&mut self, filter: &AuditFilter) -> Result<Vec<ListedEvent>> {
        self.run(op(Action::AuditList, None), |ctx| {
            audit::list(ctx.tx, filter)
        })
    }

    /// The chain head as `(seq, hex hash)`.
    pub fn audit_head(&mut self) -> Result<(u64, String)> {
        let vault_id = self.p.vault_id.clone();
        self.run(op(Action::AuditHead, None), |ctx| {
            audit::head(ctx.tx, &vault_id)
        })
    }

    /// Recomputes the chain; `corrupt` names the first bad event.
    pub fn audit_verify(&mut self, expect_head: Option<&str>) -> Result<ChainReport> {
        let vault_id = self.p.vault_id.clone();
        self.run(op(Action::AuditVerify, None), |ctx| {
            let expect = expect_head.map(audit::parse_head).transpose()?;
            audit::verify(ctx.tx, &vault_id, expect)
        })
    }

    /// Authenticates every page of the vault (SQLCipher HMACs), checks the structure,
    /// the key slots and the audit chain. `corrupt` names what failed.
    pub fn verify(&mut self) -> Result<VerifyReport> {
        let vault_id = self.p.vault_id.clone();
        let paths = self.p.paths.clone();
        self.run(op(Action::VaultVerify, None), |ctx| {
            let problems = db::integrity_problems(ctx.tx)?;
            if !problems.is_empty() {
                return Err(Error::Corrupt(format!(
                    "vault.db failed its page check: {}",
                    problems.join("; ")
                )));
            }
            crate::wal::check(&paths.db().with_extension("db-wal"))?;
            let file = keyslots::read(&paths.keyslots())?;
            keystate::load(ctx.tx)?.check_file(&file)?;
            let pages: i64 = ctx.tx.query_row("PRAGMA page_count", [], |r| r.get(0))?;
            let audit = audit::verify(ctx.tx, &vault_id, None)?;
            Ok(VerifyReport {
                pages: pages as u64,
                audit,
            })
        })
    }

    /// The open connection, for reads that need no entry point (attributing a denial).
    pub(super) fn connection(&self) -> &Connection {
        &self.p.conn
    }

    /// The connection, for benchmark hooks only.
    #[cfg(feature = "bench-support")]
    pub(crate) fn bench_connection(&mut self) -> &mut Connection {
        &mut self.p.conn
    }

    /// Locks: records the lock, closes the database and zeroizes every key. The lock is
    /// recorded even for an account disabled meanwhile (it is not a permission).
    pub fn lock(self) -> Result<()> {
        self.lock_because(None)
    }

    /// [`Session::lock`], keeping why in the event's local detail (`idle`,
    /// `session_limit`, `os_lock`, …) for the audit review.
    pub fn lock_because(mut self, reason: Option<&str>) -> Result<()> {
        let now_us = self.p.cfg.clock.now_us();
        let SessionParts {
            paths,
            conn,
            user_name,
            role,
            vault_id,
            device_id,
            ..
        } = &mut self.p;
        let mut event =
            NewEvent::new(user_name, role.as_str(), Action::UserLock).resource(user_name.clone());
        if let Some(reason) = reason {
            event = event.detail(serde_json::json!({ "reason": reason }));
        }
        let ids = ChainIds {
            vault_id,
            device_id,
        };
        Writer::acquire(paths)?.unit(conn, ids, now_us, None, |unit| {
            unit.record(event);
            Ok(())
        })
    }
}

/// The check every operation passes first: the user's row re-read (still enabled?
/// which role now?) and the permission matrix. `Some(denial)` when refused; `role`
/// is updated to the stored role.
fn gate(
    tx: &Connection,
    user_id: &str,
    role: &mut Role,
    permission: Option<Permission>,
    action: Action,
) -> Result<Option<Error>> {
    let row: Option<(String, i64)> = tx
        .query_row(
            "SELECT role, enabled FROM users WHERE id = ?1",
            [user_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let stored_role = match row {
        None | Some((_, 0)) => {
            return Ok(Some(Error::Forbidden(
                "your account has been disabled".into(),
            )))
        }
        Some((stored_role, _)) => stored_role,
    };
    *role =
        Role::parse(&stored_role).map_err(|_| Error::Corrupt("a stored role is damaged".into()))?;
    Ok(match permission {
        Some(perm) if !allows(*role, perm) => Some(Error::Forbidden(format!(
            "a {} may not do this ({})",
            role.as_str(),
            action.wire_name()
        ))),
        _ => None,
    })
}

fn find_user(conn: &Connection, name: &str) -> Result<(String, Role, bool)> {
    let row: Option<(String, String, i64)> = conn
        .query_row(
            "SELECT id, role, enabled FROM users WHERE name = ?1",
            [name],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let (id, role, enabled) =
        row.ok_or_else(|| Error::NotFound(format!("no user named {name}")))?;
    let role = Role::parse(&role).map_err(|_| Error::Corrupt("a stored role is damaged".into()))?;
    Ok((id, role, enabled == 1))
}

/// A fresh key pair and one-time-password slot for `user_id`, replacing any slot it had.
fn issue_one_time_slot(
    ctx: &mut OpCtx<'_, '_>,
    user_id: &str,
    name: &str,
    role: Role,
) -> Result<AddedUser> {
    let code = crockford::new_one_time_code();
    let norm = crockford::normalize_one_time_code(&code).expect("fresh code is well-formed");
    let expires_us = ctx.now_us + ONE_TIME_VALIDITY_US;
    let (slot, _) = keyslots::new_slot(
        ctx.vault_id,
        NewSlot {
            kind: SlotKind::User,
            user_id: Some(user_id),
            user_name: Some(name),
            one_time_expires_us: Some(expires_us),
        },
        norm.as_bytes(),
        ctx.kdf,
        ctx.dek,
    )?;
    let slots = ctx.slots_mut()?;
    slots
        .slots
        .retain(|s| s.user_id.as_deref() != Some(user_id));
    slots.slots.push(slot);
    Ok(AddedUser {
        user: name.to_string(),
        role,
        one_time_password: ShownSecret::new(code),
        expires_us,
    })
}
