//! Replication between a clinic's PCs (issue 15), the pure parts first: the hybrid
//! logical clock every record change is stamped with ([`hlc`]) and the merge rules a PC
//! applies to the changes it pulls ([`merge`]). Nothing here touches the database or
//! the network: the applier (a later step) feeds these from the change records and
//! writes what they decide through the audited kernel.

pub mod hlc;
pub mod merge;
