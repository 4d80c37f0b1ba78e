//! TLS to an S3 endpoint without aws-lc-rs: with ring installed as rustls' process
//! default ([`clinic_vault_server::tls::install_crypto`]), object_store's HTTPS client
//! builds, shakes hands, and still verifies the server's certificate: a loopback TLS
//! server with a self-signed certificate (a throwaway test key in `tests/tls/`, made
//! with openssl, P-256, CN and SAN `localhost`) is refused by the client.

use std::io::Write;
use std::sync::Arc;

use object_store::aws::AmazonS3Builder;
use object_store::{ObjectStoreExt, PutPayload, RetryConfig};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

const CERT: &[u8] = include_bytes!("tls/cert.der");
const KEY: &[u8] = include_bytes!("tls/key.der");

/// Serves one TLS connection with the self-signed certificate; what ended it.
fn serve_once(listener: std::net::TcpListener) -> String {
    let (mut tcp, _) = match listener.accept() {
        Ok(accepted) => accepted,
        Err(e) => return format!("accept: {e}"),
    };
    let key = match PrivateKeyDer::try_from(KEY.to_vec()) {
        Ok(key) => key,
        Err(e) => return format!("key: {e}"),
    };
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .and_then(|b| {
        b.with_no_client_auth()
            .with_single_cert(vec![CertificateDer::from(CERT.to_vec())], key)
    });
    let mut conn = match config.and_then(|c| rustls::ServerConnection::new(Arc::new(c))) {
        Ok(conn) => conn,
        Err(e) => return format!("config: {e}"),
    };
    while conn.is_handshaking() {
        if let Err(e) = conn.complete_io(&mut tcp) {
            return format!("handshake: {e}");
        }
    }
    let _ignored = tcp.flush();
    "handshake completed".into()
}

#[tokio::test]
async fn https_to_s3_shakes_hands_with_ring_and_refuses_an_unverified_certificate() {
    let provider = clinic_vault_server::tls::install_crypto();
    assert!(
        !provider.cipher_suites.is_empty(),
        "ring's suites are installed"
    );
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let server = std::thread::spawn(move || serve_once(listener));
    let store = AmazonS3Builder::new()
        .with_bucket_name("clinic-scans")
        .with_region("us-east-1")
        .with_access_key_id("test-access-key")
        .with_secret_access_key("test-secret-key")
        .with_endpoint(format!("https://localhost:{port}"))
        .with_virtual_hosted_style_request(false)
        .with_retry(RetryConfig {
            max_retries: 0,
            ..RetryConfig::default()
        })
        .build()
        .expect("an HTTPS client builds without a bundled provider");
    let refused = store
        .put(
            &object_store::path::Path::from("scans/ab/probe"),
            PutPayload::from_static(b"ciphertext"),
        )
        .await;
    assert!(refused.is_err(), "an unverifiable certificate is refused");
    let seen = tokio::task::spawn_blocking(move || server.join())
        .await
        .expect("join")
        .expect("server thread");
    // The client got as far as the certificate and refused it with an alert.
    assert!(
        seen.starts_with("handshake: ") && seen.contains("alert"),
        "{seen}"
    );
}
