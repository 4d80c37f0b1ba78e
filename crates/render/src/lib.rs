//! Clinic Vault's PDF renderer, run as a child process of the app or the CLI: the wire
//! protocol (`protocol`), the sandbox it enters before reading its input (`sandbox`)
//! and the rasteriser over `hayro` (`raster`). The binary `clinic-vault-render` reads one
//! request on stdin and writes one answer on stdout; the parent side lives in
//! `clinic_vault_core::scans::render`, which does not depend on this crate.
#![deny(missing_docs)]

pub mod protocol;
pub mod raster;
pub mod sandbox;

/// Why the renderer could not answer. Each variant becomes one fixed word on stderr
/// ([`Failure::reason`]): never any of the document's content.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Failure {
    /// The command line was not understood.
    #[error("bad command line")]
    BadArguments,
    /// The sandbox could not be entered (a limit, `no_new_privs` or the seccomp filter).
    #[error("could not enter the sandbox at {step}")]
    Sandbox {
        /// Which step failed.
        step: &'static str,
    },
    /// The request's header is not one this renderer speaks.
    #[error("bad request: {what}")]
    BadRequest {
        /// What is wrong with it.
        what: &'static str,
    },
    /// Reading the request failed or it ended early.
    #[error("the request ended early")]
    Truncated,
    /// The document is bigger than this process may hold.
    #[error("the document does not fit in memory")]
    TooLarge,
    /// `hayro` could not open the document.
    #[error("the document could not be opened")]
    Unreadable,
    /// The document is encrypted (the importer refuses those; a renderer says so too).
    #[error("the document is encrypted")]
    Encrypted,
    /// The page asked for does not exist.
    #[error("page {page} of {n_pages} asked for")]
    NoSuchPage {
        /// The index asked for (from 0).
        page: u32,
        /// Pages the document has.
        n_pages: u32,
    },
    /// The page has no area, or the asked size gives a pixmap larger than allowed.
    #[error("the page cannot be rendered at that size")]
    BadSize,
    /// The rasteriser panicked (caught; the answer is not trusted).
    #[error("the rasteriser panicked")]
    Panicked,
    /// Writing the answer failed (the parent went away or stopped reading).
    #[error("the answer could not be written")]
    WriteFailed,
}

impl Failure {
    /// The one word written to stderr, which the parent may record in an audit event.
    pub fn reason(&self) -> &'static str {
        match self {
            Failure::BadArguments => "bad_arguments",
            Failure::Sandbox { .. } => "sandbox",
            Failure::BadRequest { .. } => "bad_request",
            Failure::Truncated => "truncated_request",
            Failure::TooLarge => "too_large",
            Failure::Unreadable => "unreadable",
            Failure::Encrypted => "encrypted",
            Failure::NoSuchPage { .. } => "no_such_page",
            Failure::BadSize => "bad_size",
            Failure::Panicked => "panicked",
            Failure::WriteFailed => "write_failed",
        }
    }

    /// The process's exit code for this failure (never 0; 101 is left to Rust's panics).
    pub fn exit_code(&self) -> i32 {
        match self {
            Failure::BadArguments | Failure::BadRequest { .. } | Failure::Truncated => 2,
            Failure::Sandbox { .. } => 3,
            Failure::TooLarge | Failure::BadSize => 4,
            Failure::Unreadable | Failure::Encrypted | Failure::NoSuchPage { .. } => 5,
            Failure::Panicked => 6,
            Failure::WriteFailed => 7,
        }
    }
}
