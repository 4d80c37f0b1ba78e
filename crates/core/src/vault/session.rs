//! An unlocked session and every operation on it. [`Session::run`] is the one entry
//! point: it re-reads the user's row (still enabled? which role?), checks the permission
//! matrix, runs the operation and its audit events in one `BEGIN IMMEDIATE`
//! transaction, and publishes key-slot changes after the commit. A denial is itself an
//! audited event.

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde::Serialize;

use super::keystate;
use super::{
    open_totp, reset_code_hash, validate_user_name, CoreConfig, VaultPaths, ONE_TIME_VALIDITY_US,
};
use crate::audit::{self, AuditFilter, ChainContext, ChainReport, ListedEvent, NewEvent};
use crate::db;
use crate::error::{Error, Result};
use crate::journal::{self, LineKind};
use crate::keyslots::{self, KeyslotFile, NewSlot, SlotKind};
use crate::lockfile::{SessionLock, WriterLock};
use crate::perms::{allows, Permission, Role};
use crate::secrets::{DataKey, Password, PrivateKey, ShownSecret};
use crate::{crockford, policy, totp};

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

/// What an operation needs to know and may change.
pub(crate) struct OpCtx<'a> {
    pub tx: &'a Connection,
    pub device_id: &'a str,
    pub actor: &'a str,
    pub role: Role,
    pub now_us: i64,
    pub vault_id: &'a str,
    pub dek: &'a DataKey,
    pub kdf: crate::crypto::KdfParams,
    pub events: Vec<NewEvent>,
    /// The key slots as recorded; set `slots_changed` after editing.
    pub slots: KeyslotFile,
    pub slots_changed: bool,
}

impl OpCtx<'_> {
    pub(super) fn event(
        &mut self,
        action: &'static str,
        resource_type: &'static str,
    ) -> &mut NewEvent {
        self.events.push(NewEvent::new(
            self.actor,
            self.role.as_str(),
            action,
            resource_type,
        ));
        self.events.last_mut().expect("just pushed")
    }
}

/// What an operation is, for the permission check and a denial's audit event.
pub(super) struct Op {
    pub permission: Option<Permission>,
    pub action: &'static str,
    pub resource_type: &'static str,
    pub resource_id: Option<String>,
    pub patient_id: Option<String>,
}

