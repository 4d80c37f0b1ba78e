//! Quick unlock's operations on a session: set a PIN, lock and arm, lock and require
//! the password, and the admin's settings.

use super::QuickUnlockSettings;
use super::{settings, ArmError, ArmFor, ArmOutcome, Armed, LockedBytes, Pin, QuickError};
use crate::error::Result;
use crate::vault::session::op;
use crate::vault::Session;
use clinic_vault_proto::Action;

impl Session {
    /// Sets (or replaces) the unlocked user's PIN for quick unlock after their next idle
    /// or OS lock. The PIN stays in this session's memory (a locked page) and is never
    /// written anywhere; audited as `user.pin_set`. Refused when the admin turned quick
    /// unlock off, or when this PC cannot lock memory.
    pub fn set_pin(&mut self, pin: Pin) -> Result<()> {
        let held = LockedBytes::new(pin.expose_digits())?;
        let name = self.p.user_name.clone();
        self.run(op(Action::UserPinSet, Some(&name)), |ctx| {
            if !settings::load(ctx.tx)?.allowed {
                return Err(QuickError::TurnedOff.into());
            }
            ctx.event(Action::UserPinSet).resource_id = Some(name.clone());
            Ok(())
        })?;
        self.p.pin = Some(held);
        Ok(())
    }

    /// Whether the unlocked user has set a PIN in this session.
    pub fn has_pin(&self) -> bool {
        self.p.pin.is_some()
    }

    /// Whether this session was opened with a PIN ([`crate::vault::quick_unlock`]): it
    /// holds no private key, so the few operations that need one answer
    /// `full_unlock_required`.
    pub fn opened_with_pin(&self) -> bool {
        self.p.private_key.is_none()
    }

    /// When the user last unlocked fully (password and code), on the monotonic clock:
    /// a PIN session counts the absolute session limit from there.
    pub fn full_unlock_mono_us(&self) -> i64 {
        self.p.full_unlock_mono_us
    }

    /// The quick-unlock settings (any unlocked user: the shell enforces them).
    pub fn quick_unlock_settings(&mut self) -> Result<QuickUnlockSettings> {
        self.run(op(Action::SettingsRead, None), |ctx| settings::load(ctx.tx))
    }

    /// Changes the quick-unlock settings (admin); records which fields changed. Any
    /// change wipes every wrapped key held in this process, so a shorter window or
    /// "off" takes effect at once.
    pub fn set_quick_unlock_settings(
        &mut self,
        new: &QuickUnlockSettings,
    ) -> Result<QuickUnlockSettings> {
        let changed = self.run(op(Action::SettingsUpdate, None), |ctx| {
            new.validate()?;
            let old = settings::load(ctx.tx)?;
            settings::store(ctx.tx, new)?;
            let fields = new.changed_fields(&old);
            let changed = !fields.is_empty();
            ctx.event(Action::SettingsUpdate).changed_fields = fields;
            Ok(changed)
        })?;
        if changed {
            self.p.cfg.quick.wipe_all();
        }
        Ok(*new)
    }

    /// Locks for idle time or the OS screen lock (`reason`), keeping only the current
    /// data key wrapped under the PIN if the user set one, the admin allows it and the
    /// window since the last full unlock is still open. The database closes and every
    /// other key (the private key, the PIN) is zeroized as on any lock. The lock's
    /// event keeps `reason` and what happened to quick unlock in its local detail.
    pub fn lock_and_arm(self, reason: &str) -> Result<ArmOutcome> {
        let quick = self.p.cfg.quick.clone();
        let (outcome, armed) = match self.prepare_arm() {
            Ok(armed) => (ArmOutcome::Armed, Some(armed)),
            Err(outcome) => (outcome, None),
        };
        self.lock_with_detail(serde_json::json!({
            "reason": reason,
            "quick_unlock": outcome.as_str(),
        }))?;
        if let Some(armed) = armed {
            quick.insert(armed);
        }
        Ok(outcome)
    }

    /// "Lock and require password": locks and wipes any wrapped key of this user.
    pub fn lock_requiring_password(self) -> Result<()> {
        self.p.cfg.quick.wipe_user(self.p.user_id.as_str());
        self.lock_with_detail(serde_json::json!({ "reason": "manual", "quick_unlock": "wiped" }))
    }

    fn prepare_arm(&self) -> std::result::Result<Armed, ArmOutcome> {
        let Some(pin) = self.p.pin.as_ref() else {
            return Err(ArmOutcome::NoPin);
        };
        // A plain read of the settings: the lock is recorded in its own unit next.
        let settings = settings::load(&self.p.conn).map_err(|_| ArmOutcome::TurnedOff)?;
        if !settings.allowed {
            return Err(ArmOutcome::TurnedOff);
        }
        let deadline = self
            .p
            .full_unlock_mono_us
            .saturating_add(i64::from(settings.window_secs) * 1_000_000);
        if self.p.cfg.clock.monotonic_us() >= deadline {
            return Err(ArmOutcome::WindowOver);
        }
        let who = ArmFor {
            vault_id: &self.p.vault_id,
            user_id: &self.p.user_id,
            user_name: &self.p.user_name,
            role: self.p.role,
            full_unlock_us: self.p.full_unlock_us,
            full_unlock_mono_us: self.p.full_unlock_mono_us,
            deadline_mono_us: deadline,
        };
        Armed::wrap(who, pin.expose(), &self.p.dek, self.p.cfg.pin_kdf).map_err(|e| match e {
            ArmError::MemoryNotLockable => ArmOutcome::MemoryNotLockable,
            // A derivation that fails leaves nothing armed; the lock goes ahead.
            ArmError::Derivation => ArmOutcome::MemoryNotLockable,
        })
    }
}
