//! Shared by the tests: a server state in a temporary directory on a manual clock, a
//! test device that keeps its own chain and signs its requests, and request helpers.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use clinic_vault_proto::ed25519_dalek::SigningKey;
use clinic_vault_proto::signing::{
    HEADER_DEVICE, HEADER_NONCE, HEADER_SIGNATURE, HEADER_TIMESTAMP,
};
use clinic_vault_proto::{
    chain_hash, genesis_hash, public_key_hex, to_canonical, AuditEvent, ChainedEvent,
    EnrollRequest, EventBatch, Hash32, RequestToSign,
};
use clinic_vault_server::tokens::{new_token, token_hash, ADMIN_PREFIX, ENROLL_PREFIX};
use clinic_vault_server::{app, AppState, ManualClock, Settings};
use http_body_util::BodyExt;
use tower::ServiceExt;

/// 2024-11-19T07:06:40Z.
pub const T0: i64 = 1_732_000_000_000_000;

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub struct Fixture {
    pub _dir: tempfile::TempDir,
    pub state: AppState,
    pub clock: Arc<ManualClock>,
}

/// Settings in `dir`: small body limits, no rate limits (the tests that send bursts at
/// one clock instant are not about them; `limits` sets its own).
pub fn settings_in(dir: &std::path::Path) -> Settings {
    Settings {
        data_dir: dir.join("data"),
        max_blob_bytes: 64 * 1024,
        max_body_bytes: 256 * 1024,
        max_batch_events: 100,
        limits: clinic_vault_server::limits::LimitSettings {
            ip_per_second: 0,
            device_per_second: 0,
            ..Default::default()
        },
        ..Settings::default()
    }
}

pub async fn fixture() -> Fixture {
    fixture_with(|_| {}).await
}

/// A fixture whose settings `edit` changes first.
pub async fn fixture_with(edit: impl FnOnce(&mut Settings)) -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut settings = settings_in(dir.path());
    edit(&mut settings);
    let clock = Arc::new(ManualClock::at(T0));
    let state = clinic_vault_server::serve::state(&settings, clock.clone())
        .await
        .expect("state");
    Fixture {
        _dir: dir,
        state,
        clock,
    }
}

impl Fixture {
    pub fn app(&self) -> Router {
        app(self.state.clone())
    }

    pub async fn admin_token(&self) -> String {
        let token = new_token(ADMIN_PREFIX);
        self.state
            .store
            .create_admin_token("it", &token_hash(&token), T0)
            .await
            .expect("admin token");
        token
    }

    pub async fn enroll_token(&self, workstation: &str, ttl_us: i64) -> String {
        let token = new_token(ENROLL_PREFIX);
        self.state
            .store
            .create_enroll_token(workstation, &token_hash(&token), T0 + ttl_us, T0)
            .await
            .expect("enroll token");
        token
    }

    /// A device enrolled through the API.
    pub async fn enrolled(&self, seed: u8) -> TestDevice {
        let mut device = TestDevice::new(seed);
        let token = self.enroll_token("Reception", 3_600_000_000).await;
        let (status, body) =
            send(&self.app(), device.enroll_request(&token, self.clock.now())).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        device
    }
}

pub trait Now {
    fn now(&self) -> i64;
}

impl Now for ManualClock {
    fn now(&self) -> i64 {
        clinic_vault_server::Clock::now_us(self)
    }
}

/// A workstation: its key, ids and the chain it has written so far.
pub struct TestDevice {
    pub key: SigningKey,
    pub device_id: String,
    pub vault_id: String,
    pub prev: Hash32,
    pub next_seq: u64,
    n_nonces: u64,
}

impl TestDevice {
    pub fn new(seed: u8) -> TestDevice {
        let vault_id = format!("5b0c8a6e-1111-4222-8333-4444555566{seed:02x}");
        TestDevice {
            key: SigningKey::from_bytes(&[seed; 32]),
            device_id: format!("3f1d2c4b-0000-4000-8000-00000000d0{seed:02x}"),
            prev: genesis_hash(&vault_id),
            vault_id,
            next_seq: 1,
            n_nonces: 0,
        }
    }

    pub fn event(&self, seq: u64) -> AuditEvent {
        AuditEvent {
            id: format!("01936f4e-7a00-7000-8000-{seq:012}"),
            time_us: T0 + seq as i64,
            device_id: self.device_id.clone(),
            seq,
            actor: if seq % 2 == 0 { "rita" } else { "bob" }.into(),
            role: "clinician".into(),
            action: if seq % 3 == 0 {
                "patient.view"
            } else {
                "user.unlock"
            }
            .into(),
            resource_type: "user".into(),
            resource_id: None,
            patient_id: (seq % 3 == 0).then(|| format!("patient-{}", seq % 5)),
            outcome: if seq % 4 == 0 { "failure" } else { "success" }.into(),
            changed_fields: vec![],
            format: None,
            detail_digest: None,
        }
    }

