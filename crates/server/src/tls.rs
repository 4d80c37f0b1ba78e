//! TLS: the process-wide crypto provider (ring, installed once as rustls' default), the
//! `[tls]` settings, and the server's certificate, loaded from PEM files and reloaded in
//! place ([`TlsReloader`]; `serve` calls it on SIGHUP).
//!
//! The S3 client (object_store over reqwest) is built with rustls but without a bundled
//! provider, so that aws-lc-rs and its C/cmake build stay out of the workspace; reqwest
//! then takes rustls' process default, which must be installed before the first client is
//! built (`main` does it first thing; [`crate::Blobs::s3`] makes sure of it again).
//! Certificates are still verified by `rustls-platform-verifier` against the system's
//! trust store.
//!
//! A reload that fails (a missing file, a key that does not match, PEM that does not
//! parse) keeps the certificate in force: new connections go on getting the old one, and
//! the log says why. Connections already open keep the certificate they shook hands with.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::ServerConfig;
use serde::Deserialize;

use crate::settings::{parse_env, SettingsError};

/// The `[tls]` settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TlsSettings {
    /// The certificate chain, PEM (leaf first); with `key_file`, the server speaks HTTPS
    /// only. Empty: plain HTTP.
    pub cert_file: PathBuf,
    /// The certificate's private key, PEM (PKCS#8, PKCS#1 or SEC1).
    pub key_file: PathBuf,
    /// A TLS proxy in front of this server terminates TLS: plain HTTP may then listen
    /// on any address.
    pub behind_tls_proxy: bool,
    /// The proxies whose `X-Forwarded-For` names the client (for the per-address
    /// limits); a request from any other peer is counted under the peer's own address.
    pub trusted_proxies: Vec<IpAddr>,
}

impl TlsSettings {
    /// Whether a certificate is configured.
    pub fn enabled(&self) -> bool {
        !self.cert_file.as_os_str().is_empty() || !self.key_file.as_os_str().is_empty()
    }

    pub(crate) fn set_from_env(
        &mut self,
        name: &str,
        key: &str,
        value: String,
    ) -> Result<(), SettingsError> {
        match key {
            "CERT_FILE" => self.cert_file = PathBuf::from(value),
            "KEY_FILE" => self.key_file = PathBuf::from(value),
            "BEHIND_TLS_PROXY" => self.behind_tls_proxy = parse_env(name, &value)?,
            "TRUSTED_PROXIES" => {
                self.trusted_proxies = value
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| parse_env(name, s))
                    .collect::<Result<_, _>>()?;
            }
            _ => {
                return Err(SettingsError::UnknownEnv {
                    name: name.to_owned(),
                })
            }
        }
        Ok(())
    }
}

/// Why a certificate could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// Only one of the certificate and key files is configured.
    #[error("[tls] needs both cert_file and key_file")]
    Incomplete,
    /// A PEM file could not be read or parsed.
    #[error("{path}: {source}")]
    Pem {
        /// The file.
        path: PathBuf,
        /// Why.
        source: rustls::pki_types::pem::Error,
    },
    /// The certificate file holds no certificate.
    #[error("{0}: no certificate in the file")]
    NoCertificate(PathBuf),
    /// rustls refused the certificate and key (e.g. they do not match).
    #[error("the certificate and key are not usable: {0}")]
    Rustls(#[from] rustls::Error),
}

/// A server configuration from PEM files: HTTP/1.1 over TLS 1.2 or 1.3, ring's suites.
pub fn load_config(cert_file: &Path, key_file: &Path) -> Result<ServerConfig, TlsError> {
    fn pem(path: &Path) -> impl FnOnce(rustls::pki_types::pem::Error) -> TlsError + '_ {
        move |source| TlsError::Pem {
            path: path.to_owned(),
            source,
        }
    }
    let certs = CertificateDer::pem_file_iter(cert_file)
        .map_err(pem(cert_file))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(pem(cert_file))?;
    if certs.is_empty() {
        return Err(TlsError::NoCertificate(cert_file.to_owned()));
    }
    let key = PrivateKeyDer::from_pem_file(key_file).map_err(pem(key_file))?;
    let mut config = ServerConfig::builder_with_provider(install_crypto())
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(certs, key)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// The certificate in force, reloadable from its files.
#[derive(Debug)]
pub struct TlsReloader {
    cert_file: PathBuf,
    key_file: PathBuf,
    current: RwLock<Arc<ServerConfig>>,
}

impl TlsReloader {
    /// Loads the configured files; `None` when TLS is not configured.
    pub fn from_settings(settings: &TlsSettings) -> Result<Option<TlsReloader>, TlsError> {
        if !settings.enabled() {
            return Ok(None);
        }
        if settings.cert_file.as_os_str().is_empty() || settings.key_file.as_os_str().is_empty() {
            return Err(TlsError::Incomplete);
        }
        let config = load_config(&settings.cert_file, &settings.key_file)?;
        Ok(Some(TlsReloader {
            cert_file: settings.cert_file.clone(),
            key_file: settings.key_file.clone(),
            current: RwLock::new(Arc::new(config)),
        }))
    }

    /// The configuration new connections shake hands with.
    pub fn current(&self) -> Arc<ServerConfig> {
        self.current
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Reads the files again; on failure the configuration in force stays.
    pub fn reload(&self) -> Result<(), TlsError> {
        let config = load_config(&self.cert_file, &self.key_file)?;
        *self
            .current
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(config);
        Ok(())
    }
}

/// Installs ring as rustls' process-wide default crypto provider unless one is already
/// installed; safe to call any number of times, from any thread. Returns the provider in
/// force afterwards (ring, unless the embedding program installed another first).
pub fn install_crypto() -> Arc<CryptoProvider> {
    if let Some(provider) = CryptoProvider::get_default() {
        return provider.clone();
    }
    // Another thread may win the race: then its provider stands, which is as good.
    let _raced = rustls::crypto::ring::default_provider().install_default();
    match CryptoProvider::get_default() {
        Some(provider) => provider.clone(),
        // Unreachable: one of the two installs succeeded. Fall back to ring itself.
        None => Arc::new(rustls::crypto::ring::default_provider()),
    }
}

#[cfg(test)]
mod tests {
    use super::install_crypto;

    #[test]
    fn installing_twice_keeps_one_ring_provider() {
        let first = install_crypto();
        let second = install_crypto();
        assert!(std::sync::Arc::ptr_eq(&first, &second));
        let default = rustls::crypto::CryptoProvider::get_default().expect("installed");
        assert!(std::sync::Arc::ptr_eq(&first, default));
        // ring's suites, not another provider's: its first TLS 1.3 suite is AES-256-GCM
        // or AES-128-GCM or ChaCha20, all present in ring's default list.
        let ring = rustls::crypto::ring::default_provider();
        let names = |p: &rustls::crypto::CryptoProvider| {
            p.cipher_suites
                .iter()
                .map(|s| s.suite())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&first), names(&ring));
    }
}
