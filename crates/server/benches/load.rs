//! The load benchmark (issue 13's performance targets): 50 devices each sending a signed
//! 100-event batch once a second (5,000 events/s offered) over 127.0.0.1 through the
//! server's own accept loop, with its default limits; one instance on SQLite, then two
//! instances on one PostgreSQL (each device alternating between them). Open loop: each
//! batch is due at a fixed time (the devices spread over the second), and its latency is
//! counted from when it was due to its answer, so a server that falls behind shows it.
//! Then an admin search (`GET /v1/admin/audit`, several filters) over 1,000,000 stored
//! events of 10 devices, on SQLite.
//!
//! `cargo bench -p clinic-vault-server --bench load --locked -- [--seconds 30]
//! [--devices 50] [--backend sqlite|postgres|both|none] [--search-events 1000000]`
//! (`--search-events 0` skips the search). scripts/server-bench.sh runs it.

#[path = "../tests/pg.rs"]
#[allow(dead_code)]
mod pg;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use clinic_vault_proto::ed25519_dalek::SigningKey;
use clinic_vault_proto::signing::{
    HEADER_DEVICE, HEADER_NONCE, HEADER_SIGNATURE, HEADER_TIMESTAMP,
};
use clinic_vault_proto::{
    chain_hash, genesis_hash, public_key_hex, to_canonical, AuditEvent, ChainedEvent,
    EnrollRequest, EventBatch, Hash32, RequestToSign,
};
use clinic_vault_server::tokens::{new_token, token_hash, ADMIN_PREFIX, ENROLL_PREFIX};
use clinic_vault_server::{app, AppState, Clock, Settings, SystemClock};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use tower::ServiceExt;

const EVENTS_PER_BATCH: u64 = 100;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn say(text: std::fmt::Arguments<'_>) {
    let _ = std::io::Write::write_fmt(&mut std::io::stderr().lock(), text);
}

/// One workstation: its key, ids and chain.
struct Device {
    key: SigningKey,
    device_id: String,
    vault_id: String,
    prev: Hash32,
    next_seq: u64,
    n_requests: u64,
}

impl Device {
    fn new(i: u32) -> Device {
        let vault_id = format!("5b0c8a6e-1111-4222-8333-{i:012}");
        let mut seed = [9u8; 32];
        seed[..4].copy_from_slice(&i.to_le_bytes());
        Device {
            key: SigningKey::from_bytes(&seed),
            device_id: format!("3f1d2c4b-0000-4000-8000-{i:012}"),
            prev: genesis_hash(&vault_id),
            vault_id,
            next_seq: 1,
            n_requests: 0,
        }
    }

    fn event(&self, seq: u64) -> AuditEvent {
        AuditEvent {
            id: format!("01936f4e-7a00-7000-8000-{seq:012}"),
            time_us: 1_732_000_000_000_000 + seq as i64 * 1_000_000,
            device_id: self.device_id.clone(),
            seq,
            actor: ["rita", "bob", "zoe", "ann"][(seq % 4) as usize].into(),
            role: "clinician".into(),
            action: ["patient.view", "record.edit", "user.unlock"][(seq % 3) as usize].into(),
            resource_type: "patient".into(),
            resource_id: Some(format!("01936f4e-7a00-7000-8000-{:012}", seq % 5_000)),
            patient_id: Some(format!("01936f4e-7a00-7000-8000-{:012}", seq % 5_000)),
            outcome: if seq % 10 == 0 { "failure" } else { "success" }.into(),
            changed_fields: vec![],
            format: Some(2),
            detail_digest: Some(hex(&[(seq % 251) as u8; 32])),
        }
    }

    fn next_batch(&mut self, n: u64) -> Vec<u8> {
        let events: Vec<ChainedEvent> = (0..n)
            .map(|_| {
                let event = self.event(self.next_seq);
                self.next_seq += 1;
                self.prev = chain_hash(&self.prev, &event.canonical_bytes().expect("canonical"));
                ChainedEvent {
                    event,
                    hash: hex(&self.prev),
                }
            })
            .collect();
        to_canonical(&EventBatch { events }).expect("canonical")
    }