    /// The next `n` events of the chain (the device's head moves on).
    pub fn next_events(&mut self, n: u64) -> Vec<ChainedEvent> {
        (0..n)
            .map(|_| {
                let event = self.event(self.next_seq);
                self.next_seq += 1;
                self.prev = chain_hash(&self.prev, &event.canonical_bytes().expect("canonical"));
                ChainedEvent {
                    event,
                    hash: hex(&self.prev),
                }
            })
            .collect()
    }

    pub fn nonce(&mut self) -> String {
        self.n_nonces += 1;
        format!(
            "{:016x}{:016x}",
            u64::from(self.key.to_bytes()[0]),
            self.n_nonces
        )
    }

    /// A request signed by this device at `now_us` with a fresh nonce.
    pub fn signed(&mut self, method: &str, uri: &str, body: Vec<u8>, now_us: i64) -> Request<Body> {
        let nonce = self.nonce();
        self.signed_with(method, uri, body, now_us, &nonce)
    }

    pub fn signed_with(
        &self,
        method: &str,
        uri: &str,
        body: Vec<u8>,
        now_us: i64,
        nonce: &str,
    ) -> Request<Body> {
        let (path, query) = uri.split_once('?').unwrap_or((uri, ""));
        let signature = RequestToSign {
            method,
            path,
            query,
            timestamp_us: now_us,
            nonce,
            body: clinic_vault_proto::Body::Bytes(&body),
        }
        .sign(&self.key)
        .expect("sign");
        Request::builder()
            .method(method)
            .uri(uri)
            .header("content-type", "application/json")
            .header(HEADER_DEVICE, &self.device_id)
            .header(HEADER_TIMESTAMP, now_us.to_string())
            .header(HEADER_NONCE, nonce)
            .header(HEADER_SIGNATURE, signature)
            .body(Body::from(body))
            .expect("request")
    }

    pub fn enroll_request(&mut self, token: &str, now_us: i64) -> Request<Body> {
        let body = to_canonical(&EnrollRequest {
            token: token.into(),
            vault_id: self.vault_id.clone(),
            device_id: self.device_id.clone(),
            public_key: public_key_hex(&self.key.verifying_key()),
        })
        .expect("canonical");
        let nonce = self.nonce();
        self.signed_with("POST", "/v1/enroll", body, now_us, &nonce)
    }

    pub fn batch_request(&mut self, events: &[ChainedEvent], now_us: i64) -> Request<Body> {
        let body = to_canonical(&EventBatch {
            events: events.to_vec(),
        })
        .expect("canonical");
        self.signed("POST", "/v1/audit/batches", body, now_us)
    }
}

/// Sends a request in-process; the status and the body as JSON (or as a string).
pub async fn send(app: &Router, req: Request<Body>) -> (StatusCode, serde_json::Value) {
    let response = app.clone().oneshot(req).await.expect("infallible");
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| serde_json::Value::String(String::from_utf8_lossy(&bytes).into()));
    (status, body)
}

pub fn admin_get(uri: &str, token: &str) -> Request<Body> {
    Request::builder()
        .uri(uri)
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .expect("request")
}

/// The fixture's router served on 127.0.0.1 by the server's own accept loop (each
/// request carries its peer, so the per-address limits apply); its address.
pub async fn serve_tcp(fx: &Fixture, header_timeout_ms: u64) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let options = clinic_vault_server::listen::ConnOptions {
        tls: None,
        header_timeout: std::time::Duration::from_millis(header_timeout_ms),
    };
    tokio::spawn(clinic_vault_server::listen::serve(
        listener,
        fx.app(),
        options,
        std::future::pending(),
    ));
    addr
}

/// Sends a request over a new TCP connection to `addr`: status, headers, body (JSON or
/// a string).
pub async fn send_tcp(
    addr: std::net::SocketAddr,
    req: Request<Body>,
) -> (StatusCode, axum::http::HeaderMap, serde_json::Value) {
    let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .expect("handshake");
    tokio::spawn(conn);
    let (parts, body) = req.into_parts();
    let bytes = body.collect().await.expect("body").to_bytes();
    let mut req = hyper::Request::from_parts(parts, http_body_util::Full::new(bytes));
    req.headers_mut()
        .insert("host", addr.to_string().parse().expect("host"));
    let response = sender.send_request(req).await.expect("response");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| serde_json::Value::String(String::from_utf8_lossy(&bytes).into()));
    (status, headers, body)
}