pub(super) fn op(
    permission: Option<Permission>,
    action: &'static str,
    resource_type: &'static str,
    resource_id: Option<&str>,
) -> Op {
    Op {
        permission,
        action,
        resource_type,
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

    /// The one entry point: enabled check, permission check, operation and audit in one
    /// transaction, then key-slot publication.
    pub(super) fn run<T>(
        &mut self,
        op: Op,
        f: impl FnOnce(&mut OpCtx<'_>) -> Result<T>,
    ) -> Result<T> {
        let now_us = self.p.cfg.clock.now_us();
        let writer = WriterLock::acquire(&self.p.paths.lock())?;
        let tx = self
            .p
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let ctx = ChainContext {
            vault_id: &self.p.vault_id,
            device_id: &self.p.device_id,
            now_us,
        };
        let row: Option<(String, i64)> = tx
            .query_row(
                "SELECT role, enabled FROM users WHERE id = ?1",
                [&self.p.user_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let denial = match &row {
            None | Some((_, 0)) => Some(Error::Forbidden("your account has been disabled".into())),
            Some((role, _)) => {
                self.p.role = Role::parse(role)
                    .map_err(|_| Error::Corrupt("a stored role is damaged".into()))?;
                match op.permission {
                    Some(perm) if !allows(self.p.role, perm) => Some(Error::Forbidden(format!(
                        "a {} may not do this ({})",
                        self.p.role.as_str(),
                        op.action
                    ))),
                    _ => None,
                }
            }
        };
        if let Some(err) = denial {
            let mut event = NewEvent::new(
                &self.p.user_name,
                self.p.role.as_str(),
                op.action,
                op.resource_type,
            )
            .outcome("denied");
            event.resource_id = op.resource_id;
            event.patient_id = op.patient_id;
            audit::append(&tx, &ctx, event)?;
            tx.commit()?;
            return Err(err);
        }
        let state = keystate::load(&tx)?;
        let mut op_ctx = OpCtx {
            tx: &tx,
            device_id: &self.p.device_id,
            actor: &self.p.user_name,
            role: self.p.role,
            now_us,
            vault_id: &self.p.vault_id,
            dek: &self.p.dek,
            kdf: self.p.cfg.kdf,
            events: Vec::new(),
            slots: state.effective().clone(),
            slots_changed: false,
        };
        let out = f(&mut op_ctx)?;
        let OpCtx {
            events,
            mut slots,
            slots_changed,
            ..
        } = op_ctx;
        audit::append_all(&tx, &ctx, events)?;
        let latest: i64 = db::meta(&tx, "latest_seen_us")?.parse().unwrap_or(0);
        if now_us > latest {
            db::set_meta(&tx, "latest_seen_us", &now_us.to_string())?;
        }
        if slots_changed {
            slots.generation = state.effective().generation + 1;
            keystate::stage(&tx, &slots)?;
        }
        tx.commit()?;
        crate::crashpoint::hit("op.committed");
        if slots_changed || state.pending.is_some() {
            keystate::publish(&self.p.paths, &self.p.conn)?;
        }
        drop(writer);
        Ok(out)
    }

    /// How many enabled admins can unlock the vault (for the "add a second admin"
    /// reminder). Admins only; not an audited read (no user data leaves core).
    pub fn enabled_admin_count(&mut self) -> Result<usize> {
        self.run(
            op(
                Some(Permission::ManageUsers),
                "user.count_admins",
                "user",
                None,
            ),
            |ctx| {
                let n: i64 = ctx.tx.query_row(
                    "SELECT count(*) FROM users WHERE role = 'admin' AND enabled = 1",
                    [],
                    |r| r.get(0),
                )?;
                Ok(usize::try_from(n).unwrap_or(0))
            },
        )
    }

    /// The clinic's session settings (any role: the shell enforces them for everyone).
    pub fn settings(&mut self) -> Result<crate::settings::Settings> {
        self.run(op(None, "settings.read", "settings", None), |ctx| {
            crate::settings::load(ctx.tx)
        })
    }

    /// Changes the session settings (admin); records which fields changed.
    pub fn set_settings(
        &mut self,
        new: &crate::settings::Settings,
    ) -> Result<crate::settings::Settings> {
        new.validate()?;
        self.run(
            op(
                Some(Permission::ManageSettings),
                "settings.update",
                "settings",
                None,
            ),
            |ctx| {
                let old = crate::settings::load(ctx.tx)?;
                crate::settings::store(ctx.tx, new)?;
                let event = ctx.event("settings.update", "settings");
                event.changed_fields = new.changed_fields(&old);
                Ok(*new)
            },
        )
    }

    /// Who is unlocked.
    pub fn whoami(&mut self) -> Result<WhoAmI> {
        self.run(op(None, "user.whoami", "user", None), |_| Ok(()))?;
        Ok(WhoAmI {
            user: self.p.user_name.clone(),
            role: self.p.role,
            vault_id: self.p.vault_id.clone(),
        })
    }

    /// Adds a user with a role and a one-time password (valid 72 h).
    pub fn add_user(&mut self, name: &str, role: Role) -> Result<AddedUser> {
        let name = validate_user_name(name)?;
        self.run(op(Some(Permission::ManageUsers), "user.add", "user", Some(&name)), |ctx| {
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
            let event = ctx.event("user.add", "user");
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
        self.run(op(Some(Permission::ManageUsers), "user.list", "user", None), |ctx| {
            let mut stmt = ctx
                .tx
                .prepare("SELECT name, role, enabled, password_state, totp_state FROM users ORDER BY name")?;
            let rows = stmt.query_map([], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?, r.get::<_, String>(3)?, r.get::<_, String>(4)?))
            })?;
            let mut users = Vec::new();
            for row in rows {
                let (name, role, enabled, password, totp) = row?;
                let counter = file
                    .user_slot(&name)
                    .map(|s| journal::counter(&journal, &s.slot_id))
                    .unwrap_or_default();
                users.push(UserSummary {
                    role: Role::parse(&role).map_err(|_| Error::Corrupt("a stored role is damaged".into()))?,
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
        self.run(
            op(
                Some(Permission::ManageUsers),
                "user.disable",
                "user",
                Some(name),
            ),
            |ctx| {
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
                ctx.slots
                    .slots
                    .retain(|s| s.user_id.as_deref() != Some(user_id.as_str()));
                ctx.slots_changed = true;
                let event = ctx.event("user.disable", "user");
                event.resource_id = Some(name.to_string());
                event.changed_fields = vec!["enabled"];
                Ok(())
            },
        )
    }

    /// Re-enables a disabled user with a fresh one-time password (and a fresh key pair).
    pub fn enable_user(&mut self, name: &str) -> Result<AddedUser> {
        self.run(op(Some(Permission::ManageUsers), "user.enable", "user", Some(name)), |ctx| {
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
            let event = ctx.event("user.enable", "user");
            event.resource_id = Some(name.to_string());
            event.changed_fields = vec!["enabled", "password"];
            event.detail = Some(serde_json::json!({ "level": "alert" }));
            Ok(added)
        })
    }

    /// Resets a user's TOTP: their next unlock needs the returned one-time reset code,
    /// then enrolls a new authenticator.
    pub fn reset_totp(&mut self, name: &str) -> Result<ShownSecret> {
        self.run(op(Some(Permission::ManageUsers), "user.reset_totp", "user", Some(name)), |ctx| {
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
            let event = ctx.event("user.reset_totp", "user");
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
        self.run(
            op(
                Some(Permission::ManageUsers),
                "user.clear_lockout",
                "user",
                Some(name),
            ),
            |ctx| {
                find_user(ctx.tx, name)?;
                let event = ctx.event("user.clear_lockout", "user");
                event.resource_id = Some(name.to_string());
                Ok(())
            },
        )?;
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
        let normalized = policy::check_new(&self.p.user_name, new_password.expose_bytes())?;
        let (user_id, kdf) = (self.p.user_id.clone(), self.p.cfg.kdf);
        let key = PrivateKey::from_slice(self.p.private_key.expose_bytes()).expect("32 bytes");
        self.run(op(None, "user.password_change", "user", None), |ctx| {
            let slot = ctx
                .slots
                .slots
                .iter_mut()
                .find(|s| {
                    s.kind == SlotKind::User && s.user_id.as_deref() == Some(user_id.as_str())
                })
                .ok_or_else(|| {
                    Error::Forbidden("your key slot is gone (account disabled?)".into())
                })?;
            slot.rewrap(ctx.vault_id, &key, normalized.as_bytes(), kdf)?;
            ctx.slots_changed = true;
            let actor = ctx.actor.to_string();
            let event = ctx.event("user.password_change", "user");
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
        self.run(op(None, "user.totp_confirm", "user", None), |ctx| {
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
            ctx.event("user.totp_confirm", "user").resource_id = Some(actor);
            Ok(())
        })
    }

    /// Replaces the recovery key; the old one stops working.
    pub fn rotate_recovery_key(&mut self) -> Result<ShownSecret> {
        let kdf = self.p.cfg.kdf;
        self.run(
            op(
                Some(Permission::RotateKeys),
                "recovery_key.rotate",
                "vault",
                None,
            ),
            |ctx| {
                let key = crockford::new_recovery_key();
                let data =
                    crockford::normalize_recovery_key(&key).expect("fresh key is well-formed");
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
                ctx.slots.slots.retain(|s| s.kind != SlotKind::Recovery);
                ctx.slots.slots.push(slot);
                ctx.slots_changed = true;
                let vault_id = ctx.vault_id.to_string();
                ctx.event("recovery_key.rotate", "vault").resource_id = Some(vault_id);
                Ok(ShownSecret::new(key))
            },
        )
    }

    /// Rotates the data key: every page is re-encrypted under a fresh key, which is then
    /// sealed to every remaining slot. Needs every other session closed.
    pub fn rekey(&mut self) -> Result<()> {
        self.p.lock.upgrade_exclusive()?;
        let result = self.rekey_exclusive();
        let relock = self.p.lock.downgrade_shared();
        result.and(relock)
    }

    fn rekey_exclusive(&mut self) -> Result<()> {
        let new_dek = DataKey::generate();
        // Step 1: every slot also carries the new key, recorded and published.
        self.run(
            op(Some(Permission::RotateKeys), "vault.rekey", "vault", None),
            |ctx| {
                for slot in &mut ctx.slots.slots {
                    slot.next_sealed_dek = Some(slot.seal_dek(ctx.vault_id, &new_dek)?);
                }
                ctx.slots_changed = true;
                let vault_id = ctx.vault_id.to_string();
                let event = ctx.event("vault.rekey_begin", "vault");
                event.resource_id = Some(vault_id);
                Ok(())
            },
        )?;
        // Step 2: re-encrypt (one SQLCipher transaction; a crash leaves either key).
        {
            let _writer = WriterLock::acquire(&self.p.paths.lock())?;
            db::rekey(&self.p.conn, &new_dek)?;
        }
        self.p.dek = new_dek;
        // Step 3: the new key becomes the only one.
        self.run(
            op(Some(Permission::RotateKeys), "vault.rekey", "vault", None),
            |ctx| {
                for slot in &mut ctx.slots.slots {
                    if let Some(next) = slot.next_sealed_dek.take() {
                        slot.sealed_dek = next;
                    }
                }
                ctx.slots_changed = true;
                let vault_id = ctx.vault_id.to_string();
                ctx.event("vault.rekey", "vault").resource_id = Some(vault_id);
                Ok(())
            },
        )
    }

    /// Audit events in chain order, with their hashes and local detail.
    pub fn audit_list(&mut self, filter: &AuditFilter) -> Result<Vec<ListedEvent>> {
        self.run(
            op(Some(Permission::AuditReview), "audit.list", "audit", None),
            |ctx| audit::list(ctx.tx, filter),
        )
    }

    /// The chain head as `(seq, hex hash)`.
    pub fn audit_head(&mut self) -> Result<(u64, String)> {
        let vault_id = self.p.vault_id.clone();
        self.run(
            op(Some(Permission::AuditReview), "audit.head", "audit", None),
            |ctx| audit::head(ctx.tx, &vault_id),
        )
    }

    /// Recomputes the chain; `corrupt` names the first bad event.
    pub fn audit_verify(&mut self, expect_head: Option<&str>) -> Result<ChainReport> {
        let expect = expect_head.map(audit::parse_head).transpose()?;
        let vault_id = self.p.vault_id.clone();
        self.run(
            op(Some(Permission::AuditReview), "audit.verify", "audit", None),
            |ctx| audit::verify(ctx.tx, &vault_id, expect),
        )
    }

    /// Authenticates every page of the vault (SQLCipher HMACs), checks the structure,
    /// the key slots and the audit chain. `corrupt` names what failed.
    pub fn verify(&mut self) -> Result<VerifyReport> {
        let vault_id = self.p.vault_id.clone();
        let paths = self.p.paths.clone();
        self.run(
            op(Some(Permission::AuditReview), "vault.verify", "vault", None),
            |ctx| {
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
            },
        )
    }

    /// Benchmark support: appends `n_bytes` of random filler to a scratch table, in
    /// transactions of about 1 MiB, so rotation and page checks can be measured on a
    /// vault of a given size. Only with the `bench-support` feature.
    #[cfg(feature = "bench-support")]
    pub fn bench_fill(&mut self, n_bytes: usize) -> Result<()> {
        self.p.conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS bench_filler (id INTEGER PRIMARY KEY, data BLOB NOT NULL)",
        )?;
        let mut written = 0;
        while written < n_bytes {
            let tx = self.p.conn.transaction()?;
            for _ in 0..256 {
                let chunk: [u8; 4096] = crate::crypto::random_array();
                tx.execute(
                    "INSERT INTO bench_filler (data) VALUES (?1)",
                    [chunk.as_slice()],
                )?;
                written += chunk.len();
            }
            tx.commit()?;
        }
        Ok(())
    }

    /// The open connection, for reads that need no entry point (attributing a denial).
    pub(super) fn connection(&self) -> &Connection {
        &self.p.conn
    }

    /// The connection, for benchmark hooks only.
    #[cfg(feature = "bench-support")]
    pub(crate) fn bench_connection(&self) -> &Connection {
        &self.p.conn
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
        let ctx = ChainContext {
            vault_id: &self.p.vault_id,
            device_id: &self.p.device_id,
            now_us,
        };
        let tx = self
            .p
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut event = NewEvent::new(&self.p.user_name, self.p.role.as_str(), "user.lock", "user")
            .resource(self.p.user_name.clone());
        if let Some(reason) = reason {
            event = event.detail(serde_json::json!({ "reason": reason }));
        }
        audit::append(&tx, &ctx, event)?;
        tx.commit()?;
        Ok(())
    }
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
    ctx: &mut OpCtx<'_>,
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
    ctx.slots
        .slots
        .retain(|s| s.user_id.as_deref() != Some(user_id));
    ctx.slots.slots.push(slot);
    ctx.slots_changed = true;
    Ok(AddedUser {
        user: name.to_string(),
        role,
        one_time_password: ShownSecret::new(code),
        expires_us,
    })
}
