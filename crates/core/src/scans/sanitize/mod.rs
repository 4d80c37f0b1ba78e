//! The importer's checks: what a scan file is (from its content), whether it is within the
//! admin's limits, the same file with its metadata stripped, and a thumbnail.
//!
//! JPEG and PNG keep their pixels byte for byte: the output is a list of byte ranges of
//! the input (the segments and chunks display needs), never a copy. TIFF pages are decoded
//! one at a time and re-encoded losslessly; PDF is parsed and rewritten whole.
//! `docs/formats/scan-v1.md` ("What is kept") lists exactly what survives.

mod body;
mod jpeg;
mod pdf;
mod pdf_authorship;
mod pdf_images;
mod pdf_scan;
mod png;
mod refusal;
mod sniff;
mod thumb;
mod tiff;

#[cfg(test)]
mod tests;

use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};

use body::Body;
pub use refusal::Refusal;
pub use sniff::sniff;

/// Page `index` (from 0) of a TIFF, decoded for a viewer with the import's limits.
pub fn decode_tiff_page(
    input: &[u8],
    limits: &ScanLimits,
    index: u32,
) -> Result<image::DynamicImage, Refusal> {
    tiff::decode_page(input, limits, index)
}

/// The admin's import limits (DESIGN §5). Checked from headers before anything is decoded.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ScanLimits {
    /// Largest file accepted, in bytes.
    pub max_file_bytes: u64,
    /// Largest page, in millions of pixels (width × height ≤ this × 1,000,000).
    pub max_megapixels: u32,
    /// Longest side of a page, in pixels.
    pub max_side_px: u32,
    /// Most pages in a TIFF or PDF.
    pub max_pages: u32,
}

impl Default for ScanLimits {
    /// 50 MB a file, 100 megapixels, 20,000 pixels a side, 200 pages.
    fn default() -> Self {
        Self {
            max_file_bytes: 50_000_000,
            max_megapixels: 100,
            max_side_px: 20_000,
            max_pages: 200,
        }
    }
}

impl ScanLimits {
    /// The most bytes one decoded page may take: 4 bytes (RGBA, 8 bits a sample) for each
    /// pixel the limits allow. A page whose decoded form would need more is refused
    /// (`DecodeLimit`) before it is decoded.
    pub fn max_decoded_page_bytes(&self) -> u64 {
        u64::from(self.max_megapixels)
            .saturating_mul(1_000_000)
            .saturating_mul(4)
    }

    /// Refuses a page whose header claims more than the limits allow.
    fn check_page(&self, kind: ScanKind, width: u32, height: u32) -> Result<(), Refusal> {
        if width == 0 || height == 0 {
            return Err(Refusal::Malformed {
                kind,
                what: "zero_dimension",
            });
        }
        if width > self.max_side_px || height > self.max_side_px {
            return Err(Refusal::SideTooLong {
                width,
                height,
                max_side_px: self.max_side_px,
            });
        }
        let pixels = u64::from(width) * u64::from(height);
        if pixels > u64::from(self.max_megapixels).saturating_mul(1_000_000) {
            return Err(Refusal::TooManyPixels {
                width,
                height,
                max_megapixels: self.max_megapixels,
            });
        }
        Ok(())
    }
}

/// The four kinds of scan the importer accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ScanKind {
    /// JPEG (JFIF or Exif), baseline or progressive.
    Jpeg,
    /// PNG, not animated.
    Png,
    /// Classic TIFF, one or more pages.
    Tiff,
    /// PDF, unencrypted and without active content.
    Pdf,
}

impl ScanKind {
    /// The stable lowercase name (`jpeg`, `png`, `tiff`, `pdf`).
    pub fn as_str(self) -> &'static str {
        match self {
            ScanKind::Jpeg => "jpeg",
            ScanKind::Png => "png",
            ScanKind::Tiff => "tiff",
            ScanKind::Pdf => "pdf",
        }
    }

    /// The kind named by [`ScanKind::as_str`]'s string, or `None`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "jpeg" => Some(ScanKind::Jpeg),
            "png" => Some(ScanKind::Png),
            "tiff" => Some(ScanKind::Tiff),
            "pdf" => Some(ScanKind::Pdf),
            _ => None,
        }
    }

    /// The media type (`image/jpeg`, `image/png`, `image/tiff`, `application/pdf`).
    pub fn mime(self) -> &'static str {
        match self {
            ScanKind::Jpeg => "image/jpeg",
            ScanKind::Png => "image/png",
            ScanKind::Tiff => "image/tiff",
            ScanKind::Pdf => "application/pdf",
        }
    }
}

