//! Locks on `vault.lock`, so the app and the CLI can share a vault safely.
//! - The writer lock (`flock`, exclusive) serialises changes to `keyslots` and
//!   `prelock.journal`; it is held for milliseconds.
//! - The session lock (an open-file-description byte-range lock on byte 0) is held
//!   shared by every unlocked session; data-key rotation needs it exclusive, because
//!   `PRAGMA rekey` must run with no other connection open.

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
    // SAFETY: a zeroed flock struct is a valid value; every field we need is set below.
    let mut fl: libc::flock = unsafe { std::mem::zeroed() };
    fl.l_type = lock_type as libc::c_short;
    fl.l_whence = libc::SEEK_SET as libc::c_short;
    fl.l_start = 0;
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
}
