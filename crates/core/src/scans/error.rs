//! What can go wrong with scans, with the facts a shell needs to say so. A refused file
//! carries the importer's reason ([`Refusal`]); damage names the scan and the chunk.

use std::path::PathBuf;

use super::format::FormatError;
use super::sanitize::Refusal;

/// A refused or impossible scan operation.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// The importer refused the file (`scan_refused`): its type, size, dimensions or
    /// content. The reason goes into the audit detail; the content never does.
    #[error("the file was refused: {0}")]
    Refused(Refusal),
    /// The file to import cannot be read, or is not a regular file (`invalid_input`).
    #[error("{} cannot be read ({reason})", path.display())]
    Unreadable {
        /// The file named.
        path: PathBuf,
        /// Why, as the OS said (`NotFound`, `PermissionDenied`; `InvalidInput` for a
        /// directory, device or pipe).
        reason: std::io::ErrorKind,
    },
    /// No scan has this id (`not_found`).
    #[error("no scan with id {id}")]
    NotFound {
        /// The id asked for.
        id: String,
    },
    /// A prescription named a scan of another patient (`invalid_input`).
    #[error("scan {scan_id} belongs to another patient")]
    OtherPatient {
        /// The scan named.
        scan_id: String,
    },
    /// The export target exists already (`would_overwrite`); exports never replace a file.
    #[error("{} exists already", path.display())]
    ExportExists {
        /// The target.
        path: PathBuf,
    },
    /// The export target is inside the vault directory (`invalid_input`): decrypted
    /// content never goes there.
    #[error("{} is inside the vault directory", path.display())]
    ExportInsideVault {
        /// The target.
        path: PathBuf,
    },
    /// The export target's directory does not exist (`invalid_input`).
    #[error("the directory {} does not exist", path.display())]
    ExportDirMissing {
        /// The directory.
        path: PathBuf,
    },
    /// The export target names no file (`invalid_input`).
    #[error("{} is not a file name", path.display())]
    ExportNotAFile {
        /// The target as given.
        path: PathBuf,
    },
    /// The scan has no such page (`not_found`).
    #[error("scan {scan_id} has {pages} pages; there is no page {page}")]
    NoSuchPage {
        /// The scan.
        scan_id: String,
        /// The page asked for (from 0).
        page: u32,
        /// Pages it has.
        pages: u32,
    },
    /// A PDF's pages are drawn by the renderer, which is not available (`renderer_unavailable`).
    #[error("scan {scan_id} is a PDF and the page renderer is not available")]
    NeedsRenderer {
        /// The scan.
        scan_id: String,
    },
    /// The renderer could not draw a PDF page (`render_failed`): it crashed, timed out
    /// or refused the page; the reason is its word for it.
    #[error("a page of scan {scan_id} could not be drawn ({reason})")]
    Unrenderable {
        /// The scan.
        scan_id: String,
        /// The renderer's reason (`crashed:11`, `timed_out`, `refused:unreadable`).
        reason: String,
    },
    /// The desk scanner could not be used (`no_scanner`, `scanner_unavailable`,
    /// `scanner_failed`, or `scan_refused` for a page over the limits).
    #[error(transparent)]
    Scanner(#[from] super::acquire::AcquireError),
    /// The scan's file is damaged or missing (`scan_damaged`): it cannot be decrypted.
    #[error("scan {scan_id} is damaged: {problem}")]
    Damaged {
        /// The scan.
        scan_id: String,
        /// What is wrong with its file.
        problem: ScanProblem,
    },
}

impl ScanError {
    /// The stable code the CLI and the app show.
    pub fn code(&self) -> &'static str {
        match self {
            ScanError::Refused(_) => "scan_refused",
            ScanError::NotFound { .. } | ScanError::NoSuchPage { .. } => "not_found",
            ScanError::NeedsRenderer { .. } => "renderer_unavailable",
            ScanError::Unrenderable { .. } => "render_failed",
            ScanError::OtherPatient { .. }
            | ScanError::Unreadable { .. }
            | ScanError::ExportInsideVault { .. }
            | ScanError::ExportDirMissing { .. }
            | ScanError::ExportNotAFile { .. } => "invalid_input",
            ScanError::ExportExists { .. } => "would_overwrite",
            ScanError::Damaged { .. } => "scan_damaged",
            ScanError::Scanner(e) => e.code(),
        }
    }
}

/// What is wrong with a stored scan's file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum ScanProblem {
    /// The file is not in `scans/`.
    Missing,
    /// The file's SHA-256 is not the content hash its row records (replaced or changed).
    HashMismatch,
    /// A chunk does not authenticate.
    BadChunk {
        /// The chunk's index (from 0).
        index: u64,
        /// Its byte offset in the file.
        offset: u64,
    },
    /// The file ends before its last chunk.
    Truncated {
        /// Chunks that authenticated before the end.
        after_chunks: u64,
    },
    /// Bytes follow the last chunk.
    TrailingData {
        /// Where they start.
        offset: u64,
    },
    /// The header is not a scan-v1 header for this scan and patient key, or its
    /// wrapped key does not open.
    BadHeader,
    /// The file could not be read.
    Unreadable,
}

impl std::fmt::Display for ScanProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ScanProblem::Missing => write!(f, "its file is missing"),
            ScanProblem::HashMismatch => write!(f, "its file is not the one stored"),
            ScanProblem::BadChunk { index, offset } => {
                write!(f, "chunk {index} (at byte {offset}) does not authenticate")
            }
            ScanProblem::Truncated { after_chunks } => {
                write!(
                    f,
                    "the file ends after {after_chunks} chunks, before its last one"
                )
            }
            ScanProblem::TrailingData { offset } => {
                write!(f, "bytes follow the last chunk (from byte {offset})")
            }
            ScanProblem::BadHeader => write!(f, "its header does not open"),
            ScanProblem::Unreadable => write!(f, "its file cannot be read"),
        }
    }
}

impl ScanProblem {
    /// The problem a format error shows; `None` for an error of the writer the
    /// plaintext went to (not the file's fault).
    pub(crate) fn from_format(e: &FormatError) -> Self {
        match e {
            FormatError::BadChunk { index, offset } => ScanProblem::BadChunk {
                index: *index,
                offset: *offset,
            },
            FormatError::Truncated { after_chunks } => ScanProblem::Truncated {
                after_chunks: *after_chunks,
            },
            FormatError::TrailingData { offset } => ScanProblem::TrailingData { offset: *offset },
            FormatError::Io(_) => ScanProblem::Unreadable,
            _ => ScanProblem::BadHeader,
        }
    }
}
