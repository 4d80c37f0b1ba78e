//! The account operations on a session: who am I, add, list, disable, enable, reset an
//! authenticator, clear a lockout, change one's password, confirm an authenticator.
//! Each is one call through the session's entry point.

use super::store::{self, find_user, PasswordState, TotpState};
use super::{
    open_totp, reset_code_hash, validate_user_name, AddedUser, Disabled, UserSummary, WhoAmI,
    ONE_TIME_VALIDITY_US,
};
use crate::error::{Denied, Error, Result, UserError};
use crate::ids::UserId;
use crate::journal::{self, LineKind};
use crate::keyslots::{self, NewSlot, SlotKind};
use crate::lockfile::WriterLock;
use crate::perms::Role;
use crate::secrets::{Password, PrivateKey, ShownSecret};
use crate::vault::session::{op, OpCtx};
use crate::vault::Session;
use crate::{crockford, policy, totp};
use clinic_vault_proto::Action;

impl Session {
    /// How many enabled admins can unlock the vault (for the "add a second admin"
    /// reminder). Admins only; not an audited read (no user data leaves core).
    pub fn enabled_admin_count(&mut self) -> Result<usize> {
        self.run(op(Action::UserCountAdmins, None), |ctx| {
            store::count_enabled_admins(ctx.tx)
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
            if store::name_taken(ctx.tx, &name)? {
                return Err(UserError::NameTaken { name }.into());
            }
            let user_id = UserId::generate();
            let added = issue_one_time_slot(ctx, &user_id, &name, role)?;
            store::insert(
                ctx.tx,
                &store::NewUser {
                    id: &user_id,
                    name: &name,
                    role,
                    created_us: ctx.now_us,
                    created_by: Some(ctx.actor),
                    password: PasswordState::OneTime,
                    totp: TotpState::None,
                    totp_sealed: None,
                },
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
            let users = store::list(ctx.tx)?.into_iter().map(|user| {
                let counter = file
                    .user_slot(&user.name)
                    .map(|s| journal::counter(&journal, &s.slot_id))
                    .unwrap_or_default();
                UserSummary {
                    role: user.role,
                    enabled: user.enabled,
                    password: user.password,
                    totp: user.totp,
                    failed_attempts: counter.n_failures,
                    locked_out: journal::lockout(counter, now_secs) != journal::Lockout::Free,
                    name: user.name,
                }
            });
            Ok(users.collect())
        })
    }

    /// Disables a user and removes their key slot.
    /// Disables `name`: their key slot goes, so they cannot unlock. Disabling an admin
    /// answers with a reminder: they may know the recovery key, which still works
    /// until it is rotated.
    pub fn disable_user(&mut self, name: &str) -> Result<Disabled> {
        let own = self.p.user_name.clone();
        self.run(op(Action::UserDisable, Some(name)), |ctx| {
            let (user_id, role, enabled) = find_user(ctx.tx, name)?;
            if name == own {
                return Err(UserError::OwnAccount.into());
            }
            if !enabled {
                return Err(UserError::AlreadyDisabled {
                    name: name.to_string(),
                }
                .into());
            }
            if role == Role::Admin && store::count_enabled_admins(ctx.tx)? <= 1 {
                return Err(UserError::LastAdmin.into());
            }
            store::disable(ctx.tx, &user_id)?;
            ctx.slots_mut()?
                .slots
                .retain(|s| s.user_id.as_deref() != Some(user_id.as_str()));
            let event = ctx.event(Action::UserDisable);
            event.resource_id = Some(name.to_string());
            event.changed_fields = vec!["enabled"];
            Ok(Disabled {
                rotate_recovery_key: role == Role::Admin,
            })
        })
        .inspect(|_| self.p.cfg.quick.wipe_named(name))
    }

    /// Re-enables a disabled user with a fresh one-time password (and a fresh key pair).
    pub fn enable_user(&mut self, name: &str) -> Result<AddedUser> {
        self.run(op(Action::UserEnable, Some(name)), |ctx| {
            let (user_id, role, enabled) = find_user(ctx.tx, name)?;
            if enabled {
                return Err(UserError::AlreadyEnabled {
                    name: name.to_string(),
                }
                .into());
            }
            let added = issue_one_time_slot(ctx, &user_id, name, role)?;
            store::reenable(ctx.tx, &user_id)?;
            let event = ctx.event(Action::UserEnable);
            event.resource_id = Some(name.to_string());
            event.changed_fields = vec!["enabled", "password"];
            event.detail = Some(serde_json::json!({ "level": "alert" }));
            Ok(added)
        })
    }

    /// Resets a user's forgotten password (admin): their key slot is replaced by a
    /// one-time-password slot (valid 72 h) with a fresh key pair, so the old password
    /// opens nothing; their first login sets a new password and authenticator. Alert
    /// level. A PIN of theirs held on this PC is wiped.
    pub fn reset_password(&mut self, name: &str) -> Result<AddedUser> {
        let own = self.p.user_name.clone();
        self.run(op(Action::UserResetPassword, Some(name)), |ctx| {
            let (user_id, role, enabled) = find_user(ctx.tx, name)?;
            if name == own {
                return Err(UserError::NotOnOwnAccount.into());
            }
            if !enabled {
                return Err(UserError::IsDisabled {
                    name: name.to_string(),
                }
                .into());
            }
            let added = issue_one_time_slot(ctx, &user_id, name, role)?;
            store::reset_password(ctx.tx, &user_id)?;
            let event = ctx.event(Action::UserResetPassword);
            event.resource_id = Some(name.to_string());
            event.changed_fields = vec!["password", "totp"];
            event.detail = Some(serde_json::json!({ "level": "alert" }));
            Ok(added)
        })
        .inspect(|_| self.p.cfg.quick.wipe_named(name))
    }

    /// Gives `name` another role (admin). Alert level; the local detail keeps the old
    /// and the new role. A running session of that user answers to the new role from
    /// its next call (every call re-reads the role), and a PIN of theirs held on this
    /// PC is wiped.
    pub fn change_role(&mut self, name: &str, role: Role) -> Result<Role> {
        let own = self.p.user_name.clone();
        self.run(op(Action::UserRoleChange, Some(name)), |ctx| {
            let (user_id, old, enabled) = find_user(ctx.tx, name)?;
            if name == own {
                return Err(UserError::NotOnOwnAccount.into());
            }
            if !enabled {
                return Err(UserError::IsDisabled {
                    name: name.to_string(),
                }
                .into());
            }
            if old == role {
                return Err(UserError::SameRole {
                    name: name.to_string(),
                    role,
                }
                .into());
            }
            // The actor is an enabled admin other than `name`, so demoting an admin
            // never leaves the vault without one.
            store::set_role(ctx.tx, &user_id, role)?;
            let event = ctx.event(Action::UserRoleChange);
            event.resource_id = Some(name.to_string());
            event.changed_fields = vec!["role"];
            event.detail = Some(serde_json::json!({
                "from": old.as_str(),
                "to": role.as_str(),
                "level": "alert",
            }));
            Ok(old)
        })
        .inspect(|_| self.p.cfg.quick.wipe_named(name))
    }

    /// Resets a user's TOTP: their next unlock needs the returned one-time reset code,
    /// then enrolls a new authenticator.
    pub fn reset_totp(&mut self, name: &str) -> Result<ShownSecret> {
        self.run(op(Action::UserResetTotp, Some(name)), |ctx| {
            let (user_id, _, enabled) = find_user(ctx.tx, name)?;
            if !enabled {
                return Err(UserError::IsDisabled {
                    name: name.to_string(),
                }
                .into());
            }
            if store::password_state(ctx.tx, &user_id)? == PasswordState::OneTime {
                return Err(UserError::NotLoggedInYet {
                    name: name.to_string(),
                }
                .into());
            }
            let code = crockford::new_one_time_code();
            let norm =
                crockford::normalize_one_time_code(&code).expect("fresh code is well-formed");
            store::start_totp_reset(
                ctx.tx,
                &user_id,
                &reset_code_hash(&norm),
                ctx.now_us + ONE_TIME_VALIDITY_US,
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
            self.append_clear_line(slot)?;
        }
        Ok(())
    }

    /// Clears the recovery key's failed-attempt counter (the recovery slot can be
    /// locked by anyone who can run the app: only an admin can clear it).
    pub fn clear_recovery_lockout(&mut self) -> Result<()> {
        let slot_id = keyslots::read(&self.p.paths.keyslots())?
            .recovery_slot()
            .map(|s| s.slot_id.clone());
        self.run(op(Action::RecoveryKeyClearLockout, None), |ctx| {
            let vault_id = ctx.vault_id.to_string();
            ctx.event(Action::RecoveryKeyClearLockout).resource_id = Some(vault_id);
            Ok(())
        })?;
        if let Some(slot) = slot_id {
            self.append_clear_line(slot)?;
        }
        Ok(())
    }

    fn append_clear_line(&self, slot: String) -> Result<()> {
        let _writer = WriterLock::acquire(&self.p.paths.lock())?;
        let now = crate::clock::us_to_secs(self.p.cfg.clock.now_us());
        journal::append_line(
            &self.p.paths.journal(),
            &journal::Line {
                slot,
                t: now,
                k: LineKind::Clear,
                a: None,
                sealed: None,
            },
        )
    }

    /// Changes the unlocked user's password (re-wraps their private key; the database
    /// is not rewritten).
    pub fn change_password(&mut self, new_password: &Password) -> Result<()> {
        let (user_id, kdf) = (self.p.user_id.clone(), self.p.cfg.kdf);
        let key = self.full_unlock_key()?;
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
                .ok_or(Error::Denied(Denied::KeySlotGone))?;
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
        let key = self.full_unlock_key()?;
        self.run(op(Action::UserTotpConfirm, None), |ctx| {
            let (state, sealed, last) = store::totp_of(ctx.tx, &user_id)?;
            if state != TotpState::Pending {
                return Err(UserError::NoPendingAuthenticator.into());
            }
            let sealed = sealed.unwrap_or_default();
            let secret = open_totp(&key, &user_id, &sealed)?;
            let now_step = totp::step_at(crate::clock::us_to_secs(ctx.now_us));
            let step = totp::matching_step(secret.expose_bytes(), code.trim(), now_step, last)
                .ok_or(Error::Users(UserError::CodeMismatch))?;
            if !store::accept_totp_step(ctx.tx, &user_id, &sealed, step)? {
                return Err(UserError::CodeMismatch.into());
            }
            let actor = ctx.actor.to_string();
            ctx.event(Action::UserTotpConfirm).resource_id = Some(actor);
            Ok(())
        })
    }
}

impl Session {
    /// A copy of the private key, which only a full unlock holds.
    fn full_unlock_key(&self) -> Result<PrivateKey> {
        let key = self
            .p
            .private_key
            .as_ref()
            .ok_or(crate::quick::QuickError::FullUnlockRequired)?;
        Ok(PrivateKey::from_slice(key.expose_bytes()).expect("32 bytes"))
    }
}

/// A fresh key pair and one-time-password slot for `user_id`, replacing any slot it had.
fn issue_one_time_slot(
    ctx: &mut OpCtx<'_, '_>,
    user_id: &UserId,
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
            user_id: Some(user_id.as_str()),
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
        .retain(|s| s.user_id.as_deref() != Some(user_id.as_str()));
    slots.slots.push(slot);
    Ok(AddedUser {
        user: name.to_string(),
        role,
        one_time_password: ShownSecret::new(code),
        expires_us,
    })
}
