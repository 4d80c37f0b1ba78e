//! The CLI's errors: core's, with their facts, and the CLI's own (a malformed command
//! line or batch, standard input that cannot be read), which are sentences already.

/// A failed command.
#[derive(Debug)]
pub enum Error {
    /// Core refused or failed; `messages` words it.
    Core(clinic_vault_core::Error),
    /// The command line, a batch line or typed input is malformed (`invalid_input`).
    Usage(String),
    /// Standard input or the terminal could not be read (`internal`).
    Io(String),
    /// A command over several items failed for some of them after doing the others
    /// (`partial_failure`); each item's own error was printed.
    Partial(String),
    /// `scan verify` found damaged scans (`scan_damaged`); each was printed.
    Damaged(String),
    /// Sync or enrollment did not succeed: the code (the server's, or the client's) and
    /// the sentence.
    Sync {
        /// The stable code.
        code: String,
        /// The sentence.
        message: String,
    },
}

impl From<clinic_vault_core::Error> for Error {
    fn from(e: clinic_vault_core::Error) -> Self {
        Error::Core(e)
    }
}

impl Error {
    /// The stable code, as core's errors have.
    pub fn code(&self) -> String {
        match self {
            Error::Core(e) => e.code().into(),
            Error::Usage(_) => "invalid_input".into(),
            Error::Io(_) => "internal".into(),
            Error::Partial(_) => "partial_failure".into(),
            Error::Damaged(_) => "scan_damaged".into(),
            Error::Sync { code, .. } => code.clone(),
        }
    }

    /// Seconds until a locked-out user may try again, when known.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            Error::Core(e) => e.retry_after_secs(),
            _ => None,
        }
    }
}

/// The CLI's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