impl fmt::Display for ScanKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A scan that passed every check, with its metadata stripped. The stripped bytes are
/// read with [`Sanitized::reader`] from the same input that was sanitized.
pub struct Sanitized {
    /// What the file is.
    pub kind: ScanKind,
    /// Number of pages (1 for JPEG and PNG).
    pub pages: u32,
    /// Width of the first page in pixels (0 for PDF: no renderer yet).
    pub width: u32,
    /// Height of the first page in pixels (0 for PDF).
    pub height: u32,
    /// EXIF orientation 1..=8, read before the EXIF data was dropped, so a viewer can show
    /// the page upright (1 when absent, invalid, or not an image).
    pub orientation: u8,
    /// What was dropped, in the order first met, each name once (for the audit detail):
    /// `exif`, `xmp`, `iptc`, `comment`, `trailing_data`, `jfif_thumbnail`, `mpf`,
    /// `app_segment`, `text`, `time`, `ancillary_chunk`, `tiff_tags`, `info`, `metadata`,
    /// `piece_info`, `last_modified`, `document_id`, `annotation_author`,
    /// `annotation_date`, `annotation_id`, `signature`, `thread_info`, `web_capture`,
    /// `old_revisions`,
    /// `unreferenced_objects` (a PDF's JPEG images add the JPEG names).
    pub removed: Vec<&'static str>,
    /// A small upright preview (`None` for PDF).
    pub thumbnail: Option<Thumbnail>,
    /// The viewer's first image of a JPEG or PNG larger than [`SCREEN_MAX_SIDE`]: the
    /// page halved until it fits, as it is stored (not turned upright), so that opening
    /// a 12-megapixel photo shows a screen's worth of it at once (`None` otherwise).
    pub screen: Option<Thumbnail>,
    body: Body,
}

impl Sanitized {
    /// The size of the stripped file in bytes.
    pub fn len(&self) -> u64 {
        self.body.len()
    }

    /// Whether the stripped file is empty (never, for a file that passed).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The stripped file's bytes, streamed. `input` must be the slice given to
    /// [`sanitize`]: JPEG and PNG output is made of ranges of it. A range that does not
    /// fit `input` reads as an `InvalidInput` error, never a panic.
    pub fn reader<'a>(&'a self, input: &'a [u8]) -> impl std::io::Read + 'a {
        self.body.reader(input)
    }

    /// The stripped file's bytes in one buffer (tests; the importer streams).
    pub fn to_vec(&self, input: &[u8]) -> Vec<u8> {
        self.body.to_vec(input)
    }
}

impl fmt::Debug for Sanitized {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sanitized")
            .field("kind", &self.kind)
            .field("pages", &self.pages)
            .field("width", &self.width)
            .field("height", &self.height)
            .field("orientation", &self.orientation)
            .field("removed", &self.removed)
            .field("thumbnail", &self.thumbnail)
            .field("screen", &self.screen)
            .field("len", &self.len())
            .finish()
    }
}

/// A small preview: longest side at most [`THUMBNAIL_MAX_SIDE`] pixels, EXIF orientation
/// applied (upright), encoded as baseline JPEG (quality [`THUMBNAIL_JPEG_QUALITY`]) with no
/// metadata but a JFIF header.
pub struct Thumbnail {
    /// The thumbnail's encoding: always [`ScanKind::Jpeg`] today.
    pub kind: ScanKind,
    /// Width in pixels, upright.
    pub width: u32,
    /// Height in pixels, upright.
    pub height: u32,
    /// The encoded thumbnail.
    pub bytes: Vec<u8>,
}

/// Longest side of a thumbnail, in pixels.
pub const THUMBNAIL_MAX_SIDE: u32 = 256;

/// JPEG quality of a thumbnail.
pub const THUMBNAIL_JPEG_QUALITY: u8 = 80;

/// Longest side of a screen rendition, in pixels (fit to width on a 2048-pixel-wide
/// screen; zooming in past it loads the page itself).
pub const SCREEN_MAX_SIDE: u32 = 2048;

/// JPEG quality of a screen rendition.
pub const SCREEN_JPEG_QUALITY: u8 = 85;

