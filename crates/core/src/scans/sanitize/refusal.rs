//! Why the importer refused a file: data only (sizes, kinds, the name of a feature), never
//! the file's content, so a refusal can go into the audit detail as it is.

use super::ScanKind;

/// Why a file was refused. [`Refusal::reason`] is the stable code for the audit detail.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The file has no bytes.
    #[error("the file is empty")]
    Empty,
    /// The file is larger than the admin's limit.
    #[error("the file is {bytes} bytes; the limit is {max}")]
    TooLarge {
        /// The file's size.
        bytes: u64,
        /// The limit.
        max: u64,
    },
    /// The content is not JPEG, PNG, TIFF or PDF (whatever the file is called).
    #[error("the file is not a JPEG, PNG, TIFF or PDF (judged by its content)")]
    UnknownType,
    /// The file is also a file of another format (for example a PDF that is also a ZIP, or
    /// a JPEG with a PDF inside or appended).
    #[error("the file is also a {other} file (a polyglot)")]
    Polyglot {
        /// The other format: `pdf`, `zip`, or the extension `infer` gives it.
        other: &'static str,
    },
    /// The file ends before its structure does.
    #[error("the {kind} file is truncated")]
    Truncated {
        /// What the file is.
        kind: ScanKind,
    },
    /// The file's structure is broken.
    #[error("the {kind} file is malformed ({what})")]
    Malformed {
        /// What the file is.
        kind: ScanKind,
        /// What is wrong, in snake_case (`bad_marker`, `chunk_crc`, `ifd_cycle`, …).
        what: &'static str,
    },
    /// The file is valid but uses a variant the importer does not handle.
    #[error("the {kind} file uses something the importer does not support ({what})")]
    Unsupported {
        /// What the file is.
        kind: ScanKind,
        /// The variant, in snake_case (`palette`, `sample_format`, `jpeg_ls`, …).
        what: &'static str,
    },
    /// A page has more pixels than the limit allows.
    #[error("a page is {width} × {height} pixels; the limit is {max_megapixels} megapixels")]
    TooManyPixels {
        /// The page's width from its header.
        width: u32,
        /// The page's height from its header.
        height: u32,
        /// The limit.
        max_megapixels: u32,
    },
    /// A page has a side longer than the limit allows.
    #[error("a page is {width} × {height} pixels; the limit is {max_side_px} pixels a side")]
    SideTooLong {
        /// The page's width from its header.
        width: u32,
        /// The page's height from its header.
        height: u32,
        /// The limit.
        max_side_px: u32,
    },
    /// The file has more pages than the limit allows.
    #[error("the file has more than {max_pages} pages")]
    TooManyPages {
        /// The limit.
        max_pages: u32,
    },
    /// The PNG is animated (APNG).
    #[error("animated images are not accepted")]
    Animated,
    /// The PDF is encrypted (even with an empty password).
    #[error("encrypted PDFs are not accepted")]
    PdfEncrypted,
    /// The PDF has active content or attachments.
    #[error("the PDF contains {feature}, which is not accepted")]
    PdfActiveContent {
        /// The feature, in snake_case: `javascript`, `open_action`, `additional_actions`,
        /// `launch`, `embedded_file`, `rich_media`, `xfa`, `submit_form`, `import_data`,
        /// `remote_goto`, `embedded_goto`, `uri_action`, `multimedia`.
        feature: &'static str,
    },
    /// The PDF nests arrays or dictionaries deeper than the importer reads.
    #[error("the PDF nests objects deeper than {max_depth} levels")]
    PdfTooDeep {
        /// The deepest nesting accepted.
        max_depth: u32,
    },
    /// The PDF has more objects or tokens than the importer reads.
    #[error("the PDF has more than {max_tokens} tokens outside its streams")]
    PdfTooComplex {
        /// The most tokens accepted.
        max_tokens: u32,
    },
    /// Decoding a page would need more memory than the limits allow.
    #[error("decoding the {kind} file would need more memory than the limits allow")]
    DecodeLimit {
        /// What the file is.
        kind: ScanKind,
    },
    /// A decoder panicked on the file (a bug in a decoder, caught as a last line).
    #[error("the {kind} decoder failed on the file")]
    DecoderPanic {
        /// What the file is.
        kind: ScanKind,
    },
}

impl Refusal {
    /// The stable snake_case code of the refusal (it goes into the audit detail).
    pub fn reason(&self) -> &'static str {
        match self {
            Refusal::Empty => "empty",
            Refusal::TooLarge { .. } => "too_large",
            Refusal::UnknownType => "unknown_type",
            Refusal::Polyglot { .. } => "polyglot",
            Refusal::Truncated { .. } => "truncated",
            Refusal::Malformed { .. } => "malformed",
            Refusal::Unsupported { .. } => "unsupported",
            Refusal::TooManyPixels { .. } => "too_many_pixels",
            Refusal::SideTooLong { .. } => "side_too_long",
            Refusal::TooManyPages { .. } => "too_many_pages",
            Refusal::Animated => "animated",
            Refusal::PdfEncrypted => "pdf_encrypted",
            Refusal::PdfActiveContent { .. } => "pdf_active_content",
            Refusal::PdfTooDeep { .. } => "pdf_too_deep",
            Refusal::PdfTooComplex { .. } => "pdf_too_complex",
            Refusal::DecodeLimit { .. } => "decode_limit",
            Refusal::DecoderPanic { .. } => "decoder_panic",
        }
    }
}
