//! What can go wrong between the desk scanner and the importer.

/// The scanner could not be listed or did not deliver a page.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AcquireError {
    /// SANE's `scanimage` is not installed (`scanner_unavailable`).
    #[error("the scanner software (SANE's {program}) is not installed")]
    ToolMissing {
        /// The program looked for.
        program: String,
    },
    /// No scanner is attached or switched on (`no_scanner`).
    #[error("no scanner was found")]
    NoScanner,
    /// The scanner named is not among those attached (`no_scanner`).
    #[error("the scanner {device} was not found")]
    UnknownDevice {
        /// The device asked for.
        device: String,
    },
    /// The scanner reported an error (`scanner_failed`): its last words, cleaned of
    /// control characters and cut short.
    #[error("the scanner {device} failed: {reason}")]
    Failed {
        /// The device.
        device: String,
        /// What SANE said.
        reason: String,
    },
    /// The scanner did not finish a page in time (`scanner_failed`); it was stopped.
    #[error("the scanner {device} did not finish a page within {seconds} s")]
    TimedOut {
        /// The device.
        device: String,
        /// The time allowed.
        seconds: u64,
    },
    /// A page is larger than the import limits allow (`scan_refused`).
    #[error("a page of {pixels} pixels is over the limit of {max}")]
    TooManyPixels {
        /// Pixels the scanner announced.
        pixels: u64,
        /// The limit.
        max: u64,
    },
    /// The scanner's output is not an image this understands (`scanner_failed`).
    #[error("the scanner sent an unreadable image ({reason})")]
    BadImage {
        /// What was wrong.
        reason: &'static str,
    },
    /// Pages of one scan differ in colour mode (`scanner_failed`).
    #[error("the pages of one scan must share a colour mode")]
    MixedPages,
}

impl AcquireError {
    /// The stable code the CLI and the app show.
    pub fn code(&self) -> &'static str {
        match self {
            AcquireError::ToolMissing { .. } => "scanner_unavailable",
            AcquireError::NoScanner | AcquireError::UnknownDevice { .. } => "no_scanner",
            AcquireError::TooManyPixels { .. } => "scan_refused",
            AcquireError::Failed { .. }
            | AcquireError::TimedOut { .. }
            | AcquireError::BadImage { .. }
            | AcquireError::MixedPages => "scanner_failed",
        }
    }
}
