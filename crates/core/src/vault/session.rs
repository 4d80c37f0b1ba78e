//! An unlocked session and every operation on it. [`Session::run`] is the one entry
//! point: it re-reads the user's row (still enabled? which role?), checks the permission
//! matrix, runs the operation and its audit events in one `BEGIN IMMEDIATE`
//! transaction, and publishes key-slot changes after the commit. A denial is itself an
//! audited event.

use rusqlite::Connection;

use super::kernel::{ChainIds, Unit, Writer};
use super::{CoreConfig, VaultPaths};
use crate::audit::NewEvent;
use crate::error::{Denied, Error, Result};
use crate::ids::UserId;
use crate::lockfile::SessionLock;
use crate::perms::{self, allows, Permission, Requirement, Role};
use crate::secrets::{DataKey, PrivateKey, ShownSecret};
use crate::users;
use clinic_vault_proto::{Action, Outcome};

/// The pieces an entry path assembles into a session.
pub(crate) struct SessionParts {
    pub paths: VaultPaths,
    pub conn: Connection,
    pub dek: DataKey,
    /// `None` in a session opened with a PIN: it never holds the long-term key.
    pub private_key: Option<PrivateKey>,
    /// The PIN set in this session, for wrapping the data key at the next idle lock.
    pub pin: Option<crate::quick::LockedBytes>,
    /// The last full unlock (password and code): when (wall clock), and the monotonic
    /// clock then. A PIN session carries its full unlock's times.
    pub full_unlock_us: i64,
    pub full_unlock_mono_us: i64,
    pub user_id: UserId,
    pub user_name: String,
    pub role: Role,
    pub vault_id: String,
    pub device_id: String,
    pub cfg: CoreConfig,
    pub lock: SessionLock,
    pub enrolled_totp_uri: Option<ShownSecret>,
    /// When the entry path opened this session (µs, wall clock) and the monotonic
    /// clock then: the latest time seen moves at most to the unlock time plus the time
    /// really elapsed since (bounded by the longest session) and the tolerance.
    pub unlocked_us: i64,
    pub unlocked_mono_us: i64,
}

impl SessionParts {
    /// How far this session's units may move the latest time seen.
    fn seen_cap_us(&self) -> i64 {
        let elapsed = (self.cfg.clock.monotonic_us() - self.unlocked_mono_us)
            .clamp(0, super::MAX_SEEN_STEP_US - super::CLOCK_TOLERANCE_US);
        self.unlocked_us
            .saturating_add(elapsed)
            .saturating_add(super::CLOCK_TOLERANCE_US)
    }
}

/// An unlocked vault, for one user. Dropping it closes the database and zeroizes the
/// keys; [`Session::lock`] does the same and records the lock in the audit trail.
pub struct Session {
    pub(crate) p: SessionParts,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("user", &self.p.user_name)
            .field("role", &self.p.role)
            .finish_non_exhaustive()
    }
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
    pub(crate) fn event(&mut self, action: Action) -> &mut NewEvent {
        let event = NewEvent::new(self.actor, self.role.as_str(), action);
        self.unit.record(event)
    }
}

