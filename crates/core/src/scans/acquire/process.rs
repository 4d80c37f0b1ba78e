//! Running `scanimage` with its output on a pipe: the image is read into memory (never
//! a file), bounded by what its header announces, and the process is killed when it
//! takes longer than allowed.

use std::io::{self, Read};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use zeroize::Zeroizing;

/// How a run ended when it did not deliver.
#[derive(Debug)]
pub(super) enum RunError {
    /// The program is not installed.
    NotFound,
    /// Killed after the time allowed.
    TimedOut,
    /// The output was refused by `check_header` or broke off; with the reason.
    Refused(super::AcquireError),
    /// It exited with an error; its stderr.
    Failed(String),
    /// Starting or reading failed.
    Io(io::Error),
}

/// How much output a run may have, decided from its first bytes.
#[derive(Debug, Clone, Copy)]
pub(super) enum Expect {
    /// Exactly this many bytes (an image whose header gave its size).
    Exactly(u64),
    /// Whatever comes, up to this many bytes (a listing).
    AtMost(u64),
}

/// A finished run's standard output.
pub(super) type Stdout = Zeroizing<Vec<u8>>;

/// Kills the process `pid` when `done` is not signalled within `timeout`; the thread
/// answers whether it did. The process is named by a pidfd opened while it is
/// certainly ours (not yet waited for), so a late kill cannot reach a recycled pid.
fn watchdog(pid: u32, timeout: Duration) -> (mpsc::Sender<()>, std::thread::JoinHandle<bool>) {
    // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor or -1.
    let raw = unsafe { libc::syscall(libc::SYS_pidfd_open, pid as libc::pid_t, 0) };
    let pidfd = (raw >= 0).then(|| {
        // SAFETY: a descriptor just returned to us, owned from here on.
        unsafe { OwnedFd::from_raw_fd(raw as libc::c_int) }
    });
    let (done, wait) = mpsc::channel::<()>();
    let handle = std::thread::spawn(move || match wait.recv_timeout(timeout) {
        Err(mpsc::RecvTimeoutError::Timeout) => {
            // The group first (the child leads it, and is not reaped before this
            // thread answers or the child has exited), then the child by its pidfd.
            // SAFETY: signalling the process group of a child we spawned.
            unsafe { libc::kill(-(pid as libc::pid_t), libc::SIGKILL) };
            match &pidfd {
                // SAFETY: a valid pidfd; no siginfo; no flags.
                Some(fd) => unsafe {
                    libc::syscall(
                        libc::SYS_pidfd_send_signal,
                        fd.as_raw_fd(),
                        libc::SIGKILL,
                        std::ptr::null::<libc::siginfo_t>(),
                        0,
                    );
                },
                // No pidfds (a kernel before 5.3): by pid, which is its own unless
                // the child was reaped in the instant before the timeout fired.
                // SAFETY: signalling a child we spawned.
                None => unsafe {
                    libc::kill(pid as libc::pid_t, libc::SIGKILL);
                },
            }
            true
        }
        _ => false,
    });
    (done, handle)
}

/// What `scanimage` gets of the environment: SANE's own settings, the search path and
/// the locale, nothing else (the app's environment is not the scanner's business).
fn scanner_env() -> Vec<(std::ffi::OsString, std::ffi::OsString)> {
    std::env::vars_os()
        .filter(|(k, _)| {
            let k = k.to_string_lossy();
            k.starts_with("SANE_")
                || k.starts_with("LC_")
                || matches!(&*k, "PATH" | "HOME" | "LANG")
        })
        .collect()
}

fn spawn(program: &Path, args: &[String]) -> Result<Child, RunError> {
    use std::os::unix::process::CommandExt;
    Command::new(program)
        .args(args)
        .env_clear()
        .envs(scanner_env())
        // Its own process group, so that a timeout stops a backend's helpers too.
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| match e.kind() {
            io::ErrorKind::NotFound | io::ErrorKind::PermissionDenied => RunError::NotFound,
            _ => RunError::Io(e),
        })
}

/// Runs `program args`. `body_len(head)` is called on the first bytes of the output
/// (up to 4 KiB, or all of it if shorter) and says how many bytes the whole output
/// has or may have, or refuses it; nothing more is read than that.
pub(super) fn run(
    program: &Path,
    args: &[String],
    timeout: Duration,
    body_len: impl Fn(&[u8]) -> Result<Expect, super::AcquireError>,
) -> Result<Stdout, RunError> {
    let mut child = spawn(program, args)?;
    let (done, dog) = watchdog(child.id(), timeout);
    let mut stderr = child.stderr.take();
    let err_reader = std::thread::spawn(move || {
        let mut text = Vec::new();
        if let Some(e) = stderr.as_mut() {
            let _ = e.take(64 * 1024).read_to_end(&mut text);
        }
        String::from_utf8_lossy(&text).into_owned()
    });
    let read = child
        .stdout
        .take()
        .ok_or_else(|| RunError::Io(io::Error::other("no stdout")))
        .and_then(|mut out| read_bounded(&mut out, &body_len));
    if read.is_err() {
        let _ = child.kill();
    }
    let status = child.wait().map_err(RunError::Io);
    let _ = done.send(());
    let killed = dog.join().unwrap_or(false);
    let err_text = err_reader.join().unwrap_or_default();
    let success = status?.success();
    match read {
        _ if killed => Err(RunError::TimedOut),
        // Refused by its header: the process was stopped for it.
        Err(RunError::Refused(e @ super::AcquireError::TooManyPixels { .. })) => {
            Err(RunError::Refused(e))
        }
        // A scanner that failed says why on stderr; its (lack of) output says less.
        _ if !success => Err(RunError::Failed(err_text)),
        read => read,
    }
}

fn read_bounded(
    out: &mut impl Read,
    body_len: &impl Fn(&[u8]) -> Result<Expect, super::AcquireError>,
) -> Result<Stdout, RunError> {
    // Exact capacities throughout, so no buffer holding pixels is reallocated (and
    // left behind unzeroized).
    let mut head = Zeroizing::new(Vec::with_capacity(4096));
    out.take(4096)
        .read_to_end(&mut head)
        .map_err(RunError::Io)?;
    let (total, exact) = match body_len(&head).map_err(RunError::Refused)? {
        Expect::Exactly(n) => (n, true),
        Expect::AtMost(n) => (n, false),
    };
    let total_usize = usize::try_from(total).map_err(|_| {
        RunError::Refused(super::AcquireError::BadImage {
            reason: "too_large",
        })
    })?;
    let mut data = Zeroizing::new(Vec::with_capacity(total_usize));
    data.extend_from_slice(head.get(..total_usize.min(head.len())).unwrap_or_default());
    let rest = total.saturating_sub(data.len() as u64);
    if rest > 0 {
        out.take(rest)
            .read_to_end(&mut data)
            .map_err(RunError::Io)?;
    }
    if exact && data.len() < total_usize {
        return Err(RunError::Refused(super::AcquireError::BadImage {
            reason: "truncated_samples",
        }));
    }
    Ok(data)
}