    fn signed(&mut self, path: &str, body: Vec<u8>) -> hyper::Request<Full<Bytes>> {
        self.n_requests += 1;
        let nonce = format!("{:032x}", self.n_requests);
        let timestamp_us = SystemClock.now_us();
        let signature = RequestToSign {
            method: "POST",
            path,
            query: "",
            timestamp_us,
            nonce: &nonce,
            body: clinic_vault_proto::Body::Bytes(&body),
        }
        .sign(&self.key)
        .expect("sign");
        hyper::Request::builder()
            .method("POST")
            .uri(path)
            .header("host", "localhost")
            .header("content-type", "application/json")
            .header(HEADER_DEVICE, &self.device_id)
            .header(HEADER_TIMESTAMP, timestamp_us.to_string())
            .header(HEADER_NONCE, nonce)
            .header(HEADER_SIGNATURE, signature)
            .body(Full::new(Bytes::from(body)))
            .expect("request")
    }

    fn enroll_request(&mut self, token: String) -> hyper::Request<Full<Bytes>> {
        let body = to_canonical(&EnrollRequest {
            token,
            vault_id: self.vault_id.clone(),
            device_id: self.device_id.clone(),
            public_key: public_key_hex(&self.key.verifying_key()),
        })
        .expect("canonical");
        self.signed("/v1/enroll", body)
    }
}

type Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

async fn connect(addr: SocketAddr) -> Sender {
    let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let _nodelay = stream.set_nodelay(true);
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .expect("handshake");
    tokio::spawn(conn);
    sender
}

async fn send(sender: &mut Sender, req: hyper::Request<Full<Bytes>>) -> u16 {
    match sender.send_request(req).await {
        Ok(response) => {
            let status = response.status().as_u16();
            let body = response.into_body().collect().await;
            if status != 200 {
                // The first few refusals' reasons, for the operator.
                if let Ok(body) = body {
                    let body = body.to_bytes();
                    say(format_args!(
                        "refused {status}: {}\n",
                        String::from_utf8_lossy(&body[..body.len().min(200)])
                    ));
                }
            }
            status
        }
        Err(_) => 0,
    }
}

/// Serves `state` on 127.0.0.1 on a runtime of its own; the address.
fn start_instance(state: AppState, runtime: &tokio::runtime::Runtime) -> SocketAddr {
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let options = clinic_vault_server::listen::ConnOptions {
            tls: None,
            header_timeout: Duration::from_secs(10),
        };
        tokio::spawn(clinic_vault_server::listen::serve(
            listener,
            app(state),
            options,
            std::future::pending(),
        ));
        addr
    })
}

struct LoadFigures {
    latencies_ms: Vec<f64>,
    n_errors: usize,
    n_batches: usize,
    elapsed: Duration,
}

