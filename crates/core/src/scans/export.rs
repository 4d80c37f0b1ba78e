//! Writing a decrypted scan to a file the clinician names, outside the vault. The
//! plaintext goes to an unnamed temp file in the target's directory (`O_TMPFILE`, 0600),
//! which gets the target's name only after the export's audit event committed
//! (`kernel::Effect::PublishExport`), by `linkat`, which never replaces a file. A crash
//! or a kill before that leaves nothing: an unnamed file disappears with its process.
//! The directory is opened once and every later step works relative to that descriptor,
//! so swapping a path component for a link after the check changes nothing.
//!
//! Where the file system has no `O_TMPFILE` (FAT and exFAT USB sticks, some network
//! file systems) the temp file is a hidden `.NAME.RANDOM.partial` beside the target,
//! removed on every error; only a crash in the middle can leave it behind.

use std::ffi::{CString, OsStr};
use std::fs::{self, File};
use std::io::{self, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::error::ScanError;
use crate::error::{Error, Result};

/// Where an export goes, checked: the target does not exist, and its directory exists
/// and is not the vault directory or inside it.
#[derive(Debug)]
pub(crate) struct ExportTarget {
    dir: OwnedFd,
    name: CString,
    target: PathBuf,
}

/// An export written in full, waiting for its name: an unnamed `O_TMPFILE` (linked
/// into place by its descriptor), or a hidden temp file (`hidden`) renamed into place.
#[derive(Debug)]
pub struct StagedExport {
    dir: OwnedFd,
    name: CString,
    target: PathBuf,
    file: File,
    hidden: Option<CString>,
    published: bool,
}

fn cstr(bytes: &[u8]) -> io::Result<CString> {
    CString::new(bytes).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))
}

