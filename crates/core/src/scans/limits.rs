//! The importer's limits as the clinic's admin set them, kept in the vault's `meta`
//! table beside the session settings, and their operations (read: anyone unlocked,
//! because every import applies them; change: admin).

use rusqlite::Connection;

use super::sanitize::ScanLimits;
use crate::db;
use crate::error::{Error, Result};
use crate::invalid::{Invalid, Rule};
use crate::vault::session::op;
use crate::vault::Session;
use clinic_vault_proto::Action;

/// Allowed largest file, bytes (1 MB – 500 MB).
pub const MAX_FILE_BYTES_RANGE: std::ops::RangeInclusive<u64> = 1_000_000..=500_000_000;
/// Allowed megapixels a page (1 – 400).
pub const MAX_MEGAPIXELS_RANGE: std::ops::RangeInclusive<u32> = 1..=400;
/// Allowed pixels a side (100 – 65,535).
pub const MAX_SIDE_RANGE: std::ops::RangeInclusive<u32> = 100..=65_535;
/// Allowed pages a file (1 – 2,000).
pub const MAX_PAGES_RANGE: std::ops::RangeInclusive<u32> = 1..=2_000;

const KEYS: [&str; 4] = [
    "setting.scan_max_file_bytes",
    "setting.scan_max_megapixels",
    "setting.scan_max_side_px",
    "setting.scan_max_pages",
];

fn out_of_range(field: &'static str, min: u64, max: u64, got: u64) -> Error {
    Invalid::quoting(field, Rule::NotInRange { min, max }, &got.to_string()).into()
}

/// Refuses limits outside the allowed ranges, naming the field.
pub fn validate(limits: &ScanLimits) -> Result<()> {
    let checks: [(&'static str, u64, std::ops::RangeInclusive<u64>); 4] = [
        (
            "max_file_bytes",
            limits.max_file_bytes,
            MAX_FILE_BYTES_RANGE,
        ),
        (
            "max_megapixels",
            limits.max_megapixels.into(),
            (*MAX_MEGAPIXELS_RANGE.start()).into()..=(*MAX_MEGAPIXELS_RANGE.end()).into(),
        ),
        (
            "max_side_px",
            limits.max_side_px.into(),
            (*MAX_SIDE_RANGE.start()).into()..=(*MAX_SIDE_RANGE.end()).into(),
        ),
        (
            "max_pages",
            limits.max_pages.into(),
            (*MAX_PAGES_RANGE.start()).into()..=(*MAX_PAGES_RANGE.end()).into(),
        ),
    ];
    for (field, value, range) in checks {
        if !range.contains(&value) {
            return Err(out_of_range(field, *range.start(), *range.end(), value));
        }
    }
    Ok(())
}

fn read_one(conn: &Connection, key: &str, default: u64) -> Result<u64> {
    match db::meta(conn, key) {
        Ok(text) => text
            .parse()
            .map_err(|_| Error::Corrupt(format!("the stored setting '{key}' is damaged"))),
        Err(Error::Corrupt(_)) => Ok(default),
        Err(other) => Err(other),
    }
}

fn narrow(value: u64, key: &str) -> Result<u32> {
    u32::try_from(value)
        .map_err(|_| Error::Corrupt(format!("the stored setting '{key}' is damaged")))
}

/// The stored limits, defaults for those never set.
pub(crate) fn load(conn: &Connection) -> Result<ScanLimits> {
    let d = ScanLimits::default();
    Ok(ScanLimits {
        max_file_bytes: read_one(conn, KEYS[0], d.max_file_bytes)?,
        max_megapixels: narrow(read_one(conn, KEYS[1], d.max_megapixels.into())?, KEYS[1])?,
        max_side_px: narrow(read_one(conn, KEYS[2], d.max_side_px.into())?, KEYS[2])?,
        max_pages: narrow(read_one(conn, KEYS[3], d.max_pages.into())?, KEYS[3])?,
    })
}

fn changed_fields(new: &ScanLimits, old: &ScanLimits) -> Vec<&'static str> {
    let mut fields = Vec::new();
    if new.max_file_bytes != old.max_file_bytes {
        fields.push("scan_max_file_bytes");
    }
    if new.max_megapixels != old.max_megapixels {
        fields.push("scan_max_megapixels");
    }
    if new.max_side_px != old.max_side_px {
        fields.push("scan_max_side_px");
    }
    if new.max_pages != old.max_pages {
        fields.push("scan_max_pages");
    }
    fields
}

impl Session {
    /// The importer's limits (any role: every import applies them).
    pub fn scan_limits(&mut self) -> Result<ScanLimits> {
        self.run(op(Action::SettingsRead, None), |ctx| load(ctx.tx))
    }

    /// Changes the importer's limits (admin); records which fields changed.
    pub fn set_scan_limits(&mut self, new: &ScanLimits) -> Result<ScanLimits> {
        self.run(op(Action::SettingsUpdate, None), |ctx| {
            validate(new)?;
            let old = load(ctx.tx)?;
            db::set_meta(ctx.tx, KEYS[0], &new.max_file_bytes.to_string())?;
            db::set_meta(ctx.tx, KEYS[1], &new.max_megapixels.to_string())?;
            db::set_meta(ctx.tx, KEYS[2], &new.max_side_px.to_string())?;
            db::set_meta(ctx.tx, KEYS[3], &new.max_pages.to_string())?;
            let event = ctx.event(Action::SettingsUpdate);
            event.changed_fields = changed_fields(new, &old);
            Ok(new.clone())
        })
    }
}
