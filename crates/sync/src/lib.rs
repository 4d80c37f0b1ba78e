//! The workstation's side of sync on the network (issue 14, DESIGN §7): the signed HTTP
//! client ([`Client`]), one sync cycle executing core's planner ([`run_cycle`]),
//! enrollment ([`enroll()`]), and the sentences people read about it ([`words`]).
//!
//! Core keeps everything that must survive a crash (the outbox, the device key, the
//! anchor) and decides every step (`clinic_vault_core::sync::plan`); this crate only
//! talks to the server and feeds the answers back. Core never speaks to the network.

mod client;
mod cycle;
mod enroll;
pub mod words;

pub use client::{Client, ClientError, Failure, Signer};
pub use cycle::{run_cycle, CycleError, End, Report, Vault};
pub use enroll::{enroll, EnrollError, Target};
