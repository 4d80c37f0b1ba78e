//! The server's Ed25519 signing key, which signs head receipts: 32 secret bytes as 64
//! hex digits in a file readable by the server's account only, created on first use.
//! Several instances on one PostgreSQL share it by pointing at the same file.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use clinic_vault_proto::ed25519_dalek::SigningKey;

use crate::hex::{hex, parse_hash};

/// Why the key could not be loaded or created.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The file could not be read or written.
    #[error("signing key {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file does not hold 64 lowercase hex digits.
    #[error("signing key {path} is malformed")]
    Malformed {
        /// The file.
        path: PathBuf,
    },
}

/// Loads the key at `path`, creating it (mode 0600) when the file does not exist.
pub fn load_or_create(path: &Path) -> Result<SigningKey, KeyError> {
    let io = |source| KeyError::Io {
        path: path.to_owned(),
        source,
    };
    match std::fs::read_to_string(path) {
        Ok(text) => parse_hash(text.trim_end())
            .map(|seed| SigningKey::from_bytes(&seed))
            .ok_or_else(|| KeyError::Malformed {
                path: path.to_owned(),
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(io)?;
            }
            let key = SigningKey::generate(&mut rand::rngs::OsRng);
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path)
                .map_err(io)?;
            file.write_all(format!("{}\n", hex(&key.to_bytes())).as_bytes())
                .and_then(|()| file.sync_all())
                .map_err(io)?;
            Ok(key)
        }
        Err(e) => Err(io(e)),
    }
}
