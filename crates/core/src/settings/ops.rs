//! The settings operations on a session: read (anyone unlocked) and change (admin).

use super::Settings;
use crate::error::Result;
use crate::vault::session::op;
use crate::vault::Session;
use clinic_vault_proto::Action;

impl Session {
    /// The clinic's session settings (any role: the shell enforces them for everyone).
    pub fn settings(&mut self) -> Result<Settings> {
        self.run(op(Action::SettingsRead, None), |ctx| super::load(ctx.tx))
    }

    /// Changes the session settings (admin); records which fields changed.
    pub fn set_settings(&mut self, new: &Settings) -> Result<Settings> {
        self.run(op(Action::SettingsUpdate, None), |ctx| {
            new.validate()?;
            let old = super::load(ctx.tx)?;
            super::store(ctx.tx, new)?;
            let event = ctx.event(Action::SettingsUpdate);
            event.changed_fields = new.changed_fields(&old);
            Ok(*new)
        })
    }
}
