//! HTTPS from the binary with certificates made in the test (`rcgen`): a real request
//! over TLS to a client that trusts only the test's certificates; `kill -HUP` reloads a
//! second certificate, which a new connection sees while a connection opened before
//! keeps working; a bad certificate file on a later reload is refused, logged, and the
//! second certificate stays in force. Plain HTTP to the TLS port gets nothing.

use std::sync::Arc;

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::proc::ServerProcess;

struct TestCert {
    der: CertificateDer<'static>,
    cert_pem: String,
    key_pem: String,
}

fn make_cert() -> TestCert {
    let made = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("rcgen");
    TestCert {
        der: made.cert.der().clone(),
        cert_pem: made.cert.pem(),
        key_pem: made.key_pair.serialize_pem(),
    }
}

type Sender = hyper::client::conn::http1::SendRequest<Empty<Bytes>>;

/// A TLS connection trusting only `roots`; the sender and the certificate the server
/// presented.
async fn connect(
    addr: std::net::SocketAddr,
    roots: &[&TestCert],
) -> (Sender, CertificateDer<'static>) {
    let mut store = rustls::RootCertStore::empty();
    for root in roots {
        store.add(root.der.clone()).expect("root");
    }
    let config =
        rustls::ClientConfig::builder_with_provider(clinic_vault_server::tls::install_crypto())
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_root_certificates(store)
            .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let tls = connector
        .connect(ServerName::try_from("localhost").expect("name"), tcp)
        .await
        .expect("TLS handshake");
    let presented = tls
        .get_ref()
        .1
        .peer_certificates()
        .and_then(|c| c.first())
        .expect("a certificate")
        .clone()
        .into_owned();
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
        .await
        .expect("HTTP handshake");
    tokio::spawn(conn);
    (sender, presented)
}

async fn get(sender: &mut Sender, path: &str) -> (u16, String) {
    let req = hyper::Request::get(path)
        .header("host", "localhost")
        .body(Empty::new())
        .expect("request");
    let response = sender.send_request(req).await.expect("response");
    let status = response.status().as_u16();
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn https_with_a_certificate_reloaded_on_sighup() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (cert_file, key_file) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let (first, second) = (make_cert(), make_cert());
    std::fs::write(&cert_file, &first.cert_pem).expect("cert");
    std::fs::write(&key_file, &first.key_pem).expect("key");
    let envs = vec![
        (
            "CLINIC_VAULT_SERVER_DATA_DIR".to_owned(),
            dir.path().join("data").display().to_string(),
        ),
        (
            "CLINIC_VAULT_SERVER_TLS_CERT_FILE".to_owned(),
            cert_file.display().to_string(),
        ),
        (
            "CLINIC_VAULT_SERVER_TLS_KEY_FILE".to_owned(),
            key_file.display().to_string(),
        ),
    ];
    crate::proc::command(&envs, &["migrate"]);
    let server = ServerProcess::start(&envs).await;
    assert!(server
        .wait_for_log("\"listening\"")
        .await
        .contains("\"tls\":true"));

    // A real request over TLS, from a client that trusts only the first certificate.
    let (mut old_conn, presented) = connect(server.addr, &[&first]).await;
    assert_eq!(presented, first.der);
    assert_eq!(get(&mut old_conn, "/healthz").await, (200, "ok".to_owned()));
    assert_eq!(get(&mut old_conn, "/readyz").await.0, 200);

    // Plain HTTP to the TLS port: no HTTP answer.
    let mut plain = tokio::net::TcpStream::connect(server.addr)
        .await
        .expect("connect");
    plain
        .write_all(b"GET /healthz HTTP/1.1\r\nhost: localhost\r\n\r\n")
        .await
        .expect("write");
    let mut answer = Vec::new();
    let _read = tokio::time::timeout(
        std::time::Duration::from_secs(15),
        plain.read_to_end(&mut answer),
    )
    .await
    .expect("the server closes a non-TLS connection");
    assert!(!String::from_utf8_lossy(&answer).contains("200 OK"));

    // The second certificate in the files, then SIGHUP.
    std::fs::write(&key_file, &second.key_pem).expect("key");
    std::fs::write(&cert_file, &second.cert_pem).expect("cert");
    server.signal("HUP");
    server.wait_for_log("TLS certificate reloaded").await;
    let (mut new_conn, presented) = connect(server.addr, &[&first, &second]).await;
    assert_eq!(
        presented, second.der,
        "a new connection gets the new certificate"
    );
    assert_eq!(get(&mut new_conn, "/healthz").await.0, 200);
    assert_eq!(
        get(&mut old_conn, "/healthz").await.0,
        200,
        "a connection opened before the reload goes on"
    );

    // A broken certificate file: refused, logged, the second certificate stays.
    std::fs::write(&cert_file, "-----BEGIN CERTIFICATE-----\nnot base64\n").expect("cert");
    server.signal("HUP");
    let refused = server.wait_for_log("TLS certificate not reloaded").await;
    assert!(
        refused.contains("cert.pem"),
        "the log says which file: {refused}"
    );
    // A key that does not match the certificate is refused the same way.
    std::fs::write(&cert_file, &second.cert_pem).expect("cert");
    std::fs::write(&key_file, &first.key_pem).expect("key");
    server.signal("HUP");
    for _ in 0..200 {
        if server.count_log("TLS certificate not reloaded") >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(server.count_log("TLS certificate not reloaded"), 2);
    let (mut after, presented) = connect(server.addr, &[&second]).await;
    assert_eq!(presented, second.der, "the certificate in force is kept");
    assert_eq!(get(&mut after, "/healthz").await, (200, "ok".to_owned()));
    assert_eq!(server.count_log("TLS certificate reloaded"), 1);
}

#[test]
fn a_missing_key_file_is_refused_at_startup() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cert = make_cert();
    let cert_file = dir.path().join("cert.pem");
    std::fs::write(&cert_file, &cert.cert_pem).expect("cert");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_clinic-vault-server"))
        .arg("serve")
        .env("CLINIC_VAULT_SERVER_DATA_DIR", dir.path().join("data"))
        .env("CLINIC_VAULT_SERVER_LISTEN", "127.0.0.1:0")
        .env("CLINIC_VAULT_SERVER_TLS_CERT_FILE", &cert_file)
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("needs both cert_file and key_file"),
        "{stderr}"
    );
}
