//! Process hardening the app and the CLI apply at start: no core dumps (a dump would
//! hold keys and patient data in clear).

/// Sets `RLIMIT_CORE` to 0 and marks the process non-dumpable. Returns whether both
/// took effect.
pub fn disable_core_dumps() -> bool {
    let limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: setrlimit with a valid rlimit struct.
    let rlimit_ok = unsafe { libc::setrlimit(libc::RLIMIT_CORE, &limit) } == 0;
    // SAFETY: prctl(PR_SET_DUMPABLE, 0) takes no pointers.
    let dumpable_ok = unsafe { libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0) } == 0;
    rlimit_ok && dumpable_ok
}

#[cfg(test)]
mod tests {
    #[test]
    fn core_dumps_are_off_after_hardening() {
        assert!(super::disable_core_dumps());
        let mut limit = libc::rlimit {
            rlim_cur: 1,
            rlim_max: 1,
        };
        // SAFETY: getrlimit into a valid struct; prctl query without pointers.
        let (rc, dumpable) = unsafe {
            (
                libc::getrlimit(libc::RLIMIT_CORE, &mut limit),
                libc::prctl(libc::PR_GET_DUMPABLE, 0, 0, 0, 0),
            )
        };
        assert_eq!(rc, 0);
        assert_eq!((limit.rlim_cur, limit.rlim_max), (0, 0));
        assert_eq!(dumpable, 0);
    }
}
