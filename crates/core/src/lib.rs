//! Clinic Vault core: the encrypted vault, key slots, users and roles, TOTP, brute-force
//! protection and the hash-chained audit trail. No UI, no printing, no environment
//! reads (except the test-only hooks, absent from release builds): the CLI and the
//! desktop app are thin shells over this crate.
#![deny(missing_docs)]

pub mod audit;
mod b64;
#[cfg(feature = "bench-support")]
pub mod bench_support;
pub mod clock;
mod crashpoint;
pub mod crockford;
pub mod crypto;
pub mod db;
pub mod error;
pub mod hardening;
pub mod ids;
pub mod invalid;
mod journal;
mod keys;
mod keyslots;
mod lockfile;
pub mod perms;
pub mod policy;
pub mod quick;
pub mod records;
pub mod replica;
pub mod scans;
pub mod secrets;
pub mod settings;
pub mod sync;
#[cfg(feature = "synthetic")]
pub mod synthetic;
#[cfg(feature = "test-hooks")]
pub mod test_hooks;
pub mod totp;
pub mod users;
pub mod vault;
mod wal;

pub use audit::{AuditFilter, ChainReport, ListedEvent};
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{Error, Result};
pub use perms::{Permission, Role};
pub use secrets::{Password, ShownSecret};
pub use vault::{
    first_login, init, probe, quick_unlock, recover, recover_with, unlock, unlock_timed,
    CoreConfig, InitOutcome, RecoverOptions, Session, UnlockTimings, VaultProbe,
};
