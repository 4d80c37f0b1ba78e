//! The HTTP client: one signed request per call, each answer sorted into what the
//! planner needs ([`Failure::answer`]) and a sentence for the person at the desk.
//!
//! - HTTPS with rustls (ring) and the platform's verifier (the system's roots), or only
//!   the certificates of a CA file chosen at enrollment; plain HTTP only to a loopback
//!   host ([`EnrollCode::new`]'s rule), and no redirect is followed (a redirect could
//!   lead elsewhere, or to plain HTTP).
//! - No proxy for a loopback server; otherwise the usual proxy variables apply.
//! - Every call has a time limit: connecting 5 s, the answer 30 s after the request was
//!   sent, a whole call 5 minutes (a large scan on a slow line).
//! - Request timestamps are the real time (`SystemTime`): the server's window is about
//!   its own clock, whatever the vault's clock says.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clinic_vault_core::sync::plan::Answer;
use clinic_vault_proto::signing::{
    HEADER_DEVICE, HEADER_NONCE, HEADER_SIGNATURE, HEADER_TIMESTAMP, NONCE_LEN,
};
use clinic_vault_proto::{
    to_canonical, BatchAnswer, BlobReceipt, Body, EnrollAnswer, EnrollCode, EnrollCodeError,
    EnrollRequest, ErrorAnswer, EventBatch, RequestToSign, SignedHead, SigningError,
};
use serde::de::DeserializeOwned;
use ureq::tls::{Certificate, RootCerts, TlsConfig};

/// The largest answer body read (every answer is a small JSON object).
const MAX_ANSWER_BYTES: u64 = 1 << 20;

/// Why a client could not be made for a server.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// The URL is not `https://…` (or `http://` to loopback).
    #[error(transparent)]
    BadUrl(#[from] EnrollCodeError),
    /// The CA file cannot be read or holds no certificate.
    #[error("the CA file {path} cannot be used: {reason}")]
    CaFile {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
}

impl ClientError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            ClientError::BadUrl(_) => "bad_server_url",
            ClientError::CaFile { .. } => "ca_file_unusable",
        }
    }
}

/// What went wrong with one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The server refused with its stable code (an `ErrorAnswer`).
    Refused {
        /// The HTTP status.
        status: u16,
        /// The server's code.
        code: String,
        /// The server's sentence.
        message: String,
        /// The sequence number a batch refusal names.
        seq: Option<u64>,
    },
    /// `429 Too Many Requests`.
    RateLimited {
        /// The server's `Retry-After`, seconds.
        retry_after_secs: u64,
    },
    /// No usable answer.
    Unavailable {
        /// `server_unreachable`, `server_timeout`, `tls_failed`, `server_error`,
        /// `server_garbage`, `bad_receipt`.
        code: &'static str,
        /// What happened, for the sentence.
        detail: String,
    },
}

impl Failure {
    /// What the planner is told.
    pub fn answer(&self) -> Answer {
        match self {
            Failure::Refused { code, seq, .. } => Answer::Refused {
                code: code.clone(),
                seq: *seq,
            },
            Failure::RateLimited { retry_after_secs } => Answer::RateLimited {
                retry_after_secs: *retry_after_secs,
            },
            Failure::Unavailable { .. } => Answer::Unavailable,
        }
    }

    /// The stable code recorded in the vault's status.
    pub fn code(&self) -> String {
        match self {
            Failure::Refused { code, .. } => code.clone(),
            Failure::RateLimited { .. } => "rate_limited".into(),
            Failure::Unavailable { code, .. } => (*code).into(),
        }
    }

    fn garbage(status: u16, what: &str) -> Failure {
        Failure::Unavailable {
            code: "server_garbage",
            detail: format!("HTTP {status}, {what}"),
        }
    }
}