/// What an operation is, for the permission check and a denial's or failure's event.
pub(crate) struct Op {
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

pub(crate) fn op(action: Action, resource_id: Option<&str>) -> Op {
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
    pub(crate) fn run<T>(
        &mut self,
        op: Op,
        f: impl FnOnce(&mut OpCtx<'_, '_>) -> Result<T>,
    ) -> Result<T> {
        let now_us = self.p.cfg.clock.now_us();
        let seen_cap = self.p.seen_cap_us();
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
        let mut did_commit = false;
        let writer = Writer::acquire(paths)?;
        let result = writer.unit_tracked(
            conn,
            ids,
            now_us,
            Some("op.committed"),
            &mut did_commit,
            |unit| {
                unit.cap_latest_seen(seen_cap);
                let permission = match perms::requirement(op.action) {
                    Requirement::Permission(permission) => Some(permission),
                    Requirement::Unlocked => None,
                    Requirement::EntryPath | Requirement::SyncWorker => {
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
            },
        );
        drop(writer);
        let Err(err) = result else {
            return result;
        };
        if did_commit {
            // The change and its events committed; only a post-commit effect failed (the
            // key slots roll forward at the next unlock). Nothing to record as a failure.
            return Err(err);
        }
        let outcome = match reached {
            Reached::Gate => return Err(err),
            Reached::Denied => Outcome::Denied,
            Reached::Body if err.code() == "corrupt" => return Err(err),
            Reached::Body => Outcome::Failure,
        };
        let mut event = NewEvent::new(user_name, role.as_str(), op.action).outcome(outcome);
        event.resource_id = op.resource_id;
        // A failure that disclosed a patient (a likely duplicate names the existing one)
        // is listed under that patient too.
        event.patient_id = op
            .patient_id
            .or_else(|| err.concerns_patient().map(str::to_string));
        if reached == Reached::Body {
            event = event.detail(err.failure_detail());
        }
        // Best effort by design: the caller learns of the original failure either way.
        let _ = Writer::acquire(paths).and_then(|writer| {
            writer.unit(conn, ids, now_us, None, |unit| {
                unit.cap_latest_seen(seen_cap);
                unit.record(event);
                Ok(())
            })
        });
        Err(err)
    }

    /// The open connection, for reads that need no entry point (attributing a denial).
    /// Runs `f` as one unit of work for the workstation itself, with no permission
    /// check and no event of its own (the sync worker's bookkeeping: a receipt kept, a
    /// blob operation done); events `f` records name actor `-`.
    pub(crate) fn system_unit<T>(
        &mut self,
        f: impl FnOnce(&mut Unit<'_>) -> Result<T>,
    ) -> Result<T> {
        let now_us = self.p.cfg.clock.now_us();
        let seen_cap = self.p.seen_cap_us();
        let SessionParts {
            paths,
            conn,
            vault_id,
            device_id,
            ..
        } = &mut self.p;
        let ids = ChainIds {
            vault_id,
            device_id,
        };
        let writer = Writer::acquire(paths)?;
        writer.unit(conn, ids, now_us, None, |unit| {
            unit.cap_latest_seen(seen_cap);
            f(unit)
        })
    }

    /// The vault's id and this device's id.
    pub(crate) fn chain_ids(&self) -> (&str, &str) {
        (&self.p.vault_id, &self.p.device_id)
    }

    /// This workstation's device id: every event it writes carries it, and enrolling
    /// registers it with a sync server. Not secret.
    pub fn device_id(&self) -> &str {
        &self.p.device_id
    }

    /// The vault's directories.
    pub(crate) fn paths(&self) -> &VaultPaths {
        &self.p.paths
    }

    /// Now, by the session's clock (µs since the epoch).
    pub(crate) fn now_us(&self) -> i64 {
        self.p.cfg.clock.now_us()
    }

    pub(crate) fn connection(&self) -> &Connection {
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
    pub fn lock_because(self, reason: Option<&str>) -> Result<()> {
        self.lock_with_detail(match reason {
            Some(reason) => serde_json::json!({ "reason": reason }),
            None => serde_json::Value::Null,
        })
    }

    /// Records the lock with `detail` (none when null) and drops the session.
    pub(crate) fn lock_with_detail(mut self, detail: serde_json::Value) -> Result<()> {
        let now_us = self.p.cfg.clock.now_us();
        let seen_cap = self.p.seen_cap_us();
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
        if !detail.is_null() {
            event = event.detail(detail);
        }
        let ids = ChainIds {
            vault_id,
            device_id,
        };
        Writer::acquire(paths)?.unit(conn, ids, now_us, None, |unit| {
            unit.cap_latest_seen(seen_cap);
            unit.record(event);
            Ok(())
        })
    }

    /// Checks (and, when refused, records) that the unlocked user may do `action`
    /// now, before anything exclusive is attempted.
    pub(crate) fn check_permission(&mut self, action: Action) -> Result<()> {
        self.run(op(action, None), |_| Ok(()))
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
    let stored_role = match users::store::role_and_enabled(tx, user_id)? {
        None | Some((_, false)) => return Ok(Some(Denied::AccountDisabled.into())),
        Some((stored_role, _)) => stored_role,
    };
    *role =
        Role::parse(&stored_role).map_err(|_| Error::Corrupt("a stored role is damaged".into()))?;
    Ok(match permission {
        Some(perm) if !allows(*role, perm) => Some(
            Denied::RoleMayNot {
                role: *role,
                action,
            }
            .into(),
        ),
        _ => None,
    })
}
