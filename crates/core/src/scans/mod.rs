//! Prescription scans: the encrypted file format, the importer's checks, and the vault's
//! scan records. A file is checked and stripped of metadata in memory (`sanitize`),
//! encrypted under a fresh scan key wrapped by its patient's key (`format`, scan-v1),
//! staged and placed under `scans/` with its row's commit (`files`), and every import,
//! refusal, thumbnail, export and verify is an audited operation (`ops`). The desk
//! scanner's pages come in through `acquire`.

pub mod acquire;
pub mod error;
pub(crate) mod export;
pub(crate) mod files;
pub mod format;
pub mod limits;
mod ops;
pub mod render;
pub mod sanitize;
pub(crate) mod store;
pub mod view;

use serde::Serialize;

use crate::ids::{PatientId, ScanId};
pub use sanitize::{ScanKind, ScanLimits};

/// How a list shows a scan: its thumbnail to a role that may view scans, a type icon to
/// the others (a thumbnail is a view of the content).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Preview {
    /// Ask for the thumbnail (`Session::scan_thumbnail`).
    Thumbnail,
    /// Show an icon for the scan's kind.
    Icon,
}

/// A stored scan as a list shows it: what it is, never its content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScanSummary {
    /// The scan.
    pub id: ScanId,
    /// Whose it is.
    pub patient_id: PatientId,
    /// JPEG, PNG, TIFF or PDF.
    pub kind: ScanKind,
    /// Pages (1 for JPEG and PNG).
    pub pages: u32,
    /// The first page's width in pixels (0 for a PDF).
    pub width: u32,
    /// The first page's height in pixels (0 for a PDF).
    pub height: u32,
    /// The EXIF orientation the original carried (1–8; 1 is upright): a viewer turns
    /// the page by it, since the stripped file no longer says.
    pub orientation: u8,
    /// Size of the stripped file, bytes.
    pub bytes: u64,
    /// What stripping removed (`exif`, `xmp`, `comment`, …).
    pub removed: Vec<String>,
    /// When it was imported (µs).
    pub imported_us: i64,
    /// Who imported it.
    pub imported_by: String,
    /// Thumbnail or icon, for the unlocked role.
    pub preview: Preview,
    /// Prescriptions written from it.
    pub prescriptions: Vec<String>,
}

/// A scan's thumbnail (images only): a small upright picture.
#[derive(Clone, PartialEq, Eq, Serialize)]
pub struct ScanThumbnail {
    /// The scan.
    pub scan_id: ScanId,
    /// PNG or JPEG.
    pub kind: ScanKind,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// The encoded picture.
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for ScanThumbnail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScanThumbnail")
            .field("scan_id", &self.scan_id)
            .field("kind", &self.kind)
            .field("width", &self.width)
            .field("height", &self.height)
            .field("n_bytes", &self.bytes.len())
            .finish()
    }
}

/// A scan written out by an export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportedScan {
    /// The scan.
    pub scan_id: ScanId,
    /// Its kind (the file's format).
    pub kind: ScanKind,
    /// Bytes written.
    pub bytes: u64,
    /// Where (absolute).
    pub path: std::path::PathBuf,
}

/// One damaged scan found by a verify.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScanDamage {
    /// The scan.
    pub scan_id: ScanId,
    /// Whose it is.
    pub patient_id: PatientId,
    /// What is wrong (the first bad chunk, for a chunk that does not authenticate).
    pub problem: error::ScanProblem,
}

/// What `verify_scans` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScanVerifyReport {
    /// Scans checked.
    pub n_checked: usize,
    /// Chunks authenticated, over all of them.
    pub n_chunks: u64,
    /// The damaged ones, in import order.
    pub damaged: Vec<ScanDamage>,
}