/// Who signs a request: an enrolled device, or a key being enrolled.
pub trait Signer {
    /// The device id the request names.
    fn device_id(&self) -> &str;
    /// The signature header's value.
    fn sign(&self, request: &RequestToSign<'_>) -> Result<String, SigningError>;
}

impl Signer for clinic_vault_core::sync::Device {
    fn device_id(&self) -> &str {
        &self.device_id
    }
    fn sign(&self, request: &RequestToSign<'_>) -> Result<String, SigningError> {
        clinic_vault_core::sync::Device::sign(self, request)
    }
}

impl Signer for clinic_vault_core::sync::PendingEnrollment {
    fn device_id(&self) -> &str {
        clinic_vault_core::sync::PendingEnrollment::device_id(self)
    }
    fn sign(&self, request: &RequestToSign<'_>) -> Result<String, SigningError> {
        clinic_vault_core::sync::PendingEnrollment::sign(self, request)
    }
}

/// A client of one sync server.
pub struct Client {
    agent: ureq::Agent,
    base: String,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client").field("base", &self.base).finish()
    }
}

fn is_loopback_url(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let host_port = rest.split('/').next().unwrap_or("");
    let host = if let Some(inner) = host_port.strip_prefix('[') {
        inner.split(']').next().unwrap_or("")
    } else {
        host_port.split(':').next().unwrap_or("")
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn load_ca(path: &Path) -> Result<Vec<Certificate<'static>>, ClientError> {
    let unusable = |reason: String| ClientError::CaFile {
        path: path.display().to_string(),
        reason,
    };
    let pem = std::fs::read(path).map_err(|e| unusable(e.to_string()))?;
    let mut certs = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        match item {
            Ok(ureq::tls::PemItem::Certificate(cert)) => certs.push(cert),
            Ok(_) => {}
            Err(e) => return Err(unusable(format!("not PEM ({e})"))),
        }
    }
    if certs.is_empty() {
        return Err(unusable("it holds no certificate".into()));
    }
    Ok(certs)
}

/// Microseconds since the Unix epoch, by the real clock.
fn real_now_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