/// The open-loop run: every device's batch k is due at start + k s + its offset.
async fn load(instances: Vec<SocketAddr>, n_devices: u32, seconds: u64) -> LoadFigures {
    // The devices `enroll_all` enrolled, their chains from the start.
    let mut devices = Vec::new();
    for i in 0..n_devices {
        let mut device = Device::new(i);
        // Its enrollment (by `enroll_all`) spent the first nonces.
        device.n_requests = 1_000_000;
        devices.push(device);
    }
    let start = Instant::now() + Duration::from_millis(500);
    let tasks: Vec<_> = devices
        .into_iter()
        .enumerate()
        .map(|(i, mut device)| {
            let instances = instances.clone();
            // Built before the clock starts: the client's own work is not timed.
            let batches: Vec<Vec<u8>> = (0..seconds)
                .map(|_| device.next_batch(EVENTS_PER_BATCH))
                .collect();
            tokio::spawn(async move {
                let mut senders = Vec::new();
                for addr in &instances {
                    senders.push(connect(*addr).await);
                }
                let offset = Duration::from_micros(1_000_000 * i as u64 / u64::from(n_devices));
                let mut out = Vec::new();
                for (k, body) in batches.into_iter().enumerate() {
                    let due = start + offset + Duration::from_secs(k as u64);
                    tokio::time::sleep_until(due.into()).await;
                    let which = (i + k) % senders.len();
                    let req = device.signed("/v1/audit/batches", body);
                    let status = send(&mut senders[which], req).await;
                    if status == 0 {
                        // The connection broke: a new one for the next batch.
                        senders[which] = connect(instances[which]).await;
                    }
                    out.push((status, due.elapsed()));
                }
                out
            })
        })
        .collect();
    let mut latencies_ms = Vec::new();
    let mut n_errors = 0;
    for task in tasks {
        for (status, latency) in task.await.expect("device task") {
            if status != 200 {
                n_errors += 1;
            }
            latencies_ms.push(latency.as_secs_f64() * 1_000.0);
        }
    }
    let n_batches = latencies_ms.len();
    latencies_ms.sort_by(f64::total_cmp);
    LoadFigures {
        latencies_ms,
        n_errors,
        n_batches,
        elapsed: start.elapsed(),
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn report_load(label: &str, figures: &LoadFigures, load_before: &str) {
    let l = &figures.latencies_ms;
    say(format_args!(
        "{label}: {} batches ({} events) in {:.1} s, {} errors; latency ms p50 {:.1} p90 {:.1} p99 {:.1} max {:.1}; load average before {load_before}, after {}\n",
        figures.n_batches,
        figures.n_batches as u64 * EVENTS_PER_BATCH,
        figures.elapsed.as_secs_f64(),
        figures.n_errors,
        percentile(l, 50.0),
        percentile(l, 90.0),
        percentile(l, 99.0),
        l.last().copied().unwrap_or(0.0),
        load_average(),
    ));
}

async fn enroll_all(states: &[AppState], instances: &[SocketAddr], n_devices: u32) {
    let now = SystemClock.now_us();
    for i in 0..n_devices {
        let token = new_token(ENROLL_PREFIX);
        states[0]
            .store
            .create_enroll_token("bench", &token_hash(&token), now + 3_600_000_000, now)
            .await
            .expect("token");
        let mut device = Device::new(i);
        let mut sender = connect(instances[i as usize % instances.len()]).await;
        let status = send(&mut sender, device.enroll_request(token)).await;
        assert_eq!(status, 200, "enrollment");
    }
}

fn settings_for(dir: &std::path::Path, database_url: &str) -> Settings {
    Settings {
        data_dir: dir.to_owned(),
        database_url: database_url.to_owned(),
        ..Settings::default()
    }
}

fn run_load(label: &str, settings: Vec<Settings>, n_devices: u32, seconds: u64) {
    // The server's runtime and the clients' apart, as two processes would be.
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let states: Vec<AppState> = settings
        .iter()
        .map(|s| {
            server_rt
                .block_on(clinic_vault_server::serve::state(s, Arc::new(SystemClock)))
                .expect("state")
        })
        .collect();
    let instances: Vec<SocketAddr> = states
        .iter()
        .map(|s| start_instance(s.clone(), &server_rt))
        .collect();
    client_rt.block_on(enroll_all(&states, &instances, n_devices));
    let load_before = load_average();
    let figures = client_rt.block_on(load(instances, n_devices, seconds));
    report_load(label, &figures, &load_before);
    drop(states);
    server_rt.shutdown_timeout(Duration::from_secs(5));
}

/// 1,000,000 events of 10 devices (batches of 1,000 in-process), then each search five
/// times through the router; prints the median and the slowest.
fn search(n_events: u64) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let dir = tempfile::tempdir().expect("tempdir");
        let settings = Settings {
            data_dir: dir.path().to_owned(),
            max_body_bytes: 16 << 20,
            // Filling the store sends 1,000-event batches back to back: faster than a
            // device may (the rate limits would answer 429). The searches are measured.
            limits: clinic_vault_server::limits::LimitSettings {
                ip_per_second: 0,
                device_per_second: 0,
                ..Default::default()
            },
            ..Settings::default()
        };
        let state = clinic_vault_server::serve::state(&settings, Arc::new(SystemClock))
            .await
            .expect("state");
        let router = app(state.clone());
        let n_devices = 10u32;
        let per_device = n_events / u64::from(n_devices);
        let started = Instant::now();
        for i in 0..n_devices {
            let token = new_token(ENROLL_PREFIX);
            let now = SystemClock.now_us();
            state
                .store
                .create_enroll_token("bench", &token_hash(&token), now + 3_600_000_000, now)
                .await
                .expect("token");
            let mut device = Device::new(100 + i);
            let enroll = to_axum(device.enroll_request(token));
            let response = router.clone().oneshot(enroll).await.expect("enroll");
            assert_eq!(response.status(), 200);
            while device.next_seq <= per_device {
                let n = 1_000.min(per_device + 1 - device.next_seq);
                let body = device.next_batch(n);
                let req = to_axum(device.signed("/v1/audit/batches", body));
                let response = router.clone().oneshot(req).await.expect("ingest");
                assert_eq!(response.status(), 200, "batch refused");
            }
        }
        say(format_args!(
            "search: {n_events} events of {n_devices} devices stored in {:.1} s\n",
            started.elapsed().as_secs_f64()
        ));
        let admin = new_token(ADMIN_PREFIX);
        state
            .store
            .create_admin_token("bench", &token_hash(&admin), SystemClock.now_us())
            .await
            .expect("admin");
        let device5 = Device::new(105).device_id;
        let t_mid = 1_732_000_000_000_000i64 + (per_device as i64 / 2) * 1_000_000;
        let patient = "01936f4e-7a00-7000-8000-000000001234";
        let queries = [
            "/v1/admin/audit?limit=100".to_owned(),
            format!("/v1/admin/audit?patient_id={patient}&limit=100"),
            format!("/v1/admin/audit?device_id={device5}&action=record.edit&limit=100"),
            format!("/v1/admin/audit?user=zoe&outcome=failure&from_us={t_mid}&limit=100"),
            format!("/v1/admin/audit?device_id={device5}&limit=100&offset=50000"),
            "/v1/admin/audit?action=user.unlock&limit=1000&offset=100000".to_owned(),
        ];
        let load_before = load_average();
        for uri in &queries {
            let mut times = Vec::new();
            let mut n_found = 0;
            for _ in 0..5 {
                let req = axum::http::Request::get(uri.as_str())
                    .header("authorization", format!("Bearer {admin}"))
                    .body(Body::empty())
                    .expect("request");
                let t = Instant::now();
                let response = router.clone().oneshot(req).await.expect("search");
                let status = response.status();
                let bytes = response
                    .into_body()
                    .collect()
                    .await
                    .expect("body")
                    .to_bytes();
                times.push(t.elapsed().as_secs_f64() * 1_000.0);
                assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
                let page: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
                n_found = page["events"].as_array().map_or(0, Vec::len);
            }
            times.sort_by(f64::total_cmp);
            say(format_args!(
                "search {uri}: {n_found} events; ms median {:.1} max {:.1}\n",
                times[2], times[4]
            ));
        }
        say(format_args!(
            "search: load average before {load_before}, after {}\n",
            load_average()
        ));
    });
}

