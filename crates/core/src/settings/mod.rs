//! Clinic-wide session settings kept inside the vault (DESIGN §4): the idle auto-lock and
//! the absolute session limit. The shell enforces them; an admin changes them.

mod ops;

use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use crate::db;
use crate::error::{Error, Result};
use crate::invalid::{Invalid, Rule};

/// Session settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// Lock after this many seconds without user input (60–3600; default 300).
    pub idle_lock_secs: u32,
    /// Lock this many seconds after unlocking, whatever the activity (3600–86400; default 12 h).
    pub session_limit_secs: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            idle_lock_secs: 5 * 60,
            session_limit_secs: 12 * 3600,
        }
    }
}

/// Allowed idle lock, seconds (1–60 minutes).
pub const IDLE_LOCK_RANGE: std::ops::RangeInclusive<u32> = 60..=3600;
/// Allowed session limit, seconds (1–24 hours).
pub const SESSION_LIMIT_RANGE: std::ops::RangeInclusive<u32> = 3600..=86_400;

impl Settings {
    /// Refuses values outside the allowed ranges, with a message naming the field.
    pub fn validate(&self) -> Result<()> {
        if !IDLE_LOCK_RANGE.contains(&self.idle_lock_secs) {
            return Err(Invalid::new(
                "idle_lock_secs",
                Rule::OutOfRange {
                    min: IDLE_LOCK_RANGE.start() / 60,
                    max: IDLE_LOCK_RANGE.end() / 60,
                    unit: "minutes",
                    got_secs: self.idle_lock_secs,
                },
            )
            .into());
        }
        if !SESSION_LIMIT_RANGE.contains(&self.session_limit_secs) {
            return Err(Invalid::new(
                "session_limit_secs",
                Rule::OutOfRange {
                    min: SESSION_LIMIT_RANGE.start() / 3600,
                    max: SESSION_LIMIT_RANGE.end() / 3600,
                    unit: "hours",
                    got_secs: self.session_limit_secs,
                },
            )
            .into());
        }
        Ok(())
    }

    /// The names of the fields that differ from `other`.
    pub fn changed_fields(&self, other: &Settings) -> Vec<&'static str> {
        let mut fields = Vec::new();
        if self.idle_lock_secs != other.idle_lock_secs {
            fields.push("idle_lock_secs");
        }
        if self.session_limit_secs != other.session_limit_secs {
            fields.push("session_limit_secs");
        }
        fields
    }
}

const IDLE_KEY: &str = "setting.idle_lock_secs";
const LIMIT_KEY: &str = "setting.session_limit_secs";

fn read_one(conn: &Connection, key: &str, default: u32) -> Result<u32> {
    match db::meta(conn, key) {
        Ok(text) => text
            .parse()
            .map_err(|_| Error::Corrupt(format!("the stored setting '{key}' is damaged"))),
        Err(Error::Corrupt(_)) => Ok(default),
        Err(other) => Err(other),
    }
}

/// The stored settings, defaults for those never set.
pub(crate) fn load(conn: &Connection) -> Result<Settings> {
    let defaults = Settings::default();
    Ok(Settings {
        idle_lock_secs: read_one(conn, IDLE_KEY, defaults.idle_lock_secs)?,
        session_limit_secs: read_one(conn, LIMIT_KEY, defaults.session_limit_secs)?,
    })
}

/// Stores validated settings.
pub(crate) fn store(conn: &Connection, settings: &Settings) -> Result<()> {
    settings.validate()?;
    db::set_meta(conn, IDLE_KEY, &settings.idle_lock_secs.to_string())?;
    db::set_meta(conn, LIMIT_KEY, &settings.session_limit_secs.to_string())?;
    Ok(())
}