fn nonce() -> String {
    let bytes: [u8; NONCE_LEN] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A network failure in a few plain words (not the OS's "(os error 111)").
fn io_words(io: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    match io.kind() {
        K::ConnectionRefused => "nothing answers at that address".into(),
        K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe | K::UnexpectedEof => {
            "the connection was cut".into()
        }
        K::HostUnreachable | K::NetworkUnreachable | K::NetworkDown => {
            "no network route to it".into()
        }
        K::AddrNotAvailable => "its address is not available from this PC".into(),
        _ => {
            let text = io.to_string();
            match text.find(" (os error") {
                Some(at) => text[..at].to_string(),
                None => text,
            }
        }
    }
}

fn unavailable(err: ureq::Error) -> Failure {
    let (code, detail) = match &err {
        ureq::Error::Timeout(_) => ("server_timeout", err.to_string()),
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) | ureq::Error::Pem(_) => {
            ("tls_failed", err.to_string())
        }
        ureq::Error::Io(io) => match io.kind() {
            std::io::ErrorKind::TimedOut => ("server_timeout", io.to_string()),
            _ => {
                // rustls reports a refused certificate as an I/O error around its own.
                let text = io.to_string();
                let tls = io
                    .get_ref()
                    .is_some_and(|inner| inner.downcast_ref::<rustls::Error>().is_some())
                    || text.contains("certificate");
                if tls {
                    ("tls_failed", text)
                } else {
                    ("server_unreachable", io_words(io))
                }
            }
        },
        ureq::Error::HostNotFound => ("server_unreachable", "host not found".into()),
        ureq::Error::ConnectionFailed => ("server_unreachable", "connection failed".into()),
        ureq::Error::TooManyRedirects | ureq::Error::RedirectFailed => (
            "server_garbage",
            "a redirect, which sync never follows".into(),
        ),
        ureq::Error::BodyExceedsLimit(_) => ("server_garbage", "an answer too large".into()),
        _ => ("server_unreachable", err.to_string()),
    };
    Failure::Unavailable { code, detail }
}

impl Client {
    /// A client of the server at `server_url`, trusting the system's roots, or only the
    /// certificates in `ca_file`.
    pub fn new(server_url: &str, ca_file: Option<&Path>) -> Result<Client, ClientError> {
        // The enrollment code's URL rule: https, or http to a loopback host.
        EnrollCode::new(server_url, "x")?;
        let roots = match ca_file {
            Some(path) => RootCerts::new_with_certs(&load_ca(path)?),
            None => RootCerts::PlatformVerifier,
        };
        let tls = TlsConfig::builder()
            .root_certs(roots)
            .unversioned_rustls_crypto_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .build();
        let proxy = if is_loopback_url(server_url) {
            None
        } else {
            ureq::Proxy::try_from_env()
        };
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .https_only(!server_url.starts_with("http://"))
            .tls_config(tls)
            .proxy(proxy)
            .timeout_connect(Some(Duration::from_secs(5)))
            .timeout_recv_response(Some(Duration::from_secs(30)))
            .timeout_recv_body(Some(Duration::from_secs(30)))
            .timeout_global(Some(Duration::from_secs(300)))
            .user_agent(concat!("clinic-vault/", env!("CARGO_PKG_VERSION")))
            .build()
            .new_agent();
        Ok(Client {
            agent,
            base: server_url.trim_end_matches('/').to_string(),
        })
    }

    /// The server's base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// One signed call; the status, the `Retry-After` and the body. `body_sha256`, when
    /// given, is the body's SHA-256 as the caller computed it (the signature takes it
    /// instead of hashing the bytes again).
    fn call(
        &self,
        signer: &dyn Signer,
        method: &str,
        path: &str,
        body: &[u8],
        body_sha256: Option<[u8; 32]>,
    ) -> Result<(u16, Option<u64>, Vec<u8>), Failure> {
        let timestamp_us = real_now_us();
        let nonce = nonce();
        let to_sign = RequestToSign {
            method,
            path,
            query: "",
            timestamp_us,
            nonce: &nonce,
            body: body_sha256.map_or(Body::Bytes(body), Body::Sha256),
        };
        let signature = signer.sign(&to_sign).map_err(|e| Failure::Unavailable {
            code: "server_garbage",
            detail: format!("the request could not be signed: {e}"),
        })?;
        let url = format!("{}{path}", self.base);
        let headers = [
            (HEADER_DEVICE, signer.device_id().to_string()),
            (HEADER_TIMESTAMP, timestamp_us.to_string()),
            (HEADER_NONCE, nonce),
            (HEADER_SIGNATURE, signature),
        ];
        let sent = match method {
            "GET" | "DELETE" | "HEAD" => {
                let mut request = match method {
                    "GET" => self.agent.get(&url),
                    "HEAD" => self.agent.head(&url),
                    _ => self.agent.delete(&url),
                };
                for (name, value) in &headers {
                    request = request.header(*name, value);
                }
                request.call()
            }
            _ => {
                let mut request = if method == "PUT" {
                    self.agent.put(&url)
                } else {
                    self.agent.post(&url)
                };
                for (name, value) in &headers {
                    request = request.header(*name, value);
                }
                let content_type = if method == "PUT" {
                    "application/octet-stream"
                } else {
                    "application/json"
                };
                request.header("content-type", content_type).send(body)
            }
        };
        let mut response = sent.map_err(unavailable)?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let body = if method == "HEAD" {
            Vec::new()
        } else {
            response
                .body_mut()
                .with_config()
                .limit(MAX_ANSWER_BYTES)
                .read_to_vec()
                .map_err(unavailable)?
        };
        Ok((status, retry_after, body))
    }

    /// A call whose success is the JSON body `T`.
    fn json<T: DeserializeOwned>(
        &self,
        signer: &dyn Signer,
        method: &str,
        path: &str,
        body: &[u8],
        body_sha256: Option<[u8; 32]>,
    ) -> Result<T, Failure> {
        let (status, retry_after, body) = self.call(signer, method, path, body, body_sha256)?;
        if (200..300).contains(&status) {
            return serde_json::from_slice(&body)
                .map_err(|_| Failure::garbage(status, "not the expected answer"));
        }
        Err(refusal(status, retry_after, &body))
    }

    /// `POST /v1/enroll`, signed by the key being enrolled.
    pub fn enroll(
        &self,
        pending: &clinic_vault_core::sync::PendingEnrollment,
        token: &str,
    ) -> Result<EnrollAnswer, Failure> {
        let request: EnrollRequest = pending.request(token);
        let body = to_canonical(&request).map_err(|e| Failure::Unavailable {
            code: "server_garbage",
            detail: e.to_string(),
        })?;
        self.json(pending, "POST", "/v1/enroll", &body, None)
    }

    /// `GET /v1/audit/head`: the head the server holds (not yet verified).
    pub fn head(&self, device: &dyn Signer) -> Result<SignedHead, Failure> {
        self.json(device, "GET", "/v1/audit/head", b"", None)
    }

    /// `POST /v1/audit/batches`.
    pub fn send_batch(
        &self,
        device: &dyn Signer,
        batch: &EventBatch,
    ) -> Result<BatchAnswer, Failure> {
        let body = to_canonical(batch).map_err(|e| Failure::Unavailable {
            code: "server_garbage",
            detail: e.to_string(),
        })?;
        self.json(device, "POST", "/v1/audit/batches", &body, None)
    }

    /// `PUT /v1/blobs/{hash}` with the encrypted file's bytes, whose SHA-256 the caller
    /// has checked is `sha256` (the content address, as `hash` in hex): it signs the
    /// request without hashing the bytes again.
    pub fn put_blob(
        &self,
        device: &dyn Signer,
        hash: &str,
        bytes: &[u8],
        sha256: [u8; 32],
    ) -> Result<BlobReceipt, Failure> {
        self.json(
            device,
            "PUT",
            &format!("/v1/blobs/{hash}"),
            bytes,
            Some(sha256),
        )
    }

    /// `DELETE /v1/blobs/{hash}`: done when the server answers that it holds none.
    pub fn delete_blob(&self, device: &dyn Signer, hash: &str) -> Result<(), Failure> {
        let (status, retry_after, body) =
            self.call(device, "DELETE", &format!("/v1/blobs/{hash}"), b"", None)?;
        if (200..300).contains(&status) || status == 404 {
            return Ok(());
        }
        Err(refusal(status, retry_after, &body))
    }
}

/// A non-2xx answer.
fn refusal(status: u16, retry_after: Option<u64>, body: &[u8]) -> Failure {
    if status == 429 {
        return Failure::RateLimited {
            retry_after_secs: retry_after.unwrap_or(1),
        };
    }
    match serde_json::from_slice::<ErrorAnswer>(body) {
        Ok(answer) => Failure::Refused {
            status,
            code: answer.error,
            message: answer.message,
            seq: answer.seq,
        },
        // A proxy's or another web server's page.
        Err(_) if status >= 500 => Failure::Unavailable {
            code: "server_error",
            detail: format!("HTTP {status}"),
        },
        Err(_) => Failure::garbage(status, "not a sync server's refusal"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts() {
        for url in [
            "http://127.0.0.1:8443",
            "http://localhost/",
            "http://[::1]:80/x",
            "http://127.9.9.9",
        ] {
            assert!(is_loopback_url(url), "{url}");
        }
        for url in [
            "https://sync.clinic.example",
            "http://10.0.0.1",
            "http://localhost.evil.example",
            "http://127.0.0.1.nip.io",
        ] {
            assert!(!is_loopback_url(url), "{url}");
        }
    }

    #[test]
    fn plain_http_elsewhere_is_refused() {
        assert!(matches!(
            Client::new("http://10.0.0.5:8080", None),
            Err(ClientError::BadUrl(EnrollCodeError::PlainHttpNotLoopback))
        ));
        assert!(Client::new("http://127.0.0.1:8080", None).is_ok());
        assert!(Client::new("https://sync.clinic.example", None).is_ok());
    }

    #[test]
    fn a_ca_file_without_certificates_is_refused() {
        let dir = std::env::temp_dir().join(format!("cv-ca-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let file = dir.join("ca.pem");
        std::fs::write(&file, "not a certificate\n").expect("write");
        let err = Client::new("https://sync.clinic.example", Some(&file)).expect_err("refused");
        assert_eq!(err.code(), "ca_file_unusable");
        let missing = Client::new("https://sync.clinic.example", Some(&dir.join("none.pem")))
            .expect_err("refused");
        assert_eq!(missing.code(), "ca_file_unusable");
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn refusals_are_sorted() {
        let answer = br#"{"error":"chain_gap","message":"m","seq":5}"#;
        assert_eq!(
            refusal(409, None, answer).answer(),
            Answer::Refused {
                code: "chain_gap".into(),
                seq: Some(5)
            }
        );
        assert_eq!(
            refusal(429, Some(7), b"").answer(),
            Answer::RateLimited {
                retry_after_secs: 7
            }
        );
        assert_eq!(refusal(502, None, b"<html>").code(), "server_error");
        assert_eq!(refusal(404, None, b"<html>").code(), "server_garbage");
    }
}