fn to_axum(req: hyper::Request<Full<Bytes>>) -> axum::http::Request<Body> {
    let (parts, body) = req.into_parts();
    axum::http::Request::from_parts(parts, Body::new(body))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let seconds: u64 = value("--seconds")
        .and_then(|v| v.parse().ok())
        .unwrap_or(30);
    let n_devices: u32 = value("--devices")
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let backend = value("--backend").unwrap_or_else(|| "both".into());
    let search_events: u64 = value("--search-events")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let _provider = clinic_vault_server::tls::install_crypto();
    if backend == "sqlite" || backend == "both" {
        let dir = tempfile::tempdir().expect("tempdir");
        run_load(
            &format!("sqlite, 1 instance, {n_devices} devices x {EVENTS_PER_BATCH} events/s"),
            vec![settings_for(dir.path(), "")],
            n_devices,
            seconds,
        );
    }
    if backend == "postgres" || backend == "both" {
        // fsync on, as a deployment runs it (the tests turn it off).
        let cluster = pg::PgCluster::start_with_fsync(true);
        let dir = tempfile::tempdir().expect("tempdir");
        let mut a = settings_for(&dir.path().join("a"), &cluster.url);
        let mut b = settings_for(&dir.path().join("b"), &cluster.url);
        a.signing_key_file = dir.path().join("signing.key");
        b.signing_key_file = dir.path().join("signing.key");
        run_load(
            &format!("postgres, 2 instances, {n_devices} devices x {EVENTS_PER_BATCH} events/s"),
            vec![a, b],
            n_devices,
            seconds,
        );
    }
    if search_events > 0 {
        search(search_events);
    }
}
