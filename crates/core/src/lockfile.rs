//! Locks on `vault.lock`, so the app and the CLI can share a vault safely.
//! - The writer lock (`flock`, exclusive) serialises changes to `keyslots` and
//!   `prelock.journal`; it is held for milliseconds.
//! - The session lock (an open-file-description byte-range lock on byte 0) is held
//!   shared by every unlocked session; data-key rotation needs it exclusive, because
//!   `PRAGMA rekey` must run with no other connection open.
//! - The attempt lock (an open-file-description byte-range write lock on a byte chosen
//!   by the account) serialises the entry attempts on one account, from the lockout
//!   check to the final commit, across processes and threads alike: so parallel
//!   attempts cannot all pass the counter, spend one TOTP code twice, or both replace
//!   one one-time password.
//!
//! The lock file is opened without following a symbolic link.

use std::fs::{File, OpenOptions};
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use crate::error::{Error, Result, VaultError};

fn open_lock_file(path: &Path) -> Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => {
                Error::VaultNotFound(path.parent().unwrap_or(path).to_path_buf())
            }
            _ => Error::io("opening vault.lock", e),
        })
}

/// Held while `keyslots` or the journal is being changed; released on drop.
#[derive(Debug)]
pub(crate) struct WriterLock(#[allow(dead_code)] File);

impl WriterLock {
    /// Blocks until the writer lock is ours.
    pub(crate) fn acquire(path: &Path) -> Result<Self> {
        let file = open_lock_file(path)?;
        // SAFETY: flock on a descriptor we own.
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) };
        if rc != 0 {
            return Err(Error::io(
                "locking vault.lock",
                std::io::Error::last_os_error(),
            ));
        }
        Ok(WriterLock(file))
    }
}

/// Held for the life of an unlocked session.
#[derive(Debug)]
pub(crate) struct SessionLock(File);

fn ofd_lock(file: &File, lock_type: libc::c_int) -> std::io::Result<()> {
    ofd_lock_byte(file, lock_type, 0)
}

