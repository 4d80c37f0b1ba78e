//! Named points in write paths where the crash test may kill the process. They compile
//! to nothing unless the `test-hooks` feature is on (never in a release build); with it,
//! `CLINICVAULT_TEST_CRASH_AT=N` SIGKILLs the process at the N-th point reached.

/// Marks a point at which a crash must leave the vault consistent.
#[cfg(not(feature = "test-hooks"))]
#[inline(always)]
pub(crate) fn hit(_name: &str) {}

/// Marks a point at which a crash must leave the vault consistent.
#[cfg(feature = "test-hooks")]
pub(crate) fn hit(name: &str) {
    use std::sync::atomic::{AtomicU64, Ordering};
    static HITS: AtomicU64 = AtomicU64::new(0);
    let Some(target) = std::env::var("CLINICVAULT_TEST_CRASH_AT")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    else {
        return;
    };
    let n = HITS.fetch_add(1, Ordering::SeqCst) + 1;
    if n == target {
        if let Some(path) = std::env::var_os("CLINICVAULT_TEST_CRASH_LOG") {
            let _ = std::fs::write(path, name);
        }
        // SAFETY: sending SIGKILL to ourselves; nothing runs after it.
        unsafe {
            libc::kill(libc::getpid(), libc::SIGKILL);
        }
    }
}