impl fmt::Debug for Thumbnail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Thumbnail")
            .field("kind", &self.kind)
            .field("width", &self.width)
            .field("height", &self.height)
            .field("len", &self.bytes.len())
            .finish()
    }
}

/// Checks a file offered for import and strips its metadata.
///
/// The type comes from the content (never a name); anything but JPEG, PNG, TIFF and PDF
/// is refused, and so is a file that is also another format (a polyglot). Sizes are
/// checked from headers before any decoding, and decoders run with allocation limits
/// derived from `limits`. Never panics: a decoder panic that slipped through is caught
/// and returned as [`Refusal::DecoderPanic`].
pub fn sanitize(input: &[u8], limits: &ScanLimits) -> Result<Sanitized, Refusal> {
    let kind = check_file(input, limits)?;
    let outcome = catch_unwind(AssertUnwindSafe(|| match kind {
        ScanKind::Jpeg => jpeg::sanitize(input, limits),
        ScanKind::Png => png::sanitize(input, limits),
        ScanKind::Tiff => tiff::sanitize(input, limits),
        ScanKind::Pdf => pdf::sanitize(input, limits),
    }));
    outcome.unwrap_or(Err(Refusal::DecoderPanic { kind }))
}

/// [`sanitize`] for a file the caller hands over: the same checks and the same output,
/// but the input is freed as soon as it is no longer needed. A PDF's input goes once lopdf
/// has parsed it (before the rewrite is made), a TIFF's once its pages are re-encoded;
/// JPEG and PNG output is ranges of the input, which the result then keeps.
pub fn sanitize_owned(input: Vec<u8>, limits: &ScanLimits) -> Result<SanitizedOwned, Refusal> {
    let kind = check_file(&input, limits)?;
    if kind == ScanKind::Pdf {
        let outcome = catch_unwind(AssertUnwindSafe(move || pdf::sanitize_owned(input, limits)));
        let scan = outcome.unwrap_or(Err(Refusal::DecoderPanic { kind }))?;
        return Ok(SanitizedOwned {
            scan,
            input: Vec::new(),
        });
    }
    let scan = sanitize(&input, limits)?;
    let input = match scan.body {
        Body::Ranges(_) => input,
        Body::Owned(_) => Vec::new(),
    };
    Ok(SanitizedOwned { scan, input })
}

/// The checks made before any parser runs; the file's kind.
fn check_file(input: &[u8], limits: &ScanLimits) -> Result<ScanKind, Refusal> {
    if input.is_empty() {
        return Err(Refusal::Empty);
    }
    let bytes = u64::try_from(input.len()).unwrap_or(u64::MAX);
    if bytes > limits.max_file_bytes {
        return Err(Refusal::TooLarge {
            bytes,
            max: limits.max_file_bytes,
        });
    }
    let kind = sniff(input).ok_or(Refusal::UnknownType)?;
    sniff::check_not_polyglot(kind, input)?;
    Ok(kind)
}

/// A [`Sanitized`] file holding what its reader needs: the input for JPEG and PNG (their
/// output is ranges of it), nothing more for TIFF and PDF. Made by [`sanitize_owned`].
pub struct SanitizedOwned {
    scan: Sanitized,
    input: Vec<u8>,
}

impl SanitizedOwned {
    /// What the file is and what was dropped.
    pub fn scan(&self) -> &Sanitized {
        &self.scan
    }

    /// The stripped file's bytes, streamed.
    pub fn reader(&self) -> impl std::io::Read + '_ {
        self.scan.reader(&self.input)
    }

    /// The stripped file's bytes in one buffer (tests; the importer streams).
    pub fn to_vec(&self) -> Vec<u8> {
        self.scan.to_vec(&self.input)
    }

    /// The scan and the bytes [`Sanitized::reader`] must be given (empty for TIFF and
    /// PDF, whose output is bytes of its own).
    pub fn into_parts(self) -> (Sanitized, Vec<u8>) {
        (self.scan, self.input)
    }
}

impl fmt::Debug for SanitizedOwned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SanitizedOwned")
            .field("scan", &self.scan)
            .field("input_len", &self.input.len())
            .finish()
    }
}

/// What was dropped, each name once, in the order first met.
#[derive(Default)]
struct Removed(Vec<&'static str>);

impl Removed {
    fn add(&mut self, what: &'static str) {
        if !self.0.contains(&what) {
            self.0.push(what);
        }
    }
}
