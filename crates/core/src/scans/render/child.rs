//! Running the renderer: finding its binary, spawning it sandboxed (limits, empty
//! environment, cwd `/`, only its three pipes, its own process group, no new
//! privileges), feeding it the request, and reading its answer within the time and
//! size limits. A crash, a signal, a hang or garbage becomes a [`RenderError`].

use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use zeroize::Zeroizing;

use super::{protocol, RenderError, RenderLimits};

/// The environment variable naming the renderer binary (tests, packaging); when unset,
/// the renderer is the file [`RENDERER_NAME`] beside the running program.
pub const RENDERER_ENV: &str = "CLINICVAULT_RENDERER";
/// The renderer binary's file name.
pub const RENDERER_NAME: &str = "clinic-vault-render";

/// The most of the renderer's stderr kept: its one-word reason.
const MAX_REASON_BYTES: u64 = 256;
/// Descriptors the child may hold while `exec` loads it (the dynamic loader opens its
/// libraries); the renderer lowers this to 3 before it reads its request.
const CHILD_MAX_FDS: u64 = 16;
/// `close_range`'s flag that marks descriptors close-on-exec instead of closing them.
const CLOSE_RANGE_CLOEXEC: u32 = 4;

/// Where the renderer is: `CLINICVAULT_RENDERER` if set, else beside the running
/// program. [`RenderError::Missing`] when no file is there.
pub fn locate_renderer() -> Result<PathBuf, RenderError> {
    let path = match std::env::var_os(RENDERER_ENV) {
        Some(named) if !named.is_empty() => PathBuf::from(named),
        _ => std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(|dir| dir.join(RENDERER_NAME)))
            .ok_or_else(|| RenderError::Missing {
                path: PathBuf::from(RENDERER_NAME),
            })?,
    };
    if path.is_file() {
        Ok(path)
    } else {
        Err(RenderError::Missing { path })
    }
}

/// The limits set between `fork` and `exec`, computed before the fork.
#[derive(Clone, Copy)]
struct ChildLimits {
    memory: libc::rlimit,
    cpu: libc::rlimit,
}

fn hard_limit(resource: libc::__rlimit_resource_t) -> u64 {
    let mut current = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes into the struct we own.
    if unsafe { libc::getrlimit(resource, &mut current) } == 0 {
        current.rlim_max
    } else {
        libc::RLIM_INFINITY
    }
}

impl ChildLimits {
    fn new(limits: &RenderLimits) -> Self {
        // The CPU limit is the wall-clock one rounded up: a child busy all the time gets
        // SIGXCPU about when the parent would kill it anyway.
        let cpu_seconds = limits.timeout.as_secs().saturating_add(1);
        let memory = limits.max_memory_bytes.min(hard_limit(libc::RLIMIT_AS));
        let cpu_hard = hard_limit(libc::RLIMIT_CPU);
        ChildLimits {
            memory: libc::rlimit {
                rlim_cur: memory,
                rlim_max: memory,
            },
            cpu: libc::rlimit {
                rlim_cur: cpu_seconds.min(cpu_hard),
                rlim_max: cpu_seconds.saturating_add(1).min(cpu_hard),
            },
        }
    }

    /// Runs in the child between `fork` and `exec`: only async-signal-safe calls.
    fn apply(self) -> io::Result<()> {
        let zero = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        let fds = libc::rlimit {
            rlim_cur: CHILD_MAX_FDS,
            rlim_max: CHILD_MAX_FDS,
        };
        for (resource, limit) in [
            (libc::RLIMIT_CORE, zero),
            (libc::RLIMIT_FSIZE, zero),
            (libc::RLIMIT_CPU, self.cpu),
            (libc::RLIMIT_AS, self.memory),
        ] {
            // SAFETY: setrlimit reads the struct passed.
            if unsafe { libc::setrlimit(resource, &limit) } != 0 {
                return Err(io::Error::last_os_error());
            }
        }
        // Every descriptor above stderr closes at exec, whether or not whoever opened it
        // (SQLite, a library, the shell) asked for close-on-exec.
        // SAFETY: close_range only changes flags of this process's descriptors.
        let marked =
            unsafe { libc::syscall(libc::SYS_close_range, 3u32, u32::MAX, CLOSE_RANGE_CLOEXEC) };
        if marked != 0 {
            for fd in 3..4096 {
                // SAFETY: F_SETFD on a descriptor that may not exist fails harmlessly.
                unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) };
            }
        }
        // SAFETY: setrlimit reads the struct passed.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &fds) } != 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: prctl with integer arguments only.
        let no_privs =
            unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1 as libc::c_ulong, 0, 0, 0) };
        // SAFETY: as above; the child dies with the thread that spawned it.
        let death = unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL as libc::c_ulong) };
        if no_privs != 0 || death != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }
}

fn spawn(path: &Path, limits: &RenderLimits) -> Result<Child, RenderError> {
    let child_limits = ChildLimits::new(limits);
    let mut cmd = Command::new(path);
    cmd.arg("--max-memory-bytes")
        .arg(child_limits.memory.rlim_cur.to_string())
        .arg("--max-cpu-seconds")
        .arg(child_limits.cpu.rlim_cur.to_string())
        .env_clear()
        .current_dir("/")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    // SAFETY: `apply` makes only async-signal-safe calls (setrlimit, close_range,
    // fcntl, prctl) on values computed before the fork; it allocates nothing.
    unsafe { cmd.pre_exec(move || child_limits.apply()) };
    cmd.spawn().map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => RenderError::Missing {
            path: path.to_path_buf(),
        },
        kind => RenderError::Spawn { kind },
    })
}

