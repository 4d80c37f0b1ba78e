//! The vault's `scans/` directory: one encrypted file per scan, named by the SHA-256 of
//! its bytes (its content address). A file is first written under `scans/.staging/`,
//! named by its scan id, inside the unit that inserts its row, and is moved into place
//! only after that unit commits (`kernel::Effect::PlaceScan`). Every unit settles what a
//! crash left in staging before it runs ([`settle`]): a staged file whose row committed
//! is moved into place, one whose row did not is deleted. All of it happens under the
//! writer lock, so a settle never meets a file that a live import is still writing.
//! Only ciphertext is ever written here.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension};

use crate::error::{Error, Result};
use crate::vault::VaultPaths;

/// A content hash as a file name: 64 lowercase hex digits.
pub(crate) fn hash_name(hash: &[u8; 32]) -> String {
    hash.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `name` is a content-hash file name.
pub(crate) fn is_hash_name(name: &str) -> bool {
    name.len() == 64
        && name
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Creates `scans/` and `scans/.staging/` (0700) when missing. A link or a file where a
/// directory belongs is refused: scan files would be written elsewhere.
pub(crate) fn ensure_dirs(paths: &VaultPaths) -> Result<()> {
    for dir in [paths.scans(), paths.scans_staging()] {
        match fs::symlink_metadata(&dir) {
            Ok(meta) if meta.file_type().is_dir() => {}
            Ok(_) => return Err(crate::error::VaultError::NotARegularFile(dir).into()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                match fs::DirBuilder::new().mode(0o700).create(&dir) {
                    Ok(()) => sync_dir(dir.parent().unwrap_or(paths.root()))?,
                    Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                    Err(e) => return Err(Error::io("creating the scans directory", e)),
                }
            }
            Err(e) => return Err(Error::io("reading the scans directory", e)),
        }
    }
    Ok(())
}

fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io("syncing the scans directory", e))
}

fn staged_path(paths: &VaultPaths, scan_id: &str) -> PathBuf {
    paths.scans_staging().join(scan_id)
}

/// The path of a stored scan's file.
pub(crate) fn stored_path(paths: &VaultPaths, content_hash: &str) -> PathBuf {
    paths.scans().join(content_hash)
}

/// Writes a scan's encrypted file into staging with `write`, then syncs it. The file is
/// created exclusively (0600, never through a link); on any error it is removed.
pub(crate) fn stage<T>(
    paths: &VaultPaths,
    scan_id: &str,
    write: impl FnOnce(&mut dyn Write) -> Result<T>,
) -> Result<T> {
    ensure_dirs(paths)?;
    let path = staged_path(paths, scan_id);
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&path)
        .map_err(|e| Error::io("staging a scan file", e))?;
    let mut out = io::BufWriter::with_capacity(1 << 20, file);
    let written = write(&mut out).and_then(|value| {
        crate::crashpoint::hit("scan.staging_written");
        let file = out
            .into_inner()
            .map_err(|e| Error::io("staging a scan file", e.into_error()))?;
        file.sync_all()
            .map_err(|e| Error::io("syncing a staged scan file", e))?;
        Ok(value)
    });
    // The directory entry too: a committed row must never point at a file that a power
    // loss took back.
    let written = written.and_then(|value| sync_dir(&paths.scans_staging()).map(|()| value));
    match written {
        Ok(value) => {
            crate::crashpoint::hit("scan.staged");
            Ok(value)
        }
        Err(e) => {
            let _ = fs::remove_file(&path);
            Err(e)
        }
    }
}

/// Moves a committed scan's staged file into place and syncs both directories.
pub(crate) fn place(paths: &VaultPaths, scan_id: &str, content_hash: &str) -> Result<()> {
    fs::rename(
        staged_path(paths, scan_id),
        stored_path(paths, content_hash),
    )
    .map_err(|e| Error::io("placing a scan file", e))?;
    crate::crashpoint::hit("scan.renamed");
    sync_dir(&paths.scans())?;
    sync_dir(&paths.scans_staging())
}

/// What [`settle`] did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Settled {
    /// Staged files of committed rows, moved into place.
    pub placed: usize,
    /// Staged files of rows that never committed, deleted.
    pub removed: usize,
}

/// Settles what a crash left in staging (see the module docs). Runs inside a unit's
/// transaction, under the writer lock. Best effort by design: it never makes a unit
/// fail (a vault whose staging cannot be settled still opens; what is left is settled by
/// a later unit, and `scan verify` names a scan whose file is not in place). It follows
/// no link: `scans/` and `scans/.staging/` must be directories themselves, and only
/// regular files in staging are moved or removed.
pub(crate) fn settle(tx: &Connection, paths: &VaultPaths) -> Settled {
    let mut settled = Settled::default();
    let staging = paths.scans_staging();
    if !is_real_dir(&paths.scans()) || !is_real_dir(&staging) {
        return settled;
    }
    let Ok(entries) = fs::read_dir(&staging) else {
        return settled;
    };
    for entry in entries.flatten() {
        if !entry.file_type().is_ok_and(|t| t.is_file()) {
            continue;
        }
        let committed = entry
            .file_name()
            .to_str()
            .and_then(|id| committed_hash_of(tx, id).ok().flatten());
        match committed {
            Some(hash) if fs::symlink_metadata(stored_path(paths, &hash)).is_err() => {
                if fs::rename(entry.path(), stored_path(paths, &hash)).is_ok() {
                    settled.placed += 1;
                }
            }
            _ => {
                if fs::remove_file(entry.path()).is_ok() {
                    settled.removed += 1;
                }
            }
        }
    }
    if settled != Settled::default() {
        let _ = sync_dir(&paths.scans());
        let _ = sync_dir(&staging);
    }
    settled
}

fn committed_hash_of(tx: &Connection, scan_id: &str) -> Result<Option<String>> {
    let has_table: bool = tx
        .prepare_cached("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'scans'")?
        .exists([])?;
    if !has_table {
        return Ok(None);
    }
    let hash: Option<String> = tx
        .prepare_cached("SELECT content_hash FROM scans WHERE id = ?1")?
        .query_row([scan_id], |r| r.get(0))
        .optional()?;
    Ok(hash.filter(|h| is_hash_name(h)))
}

/// Opens a stored scan's file for reading: never through a link, and only a regular
/// file in a real `scans/` directory; otherwise what is wrong with it.
pub(crate) fn open_stored(
    paths: &VaultPaths,
    content_hash: &str,
) -> std::result::Result<File, super::error::ScanProblem> {
    use super::error::ScanProblem;
    if !is_real_dir(&paths.scans()) {
        return Err(ScanProblem::Missing);
    }
    let path = stored_path(paths, content_hash);
    match OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(&path)
    {
        Ok(file) => match file.metadata() {
            Ok(meta) if meta.file_type().is_file() => Ok(file),
            _ => Err(ScanProblem::Unreadable),
        },
        Err(e) if e.kind() == io::ErrorKind::NotFound => Err(ScanProblem::Missing),
        Err(_) => Err(ScanProblem::Unreadable),
    }
}

/// A directory itself, not a link to one.
fn is_real_dir(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_dir())
}
