//! Enrollment from the workstation: a fresh key pair (core), `POST /v1/enroll` signed by
//! it, and the registration kept in the vault (core, `device.enroll`). The vault is
//! reached twice, briefly; the request runs between, outside the session.

use std::path::Path;

use clinic_vault_core::sync::Device;
use clinic_vault_proto::{EnrollCode, EnrollCodeError};

use crate::client::{Client, ClientError, Failure};
use crate::cycle::{CycleError, Vault};
use crate::words;

/// Why an enrollment did not happen.
#[derive(Debug, thiserror::Error)]
pub enum EnrollError {
    /// The code, URL or token is not valid (`invalid_input`).
    #[error(transparent)]
    Code(#[from] EnrollCodeError),
    /// The URL or CA file cannot be used.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The server refused, or did not answer.
    #[error("{message}")]
    Server {
        /// The stable code.
        code: String,
        /// A sentence.
        message: String,
    },
    /// The vault refused (not an admin) or failed.
    #[error(transparent)]
    Vault(#[from] CycleError),
}

impl EnrollError {
    /// The stable code.
    pub fn code(&self) -> String {
        match self {
            EnrollError::Code(_) => "invalid_input".into(),
            EnrollError::Client(e) => e.code().into(),
            EnrollError::Server { code, .. } => code.clone(),
            EnrollError::Vault(CycleError::Locked) => "locked".into(),
            EnrollError::Vault(CycleError::Core(e)) => e.code().into(),
        }
    }
}

/// Where to enroll: the admin page's code, or its URL and token.
#[derive(Clone)]
pub struct Target {
    code: EnrollCode,
}

impl std::fmt::Debug for Target {
    // The URL only: the code holds a one-time token.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("url", &self.url())
            .finish_non_exhaustive()
    }
}

impl Target {
    /// From an enrollment code (`cvenroll1:…`).
    pub fn from_code(text: &str) -> Result<Target, EnrollCodeError> {
        Ok(Target {
            code: EnrollCode::parse(text.trim())?,
        })
    }

    /// From a URL and a token.
    pub fn from_parts(url: &str, token: &str) -> Result<Target, EnrollCodeError> {
        Ok(Target {
            code: EnrollCode::new(url.trim(), token.trim())?,
        })
    }

    /// The server's URL.
    pub fn url(&self) -> &str {
        self.code.url()
    }
}

/// Enrolls this workstation with the server (admins only: core checks, and audits a
/// denial). An earlier registration is replaced.
pub fn enroll<V: Vault>(
    vault: &mut V,
    target: &Target,
    ca_file: Option<&Path>,
) -> Result<Device, EnrollError> {
    let client = Client::new(target.url(), ca_file)?;
    let pending = vault.with(|s| s.sync_begin_enroll())?;
    let answer = client
        .enroll(&pending, target.code.token())
        .map_err(|f: Failure| EnrollError::Server {
            code: f.code(),
            message: words::failure(&f, client.base()),
        })?;
    let url = target.url().to_string();
    Ok(vault.with(move |s| s.sync_finish_enroll(pending, &url, ca_file, &answer))?)
}