fn check_rc(rc: libc::c_int) -> io::Result<()> {
    if rc < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

impl ExportTarget {
    /// Checks `target` against the vault at `vault_root`.
    pub(crate) fn check(vault_root: &Path, target: &Path) -> Result<Self> {
        let not_a_file = || ScanError::ExportNotAFile {
            path: target.to_path_buf(),
        };
        let name = target
            .file_name()
            .filter(|n| !n.is_empty() && n.as_bytes() != b"." && n.as_bytes() != b"..")
            .ok_or_else(not_a_file)?;
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let missing = || ScanError::ExportDirMissing {
            path: parent.clone(),
        };
        let c_parent = cstr(parent.as_os_str().as_bytes()).map_err(|_| missing())?;
        // SAFETY: a valid NUL-terminated path; the descriptor is owned below.
        let fd = unsafe {
            libc::open(
                c_parent.as_ptr(),
                libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC,
            )
        };
        if fd < 0 {
            return Err(missing().into());
        }
        // SAFETY: `fd` was just opened and is owned by nobody else.
        let dir = unsafe { OwnedFd::from_raw_fd(fd) };
        let dir_file = File::from(dir.try_clone().map_err(|e| Error::io("export", e))?);
        let dir_meta = dir_file
            .metadata()
            .map_err(|e| Error::io("reading the export directory", e))?;
        if inside_vault(vault_root, &parent, &dir_meta)? {
            return Err(ScanError::ExportInsideVault {
                path: target.to_path_buf(),
            }
            .into());
        }
        let name = cstr(name.as_bytes()).map_err(|_| not_a_file())?;
        if exists_at(&dir, &name) {
            return Err(ScanError::ExportExists {
                path: target.to_path_buf(),
            }
            .into());
        }
        let shown_dir = fs::canonicalize(&parent).unwrap_or(parent);
        Ok(ExportTarget {
            dir,
            target: shown_dir.join(OsStr::from_bytes(name.as_bytes())),
            name,
        })
    }

    /// Writes the plaintext with `write` and syncs it; nothing is left on any error.
    pub(crate) fn write<T>(
        self,
        write: impl FnOnce(&mut dyn Write) -> Result<T>,
    ) -> Result<(StagedExport, T)> {
        let (file, hidden) = match open_unnamed(&self.dir) {
            Ok(file) => (file, None),
            Err(e)
                if matches!(
                    e.raw_os_error(),
                    Some(libc::EOPNOTSUPP) | Some(libc::EISDIR) | Some(libc::EINVAL)
                ) =>
            {
                let (file, name) = open_hidden(&self.dir, &self.name)
                    .map_err(|e| Error::io("writing the export", e))?;
                (file, Some(name))
            }
            Err(e) => return Err(Error::io("writing the export", e)),
        };
        // From here on, dropping `staged` removes a hidden temp file.
        let staged = StagedExport {
            dir: self.dir,
            name: self.name,
            target: self.target,
            file,
            hidden,
            published: false,
        };
        let mut out = io::BufWriter::with_capacity(1 << 20, &staged.file);
        let value = write(&mut out)?;
        out.flush()
            .map_err(|e| Error::io("writing the export", e))?;
        drop(out);
        staged
            .file
            .sync_all()
            .map_err(|e| Error::io("writing the export", e))?;
        crate::crashpoint::hit("scan.export_written");
        Ok((staged, value))
    }
}

/// Whether the opened directory is the vault directory or below it: compared by device
/// and inode, walking up from the directory (a bind mount or a link cannot hide it).
fn inside_vault(vault_root: &Path, parent: &Path, dir_meta: &fs::Metadata) -> Result<bool> {
    let vault =
        fs::metadata(vault_root).map_err(|e| Error::io("reading the vault directory", e))?;
    if (dir_meta.dev(), dir_meta.ino()) == (vault.dev(), vault.ino()) {
        return Ok(true);
    }
    if let Ok(canonical) = fs::canonicalize(parent) {
        for ancestor in canonical.ancestors() {
            if let Ok(meta) = fs::metadata(ancestor) {
                if (meta.dev(), meta.ino()) == (vault.dev(), vault.ino()) {
                    return Ok(true);
                }
            }
        }
    }
    Ok(false)
}

fn exists_at(dir: &OwnedFd, name: &CString) -> bool {
    // SAFETY: a zeroed stat buffer is valid for fstatat to fill.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: valid descriptor, NUL-terminated name and a buffer of the right type.
    let rc = unsafe {
        libc::fstatat(
            dir.as_raw_fd(),
            name.as_ptr(),
            &mut st,
            libc::AT_SYMLINK_NOFOLLOW,
        )
    };
    rc == 0
}

fn open_unnamed(dir: &OwnedFd) -> io::Result<File> {
    let dot = cstr(b".")?;
    // SAFETY: valid descriptor and path; the result is owned below.
    let fd = unsafe {
        libc::openat(
            dir.as_raw_fd(),
            dot.as_ptr(),
            libc::O_TMPFILE | libc::O_WRONLY | libc::O_CLOEXEC,
            0o600 as libc::c_uint,
        )
    };
    check_rc(fd)?;
    // SAFETY: `fd` was just opened and is owned by nobody else.
    Ok(unsafe { File::from_raw_fd(fd) })
}

fn open_hidden(dir: &OwnedFd, name: &CString) -> io::Result<(File, CString)> {
    let suffix: [u8; 8] = crate::crypto::random_array();
    let suffix: String = suffix.iter().map(|b| format!("{b:02x}")).collect();
    let mut hidden = b".".to_vec();
    hidden.extend_from_slice(name.as_bytes());
    hidden.extend_from_slice(format!(".{suffix}.partial").as_bytes());
    let hidden = cstr(&hidden)?;
    // SAFETY: valid descriptor and name; the result is owned below.
    let fd = unsafe {
        libc::openat(
            dir.as_raw_fd(),
            hidden.as_ptr(),
            libc::O_CREAT | libc::O_EXCL | libc::O_WRONLY | libc::O_NOFOLLOW | libc::O_CLOEXEC,
            0o600 as libc::c_uint,
        )
    };
    check_rc(fd)?;
    // SAFETY: `fd` was just opened and is owned by nobody else.
    Ok((unsafe { File::from_raw_fd(fd) }, hidden))
}

impl StagedExport {
    /// The name the export will have (absolute, as it was checked).
    pub(crate) fn target(&self) -> &Path {
        &self.target
    }

    /// Whether something now has the export's name. Checked inside the export's unit,
    /// under the vault's writer lock, which is held until the link: a second export to
    /// the same name from this vault (any process) is refused before its event commits.
    pub(crate) fn name_taken(&self) -> bool {
        exists_at(&self.dir, &self.name)
    }

    /// Gives the written file its name without ever replacing a file there.
    pub(crate) fn publish(mut self) -> Result<()> {
        let linked = match &self.hidden {
            None => {
                let proc_path = cstr(format!("/proc/self/fd/{}", self.file.as_raw_fd()).as_bytes())
                    .map_err(|e| Error::io("naming the export", e))?;
                // SAFETY: valid paths and descriptors.
                check_rc(unsafe {
                    libc::linkat(
                        libc::AT_FDCWD,
                        proc_path.as_ptr(),
                        self.dir.as_raw_fd(),
                        self.name.as_ptr(),
                        libc::AT_SYMLINK_FOLLOW,
                    )
                })
            }
            Some(hidden) => rename_noreplace_at(&self.dir, hidden, &self.name),
        };
        linked.map_err(|e| {
            if e.kind() == io::ErrorKind::AlreadyExists {
                Error::from(ScanError::ExportExists {
                    path: self.target.clone(),
                })
            } else {
                Error::io("naming the export", e)
            }
        })?;
        self.published = true;
        if let Ok(dir) = self.dir.try_clone() {
            let _ = File::from(dir).sync_all();
        }
        Ok(())
    }
}

impl Drop for StagedExport {
    fn drop(&mut self) {
        if let (false, Some(hidden)) = (self.published, &self.hidden) {
            // SAFETY: valid descriptor and name.
            unsafe { libc::unlinkat(self.dir.as_raw_fd(), hidden.as_ptr(), 0) };
        }
    }
}

/// `renameat2(RENAME_NOREPLACE)`, or a hard link then unlink where the file system does
/// not support it: either fails with `AlreadyExists` rather than replace a file.
fn rename_noreplace_at(dir: &OwnedFd, from: &CString, to: &CString) -> io::Result<()> {
    let fd = dir.as_raw_fd();
    // SAFETY: valid descriptor and NUL-terminated names.
    let rc = unsafe { libc::renameat2(fd, from.as_ptr(), fd, to.as_ptr(), libc::RENAME_NOREPLACE) };
    if rc == 0 {
        return Ok(());
    }
    let err = io::Error::last_os_error();
    match err.raw_os_error() {
        Some(libc::EINVAL) | Some(libc::ENOSYS) | Some(libc::EOPNOTSUPP) => {
            // SAFETY: as above.
            check_rc(unsafe { libc::linkat(fd, from.as_ptr(), fd, to.as_ptr(), 0) })?;
            // SAFETY: as above.
            check_rc(unsafe { libc::unlinkat(fd, from.as_ptr(), 0) })
        }
        _ => Err(err),
    }
}