fn ofd_lock_byte(file: &File, lock_type: libc::c_int, byte: libc::off_t) -> std::io::Result<()> {
    // SAFETY: a zeroed flock struct is a valid value; every field we need is set below.
    let mut fl: libc::flock = unsafe { std::mem::zeroed() };
    fl.l_type = lock_type as libc::c_short;
    fl.l_whence = libc::SEEK_SET as libc::c_short;
    fl.l_start = byte;
    fl.l_len = 1;
    // SAFETY: F_OFD_SETLK with a valid flock struct on a descriptor we own.
    let rc = unsafe { libc::fcntl(file.as_raw_fd(), libc::F_OFD_SETLK, &fl) };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

impl SessionLock {
    /// Takes the shared session lock; fails with `conflict` only while a data-key
    /// rotation holds it exclusively.
    pub(crate) fn acquire_shared(path: &Path) -> Result<Self> {
        let file = open_lock_file(path)?;
        ofd_lock(&file, libc::F_RDLCK).map_err(|_| Error::Vault(VaultError::BeingRekeyed))?;
        Ok(SessionLock(file))
    }

    /// Upgrades to exclusive; `conflict` if any other session is open.
    pub(crate) fn upgrade_exclusive(&self) -> Result<()> {
        ofd_lock(&self.0, libc::F_WRLCK).map_err(|_| Error::Vault(VaultError::OpenElsewhere))
    }

    /// Returns to shared after an exclusive section.
    pub(crate) fn downgrade_shared(&self) -> Result<()> {
        ofd_lock(&self.0, libc::F_RDLCK).map_err(|e| Error::io("relocking vault.lock", e))
    }
}

/// How long an attempt waits for the one before it on the same account.
const ATTEMPT_WAIT: std::time::Duration = std::time::Duration::from_secs(60);

fn attempt_byte(account: &str) -> libc::off_t {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(account.as_bytes());
    1 + libc::off_t::from(u32::from_be_bytes([
        digest[0], digest[1], digest[2], digest[3],
    ]))
}

/// Whether an entry attempt on `account` is running now (in any process or thread).
pub(crate) fn attempt_in_flight(path: &Path, account: &str) -> Result<bool> {
    let file = open_lock_file(path)?;
    match ofd_lock_byte(&file, libc::F_WRLCK, attempt_byte(account)) {
        Ok(()) => Ok(false),
        Err(e) if matches!(e.raw_os_error(), Some(libc::EAGAIN) | Some(libc::EACCES)) => Ok(true),
        Err(e) => Err(Error::io("locking vault.lock", e)),
    }
}

/// Held for the whole of one entry attempt (unlock, first login, recovery) on one
/// account; released on drop.
#[derive(Debug)]
pub(crate) struct AttemptLock(#[allow(dead_code)] File);

impl AttemptLock {
    /// Waits (up to a minute, then `conflict`: busy) until no other attempt on
    /// `account` runs. Byte 0 is the session lock; accounts hash onto bytes above it
    /// (two accounts sharing a byte only wait for each other).
    pub(crate) fn acquire(path: &Path, account: &str) -> Result<Self> {
        let file = open_lock_file(path)?;
        let byte = attempt_byte(account);
        let deadline = std::time::Instant::now() + ATTEMPT_WAIT;
        loop {
            match ofd_lock_byte(&file, libc::F_WRLCK, byte) {
                Ok(()) => return Ok(AttemptLock(file)),
                Err(e) if matches!(e.raw_os_error(), Some(libc::EAGAIN) | Some(libc::EACCES)) => {
                    if std::time::Instant::now() >= deadline {
                        return Err(Error::Vault(VaultError::Busy));
                    }
                    std::thread::sleep(std::time::Duration::from_millis(5));
                }
                Err(e) => return Err(Error::io("locking vault.lock", e)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exclusive_upgrade_conflicts_with_another_session() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|e| Error::io("tempdir", e))?;
        let path = dir.path().join("vault.lock");
        let a = SessionLock::acquire_shared(&path)?;
        a.upgrade_exclusive()?;
        a.downgrade_shared()?;
        let b = SessionLock::acquire_shared(&path)?;
        assert!(matches!(a.upgrade_exclusive(), Err(Error::Vault(_))));
        drop(b);
        a.upgrade_exclusive()?;
        assert!(matches!(
            SessionLock::acquire_shared(&path),
            Err(Error::Vault(_))
        ));
        Ok(())
    }

    #[test]
    fn attempts_on_one_account_wait_for_each_other_not_for_others() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|e| Error::io("tempdir", e))?;
        let path = dir.path().join("vault.lock");
        let _session = SessionLock::acquire_shared(&path)?;
        let first = AttemptLock::acquire(&path, "user-a")?;
        // Another account, and the session lock, are not held up.
        let _other = AttemptLock::acquire(&path, "user-b")?;
        let _second_session = SessionLock::acquire_shared(&path)?;
        let (tx, rx) = std::sync::mpsc::channel();
        let p = path.clone();
        let waiter = std::thread::spawn(move || {
            let got = AttemptLock::acquire(&p, "user-a");
            tx.send(()).ok();
            got.map(drop)
        });
        assert!(
            rx.recv_timeout(std::time::Duration::from_millis(200))
                .is_err(),
            "a second attempt on the same account must wait"
        );
        drop(first);
        rx.recv_timeout(std::time::Duration::from_secs(10))
            .expect("released: the waiter gets the lock");
        waiter.join().expect("thread")?;
        Ok(())
    }

    #[test]
    fn a_symlinked_lock_file_is_not_followed() -> Result<()> {
        let dir = tempfile::tempdir().map_err(|e| Error::io("tempdir", e))?;
        let target = dir.path().join("elsewhere");
        std::fs::write(&target, b"precious").map_err(|e| Error::io("write", e))?;
        let path = dir.path().join("vault.lock");
        std::os::unix::fs::symlink(&target, &path).map_err(|e| Error::io("symlink", e))?;
        assert!(WriterLock::acquire(&path).is_err());
        assert!(SessionLock::acquire_shared(&path).is_err());
        assert_eq!(
            std::fs::read(&target).map_err(|e| Error::io("read", e))?,
            b"precious"
        );
        Ok(())
    }
}
