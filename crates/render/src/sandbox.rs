//! The sandbox the renderer enters before it reads a byte of its request: resource
//! limits, no file descriptor beyond stdin/stdout/stderr, no core dump, no new
//! privileges, and a seccomp filter that kills the process on any system call outside
//! a short allow-list (reads of stdin, writes to stdout/stderr, memory, futex, exit).

use std::collections::BTreeMap;

use seccompiler::{
    BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter,
    SeccompRule, TargetArch,
};

use crate::Failure;

/// What the renderer may use. The parent passes these on the command line and also
/// applies them between `fork` and `exec`; the child applies them again itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// `RLIMIT_AS`: address space, bytes.
    pub max_memory_bytes: u64,
    /// `RLIMIT_CPU`: CPU time, seconds (`SIGXCPU` at the limit, `SIGKILL` a second later).
    pub max_cpu_seconds: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_memory_bytes: 1 << 30,
            max_cpu_seconds: 10,
        }
    }
}

fn set_limit(resource: libc::__rlimit_resource_t, soft: u64, hard: u64) -> Result<(), Failure> {
    let limit = libc::rlimit {
        rlim_cur: soft,
        rlim_max: hard,
    };
    // SAFETY: setrlimit reads the struct we pass and nothing else.
    let rc = unsafe { libc::setrlimit(resource, &limit) };
    if rc == 0 {
        Ok(())
    } else {
        Err(Failure::Sandbox { step: "setrlimit" })
    }
}

/// Closes every descriptor from 3 up: whatever a careless parent let through.
fn close_stray_fds() {
    // SAFETY: close_range(3, ~0, 0) only closes descriptors of this process, and none
    // above 2 is owned by anything in this program at this point.
    let rc = unsafe { libc::syscall(libc::SYS_close_range, 3u32, u32::MAX, 0u32) };
    if rc != 0 {
        // Kernels before 5.9 lack close_range: close them one by one, up to the
        // descriptor limit the parent set (16) and well past it.
        for fd in 3..1024 {
            // SAFETY: as above; closing a descriptor that is not open fails harmlessly.
            unsafe { libc::close(fd) };
        }
    }
}

fn prctl(option: libc::c_int, arg: libc::c_ulong, step: &'static str) -> Result<(), Failure> {
    // SAFETY: PR_SET_DUMPABLE and PR_SET_NO_NEW_PRIVS take plain integers.
    let rc = unsafe { libc::prctl(option, arg, 0 as libc::c_ulong, 0 as libc::c_ulong, 0) };
    if rc == 0 {
        Ok(())
    } else {
        Err(Failure::Sandbox { step })
    }
}

fn fd_is(fd: u64) -> Result<SeccompRule, seccompiler::BackendError> {
    SeccompRule::new(vec![SeccompCondition::new(
        0,
        SeccompCmpArgLen::Dword,
        SeccompCmpOp::Eq,
        fd,
    )?])
}

/// The allow-list, compiled for this machine's architecture.
pub fn filter() -> Result<BpfProgram, Failure> {
    let failed = |_| Failure::Sandbox { step: "seccomp" };
    let mut rules: BTreeMap<i64, Vec<SeccompRule>> = BTreeMap::new();
    rules.insert(libc::SYS_read, vec![fd_is(0).map_err(failed)?]);
    rules.insert(
        libc::SYS_write,
        vec![fd_is(1).map_err(failed)?, fd_is(2).map_err(failed)?],
    );
    for call in [
        libc::SYS_mmap,
        libc::SYS_munmap,
        libc::SYS_mremap,
        libc::SYS_mprotect,
        libc::SYS_brk,
        libc::SYS_madvise,
        libc::SYS_futex,
        libc::SYS_sigaltstack,
        libc::SYS_rt_sigreturn,
        libc::SYS_clock_gettime,
        libc::SYS_getrandom,
        libc::SYS_exit,
        libc::SYS_exit_group,
    ] {
        rules.insert(call, Vec::new());
    }
    let arch = TargetArch::try_from(std::env::consts::ARCH).map_err(|_| Failure::Sandbox {
        step: "seccomp_arch",
    })?;
    let filter = SeccompFilter::new(
        rules,
        SeccompAction::KillProcess,
        SeccompAction::Allow,
        arch,
    )
    .map_err(|_| Failure::Sandbox { step: "seccomp" })?;
    BpfProgram::try_from(filter).map_err(|_| Failure::Sandbox { step: "seccomp" })
}

/// Enters the sandbox, for good: from here on the process can read stdin, write
/// stdout and stderr, use memory and exit, and any other system call kills it.
pub fn enter(limits: &Limits) -> Result<(), Failure> {
    // Compiled before the filter is in force: compiling allocates, which stays allowed,
    // but nothing else should run under the filter that need not.
    let program = filter()?;
    set_limit(libc::RLIMIT_CORE, 0, 0)?;
    set_limit(libc::RLIMIT_FSIZE, 0, 0)?;
    set_limit(
        libc::RLIMIT_CPU,
        limits.max_cpu_seconds,
        limits.max_cpu_seconds.saturating_add(1),
    )?;
    set_limit(
        libc::RLIMIT_AS,
        limits.max_memory_bytes,
        limits.max_memory_bytes,
    )?;
    close_stray_fds();
    set_limit(libc::RLIMIT_NOFILE, 3, 3)?;
    prctl(libc::PR_SET_DUMPABLE, 0, "dumpable")?;
    prctl(libc::PR_SET_NO_NEW_PRIVS, 1, "no_new_privs")?;
    seccompiler::apply_filter(&program).map_err(|_| Failure::Sandbox { step: "seccomp" })
}
