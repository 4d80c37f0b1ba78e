//! Sync from the workstation to the clinic's server (issue 14, DESIGN §7). So far: the
//! pure planner ([`plan`]) that the background worker will execute. The outbox in the
//! vault, the device identity and the worker itself are the next steps.

pub mod plan;
