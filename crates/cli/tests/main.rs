//! Process-level tests of `clinicvault`: one binary, one module per area. Time moves
//! only through the test clock file (the `test-hooks` feature, never in release).

mod account_chores;
mod audit_cli;
mod auth;
mod bad_input;
mod common;
mod crash;
mod hardening;
mod records_cli;
mod roles_cli;
mod scanner_cli;
mod scans_cli;
mod sync_cli;
mod tamper;
mod tour;
mod upgrade;
mod users;
mod wal_damage;
