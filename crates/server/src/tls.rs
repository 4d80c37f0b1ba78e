//! The process-wide TLS crypto provider: ring, installed once as rustls' default.
//!
//! The S3 client (object_store over reqwest) is built with rustls but without a bundled
//! provider, so that aws-lc-rs and its C/cmake build stay out of the workspace; reqwest
//! then takes rustls' process default, which must be installed before the first client is
//! built (`main` does it first thing; [`crate::Blobs::s3`] makes sure of it again).
//! Certificates are still verified by `rustls-platform-verifier` against the system's
//! trust store.

use std::sync::Arc;

use rustls::crypto::CryptoProvider;

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
