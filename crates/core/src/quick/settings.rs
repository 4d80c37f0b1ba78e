//! The admin's quick-unlock settings, kept in the vault's `meta` table beside the
//! session settings (no schema change: a vault that never stored them reads the
//! defaults): allowed (default on), PIN required or optional, and the window counted
//! from the last full unlock (default 12 h).

use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use crate::db;
use crate::error::{Error, Result};
use crate::invalid::{Invalid, Rule};

/// Quick-unlock settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuickUnlockSettings {
    /// Whether staff may quick-unlock with a PIN at all (default on).
    pub allowed: bool,
    /// Whether every user must set a PIN after a full unlock (the shell asks; default off).
    pub pin_required: bool,
    /// How long after the last full unlock a PIN still works, seconds (15 min – 24 h;
    /// default 12 h).
    pub window_secs: u32,
}

impl Default for QuickUnlockSettings {
    fn default() -> Self {
        QuickUnlockSettings {
            allowed: true,
            pin_required: false,
            window_secs: 12 * 3600,
        }
    }
}

/// Allowed window, seconds (15 minutes to 24 hours).
pub const WINDOW_RANGE: std::ops::RangeInclusive<u32> = 900..=86_400;

impl QuickUnlockSettings {
    /// Refuses a window outside [`WINDOW_RANGE`].
    pub fn validate(&self) -> Result<()> {
        if !WINDOW_RANGE.contains(&self.window_secs) {
            return Err(Invalid::new(
                "window_secs",
                Rule::OutOfRange {
                    min: WINDOW_RANGE.start() / 60,
                    max: WINDOW_RANGE.end() / 60,
                    unit: "minutes",
                    got_secs: self.window_secs,
                },
            )
            .into());
        }
        Ok(())
    }

    /// The names of the fields that differ from `other`.
    pub fn changed_fields(&self, other: &QuickUnlockSettings) -> Vec<&'static str> {
        let mut fields = Vec::new();
        if self.allowed != other.allowed {
            fields.push("quick_unlock_allowed");
        }
        if self.pin_required != other.pin_required {
            fields.push("pin_required");
        }
        if self.window_secs != other.window_secs {
            fields.push("quick_unlock_window_secs");
        }
        fields
    }
}

const ALLOWED_KEY: &str = "setting.quick_unlock_allowed";
const REQUIRED_KEY: &str = "setting.pin_required";
const WINDOW_KEY: &str = "setting.quick_unlock_window_secs";

fn read_one<T: std::str::FromStr>(conn: &Connection, key: &str, default: T) -> Result<T> {
    match db::meta(conn, key) {
        Ok(text) => text
            .parse()
            .map_err(|_| Error::Corrupt(format!("the stored setting '{key}' is damaged"))),
        Err(Error::Corrupt(_)) => Ok(default),
        Err(other) => Err(other),
    }
}

/// The stored settings, defaults for those never set.
pub(crate) fn load(conn: &Connection) -> Result<QuickUnlockSettings> {
    let defaults = QuickUnlockSettings::default();
    Ok(QuickUnlockSettings {
        allowed: read_one(conn, ALLOWED_KEY, defaults.allowed)?,
        pin_required: read_one(conn, REQUIRED_KEY, defaults.pin_required)?,
        window_secs: read_one(conn, WINDOW_KEY, defaults.window_secs)?,
    })
}

/// Stores validated settings.
pub(crate) fn store(conn: &Connection, settings: &QuickUnlockSettings) -> Result<()> {
    settings.validate()?;
    db::set_meta(conn, ALLOWED_KEY, &settings.allowed.to_string())?;
    db::set_meta(conn, REQUIRED_KEY, &settings.pin_required.to_string())?;
    db::set_meta(conn, WINDOW_KEY, &settings.window_secs.to_string())?;
    Ok(())
}