/// A descriptor that becomes readable when the child exits (Linux 5.3+).
fn pidfd(child: &Child) -> io::Result<OwnedFd> {
    // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, child.id() as libc::pid_t, 0) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: the descriptor was just returned to us and nothing else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

/// Waits until the child exits or the deadline passes; `false` on the deadline.
fn exited_before(pidfd: &OwnedFd, deadline: Instant) -> io::Result<bool> {
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let ms = i32::try_from(left.as_millis()).unwrap_or(i32::MAX);
        let mut poll = libc::pollfd {
            fd: pidfd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: poll on one pollfd we own.
        let rc = unsafe { libc::poll(&mut poll, 1, ms) };
        match rc {
            1.. => return Ok(true),
            0 => return Ok(false),
            _ => {
                let e = io::Error::last_os_error();
                if e.kind() != io::ErrorKind::Interrupted {
                    return Err(e);
                }
            }
        }
    }
}

/// Kills the child's whole process group. Called only before the child is reaped, so
/// its pid (the group's id) cannot have been reused.
fn kill_group(child: &Child) {
    // SAFETY: kill with a negative pid signals the group we created for the child.
    unsafe { libc::kill(-(child.id() as libc::pid_t), libc::SIGKILL) };
}

/// Reads at most `max` bytes into a buffer that is wiped, as are the smaller ones it
/// outgrew; `None` if the stream had more.
fn read_capped(mut from: impl Read, max: u64) -> Option<Zeroizing<Vec<u8>>> {
    let mut buf = Zeroizing::new(Vec::with_capacity(64 * 1024));
    let mut chunk = Zeroizing::new(vec![0u8; 64 * 1024]);
    loop {
        let n = match from.read(&mut chunk) {
            Ok(0) | Err(_) => return Some(buf),
            Ok(n) => n,
        };
        if (buf.len() + n) as u64 > max {
            return None;
        }
        if buf.capacity() - buf.len() < n {
            let hint = protocol::answer_len_hint(&buf).filter(|&len| len <= max);
            let want = hint
                .and_then(|len| usize::try_from(len).ok())
                .unwrap_or(buf.capacity().saturating_mul(2))
                .max(buf.len() + n);
            let mut bigger = Zeroizing::new(Vec::with_capacity(want));
            bigger.extend_from_slice(&buf);
            buf = bigger;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// Only lower-case letters, digits and `_` of the first line, so that nothing the child
/// writes can reach an audit event except a word.
fn reason_word(stderr: &[u8]) -> String {
    let word: String = stderr
        .split(|&b| b == b'\n')
        .next()
        .unwrap_or_default()
        .iter()
        .map(|&b| b as char)
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
        .take(40)
        .collect();
    if word.is_empty() {
        "unknown".into()
    } else {
        word
    }
}

/// One request and its answer: spawn, feed, collect, judge.
pub(super) fn exchange(
    path: &Path,
    header: &[u8],
    pdf: &[u8],
    limits: &RenderLimits,
) -> Result<Zeroizing<Vec<u8>>, RenderError> {
    let started = Instant::now();
    let mut child = spawn(path, limits)?;
    let (stdin, stdout, stderr) =
        match (child.stdin.take(), child.stdout.take(), child.stderr.take()) {
            (Some(i), Some(o), Some(e)) => (i, o, e),
            _ => {
                kill_group(&child);
                let _ = child.wait();
                return Err(RenderError::Spawn {
                    kind: io::ErrorKind::BrokenPipe,
                });
            }
        };
    let pidfd = match pidfd(&child) {
        Ok(fd) => fd,
        Err(e) => {
            kill_group(&child);
            let _ = child.wait();
            return Err(RenderError::Spawn { kind: e.kind() });
        }
    };
    let deadline = started + limits.timeout;
    let max_output = limits.max_output_bytes;
    let (exited, answer, reason) = std::thread::scope(|scope| {
        scope.spawn(move || {
            let mut stdin = stdin;
            // A child that dies early closes the pipe; its exit status says why.
            let _ = stdin.write_all(header).and_then(|()| stdin.write_all(pdf));
        });
        let answer = scope.spawn(move || read_capped(stdout, max_output));
        let reason =
            scope.spawn(move || read_capped(stderr.take(MAX_REASON_BYTES), MAX_REASON_BYTES));
        let exited = exited_before(&pidfd, deadline).unwrap_or(false);
        // Stragglers of the group (none for the real renderer, which cannot fork) go
        // too, so that no one holds the pipes open.
        kill_group(&child);
        (exited, answer.join(), reason.join())
    });
    let status = child
        .wait()
        .map_err(|e| RenderError::Spawn { kind: e.kind() })?;
    if !exited {
        return Err(RenderError::TimedOut {
            after: limits.timeout,
        });
    }
    let answer = match answer {
        Ok(Some(answer)) => answer,
        Ok(None) => return Err(RenderError::Malformed { what: "too_large" }),
        Err(_) => return Err(RenderError::Malformed { what: "unreadable" }),
    };
    if let Some(signal) = status.signal() {
        return Err(RenderError::Crashed { signal });
    }
    match status.code() {
        Some(0) => Ok(answer),
        code => Err(RenderError::Refused {
            code: code.unwrap_or(-1),
            reason: reason_word(&reason.ok().flatten().unwrap_or_default()),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_keeps_only_a_word() {
        assert_eq!(reason_word(b"unreadable\n"), "unreadable");
        assert_eq!(reason_word(b"Patient: J. Doe\nmore"), "atientoe");
        assert_eq!(reason_word(b""), "unknown");
    }

    #[test]
    fn reading_stops_at_the_cap() {
        assert!(read_capped(&[7u8; 100][..], 99).is_none());
        assert_eq!(
            read_capped(&[7u8; 100][..], 100).map(|b| b.len()),
            Some(100)
        );
    }
}
