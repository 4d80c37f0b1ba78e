//! Prescription scans: the encrypted file format, the importer's checks, and the vault's scan records.

pub mod format;
pub mod sanitize;
