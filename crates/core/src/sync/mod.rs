//! Sync from the workstation to the clinic's server (issue 14, DESIGN §7): the pure
//! planner ([`plan`]) that a worker executes, and the vault's side ([`vault`]): the
//! device identity, the outbox (the chain past the server's receipt, and the queue of
//! blob operations) and the anchor. The HTTP client and the worker live in the
//! `clinic-vault-sync` crate, so that core never speaks to the network.

pub mod error;
pub mod plan;
pub mod vault;

pub use vault::{
    Anchor, BlobKind, BlobOp, CycleEnd, Device, LastError, Outbox, PendingEnrollment, ReceiptCheck,
};

#[cfg(test)]
mod tests;
