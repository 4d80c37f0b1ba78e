//! Writing a decrypted scan to a file the clinician names, outside the vault. The
//! plaintext goes to a hidden temp file beside the target (0600, created exclusively,
//! never through a link) and gets the target's name only after the export's audit event
//! committed (`kernel::Effect::PublishExport`), with a rename that never replaces an
//! existing file. A failed or refused export removes its temp file. What a crash can
//! leave: a hidden `.NAME.RANDOM.partial` file beside the target, never a file at the
//! target name that was not audited.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use super::error::ScanError;
use crate::error::{Error, Result};

/// Where an export goes, checked: the target does not exist, and its directory exists
/// and is not inside the vault.
#[derive(Debug)]
pub(crate) struct ExportTarget {
    target: PathBuf,
    tmp: PathBuf,
}

/// An export written in full to its temp file, waiting for its name.
#[derive(Debug)]
pub struct StagedExport {
    target: PathBuf,
    tmp: PathBuf,
    published: bool,
}

impl ExportTarget {
    /// Checks `target` against the vault at `vault_root`.
    pub(crate) fn check(vault_root: &Path, target: &Path) -> Result<Self> {
        let name = target
            .file_name()
            .filter(|n| !n.is_empty() && n.as_bytes() != b"." && n.as_bytes() != b"..")
            .ok_or_else(|| ScanError::ExportNotAFile {
                path: target.to_path_buf(),
            })?;
        if fs::symlink_metadata(target).is_ok() {
            return Err(ScanError::ExportExists {
                path: target.to_path_buf(),
            }
            .into());
        }
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let dir = fs::canonicalize(&parent).map_err(|_| ScanError::ExportDirMissing {
            path: parent.clone(),
        })?;
        if !dir.is_dir() {
            return Err(ScanError::ExportDirMissing { path: parent }.into());
        }
        let vault = fs::canonicalize(vault_root)
            .map_err(|e| Error::io("reading the vault directory", e))?;
        if dir.starts_with(&vault) {
            return Err(ScanError::ExportInsideVault {
                path: target.to_path_buf(),
            }
            .into());
        }
        let suffix: [u8; 8] = crate::crypto::random_array();
        let suffix: String = suffix.iter().map(|b| format!("{b:02x}")).collect();
        let mut tmp_name = std::ffi::OsString::from(".");
        tmp_name.push(name);
        tmp_name.push(format!(".{suffix}.partial"));
        Ok(ExportTarget {
            target: dir.join(name),
            tmp: dir.join(tmp_name),
        })
    }

    /// Writes the temp file with `write` and syncs it; removes it on any error.
    pub(crate) fn write<T>(
        self,
        write: impl FnOnce(&mut dyn Write) -> Result<T>,
    ) -> Result<(StagedExport, T)> {
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&self.tmp)
            .map_err(|e| Error::io("writing the export", e))?;
        let staged = StagedExport {
            target: self.target,
            tmp: self.tmp,
            published: false,
        };
        let mut out = io::BufWriter::with_capacity(1 << 20, file);
        let value = write(&mut out)?;
        let file = out
            .into_inner()
            .map_err(|e| Error::io("writing the export", e.into_error()))?;
        file.sync_all()
            .map_err(|e| Error::io("writing the export", e))?;
        Ok((staged, value))
    }
}

impl StagedExport {
    /// The name the export will have.
    pub(crate) fn target(&self) -> &Path {
        &self.target
    }

    /// Renames the temp file to the target without ever replacing a file there.
    pub(crate) fn publish(mut self) -> Result<()> {
        rename_noreplace(&self.tmp, &self.target).map_err(|e| {
            if e.kind() == io::ErrorKind::AlreadyExists {
                Error::from(ScanError::ExportExists {
                    path: self.target.clone(),
                })
            } else {
                Error::io("naming the export", e)
            }
        })?;
        self.published = true;
        if let Some(dir) = self.target.parent() {
            let _ = File::open(dir).and_then(|d| d.sync_all());
        }
        Ok(())
    }
}

impl Drop for StagedExport {
    fn drop(&mut self) {
        if !self.published {
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

/// `renameat2(RENAME_NOREPLACE)`, or a hard link then unlink where the file system does
/// not support it: either fails with `AlreadyExists` rather than replace a file.
fn rename_noreplace(from: &Path, to: &Path) -> io::Result<()> {
    use std::ffi::CString;
    let c_from = CString::new(from.as_os_str().as_bytes())?;
    let c_to = CString::new(to.as_os_str().as_bytes())?;
    // SAFETY: both paths are valid NUL-terminated strings for the duration of the call.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            c_from.as_ptr(),
            libc::AT_FDCWD,
            c_to.as_ptr(),
            libc::RENAME_NOREPLACE,
        )
    };
    if rc == 0 {
        return Ok(());
    }
    let err = io::Error::last_os_error();
    match err.raw_os_error() {
        Some(libc::EINVAL) | Some(libc::ENOSYS) | Some(libc::EOPNOTSUPP) => {
            fs::hard_link(from, to)?;
            fs::remove_file(from)
        }
        _ => Err(err),
    }
}
