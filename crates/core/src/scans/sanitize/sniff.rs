//! What a file is, from its first bytes (cross-checked with `infer`), and whether it is
//! also another format: a polyglot is refused with the other format's name.

use memchr::memmem;

use super::{Refusal, ScanKind};

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
const ZIP_LOCAL_HEADER: &[u8] = b"PK\x03\x04";
const ZIP_END_OF_DIRECTORY: &[u8] = b"PK\x05\x06";
/// The fixed part of a ZIP end-of-central-directory record.
const ZIP_EOCD_LEN: usize = 22;

/// The kind of scan `input` is, judged by its magic bytes (`FFD8FF`, the PNG signature,
/// `II*\0` / `MM\0*`, `%PDF-`), or `None` when it is none of them or when `infer`
/// disagrees (for instance a camera raw file, which is TIFF-shaped).
pub fn sniff(input: &[u8]) -> Option<ScanKind> {
    let by_magic = if input.starts_with(&[0xFF, 0xD8, 0xFF]) {
        ScanKind::Jpeg
    } else if input.starts_with(PNG_SIGNATURE) {
        ScanKind::Png
    } else if input.starts_with(b"II*\0") || input.starts_with(b"MM\0*") {
        ScanKind::Tiff
    } else if input.starts_with(b"%PDF-") {
        ScanKind::Pdf
    } else {
        return None;
    };
    let by_infer = infer::get(input)?;
    (by_infer.mime_type() == by_magic.mime()).then_some(by_magic)
}

/// Refuses a file that carries a second format where readers of that format would find
/// it: `%PDF-` anywhere in an image, a ZIP local header anywhere, or a ZIP
/// end-of-central-directory record that ends the file.
pub(super) fn check_not_polyglot(kind: ScanKind, input: &[u8]) -> Result<(), Refusal> {
    if kind != ScanKind::Pdf && memmem::find(input, b"%PDF-").is_some() {
        return Err(Refusal::Polyglot { other: "pdf" });
    }
    if has_zip_structure(input) {
        return Err(Refusal::Polyglot { other: "zip" });
    }
    Ok(())
}

/// Refuses trailing data (after a JPEG's EOI, a PNG's IEND or a PDF's last `%%EOF`)
/// that starts with another format's signature. Trailing data of the file's own format
/// (a second JPEG after the first, as phones write) is dropped, not refused.
pub(super) fn check_trailing(kind: ScanKind, trailing: &[u8]) -> Result<(), Refusal> {
    let start = trailing
        .iter()
        .position(|b| !b.is_ascii_whitespace() && *b != 0)
        .unwrap_or(trailing.len());
    let Some(rest) = trailing.get(start..).filter(|r| !r.is_empty()) else {
        return Ok(());
    };
    if rest.starts_with(b"%PDF-") {
        return Err(Refusal::Polyglot { other: "pdf" });
    }
    if rest.starts_with(ZIP_LOCAL_HEADER) || rest.starts_with(ZIP_END_OF_DIRECTORY) {
        return Err(Refusal::Polyglot { other: "zip" });
    }
    match infer::get(rest) {
        Some(other) if other.mime_type() != kind.mime() => Err(Refusal::Polyglot {
            other: other.extension(),
        }),
        _ => Ok(()),
    }
}

/// A ZIP local file header (signature, then a plausible "version needed" below 6.4), or
/// an end-of-central-directory record whose comment ends exactly at the end of the file
/// (where ZIP readers look for it). Random bytes match either with odds far below one in
/// a billion for a 50 MB file.
fn has_zip_structure(input: &[u8]) -> bool {
    let local_header = memmem::find_iter(input, ZIP_LOCAL_HEADER).any(|at| {
        matches!(
            input.get(at + 4..at + 6),
            Some(&[version, 0]) if version <= 64
        )
    });
    if local_header {
        return true;
    }
    let tail_start = input
        .len()
        .saturating_sub(ZIP_EOCD_LEN + usize::from(u16::MAX));
    let tail = input.get(tail_start..).unwrap_or(&[]);
    memmem::find_iter(tail, ZIP_END_OF_DIRECTORY).any(|at| {
        let Some(&[lo, hi]) = tail.get(at + 20..at + 22) else {
            return false;
        };
        let comment_len = usize::from(u16::from_le_bytes([lo, hi]));
        at + ZIP_EOCD_LEN + comment_len == tail.len()
    })
}
