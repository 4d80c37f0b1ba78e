//! The SIGKILL test: the server binary is killed at seeded random moments (before a
//! request, while one is in flight, after its answer) while a client pushes 10,000
//! events of two devices in batches of random sizes, retrying whatever got no answer and
//! resuming from the head the server reports. Each time the server is started again. In
//! the end every event is stored exactly once and each device's chain, read back from
//! the store and recomputed with proto's rule, ends at the client's own head. On SQLite
//! and on PostgreSQL 15.

use std::process::Stdio;
use std::sync::Arc;

use axum::body::Body;
use clinic_vault_proto::{chain_hash, genesis_hash, BatchAnswer, ChainedEvent};
use clinic_vault_server::store::{AuditQuery, Store};
use http_body_util::BodyExt;
use hyper_util::rt::TokioIo;
use rand::{Rng, SeedableRng};
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::common::{hex, TestDevice};

const N_EVENTS_PER_DEVICE: u64 = 5_000;

struct Server {
    envs: Vec<(String, String)>,
    child: Option<tokio::process::Child>,
    n_starts: u32,
}

impl Server {
    /// Starts the binary and waits for its `listening` log line.
    async fn start(&mut self) {
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_clinic-vault-server"))
            .arg("serve")
            .envs(self.envs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn");
        let stderr = child.stderr.take().expect("stderr");
        let mut lines = BufReader::new(stderr).lines();
        loop {
            let line = lines
                .next_line()
                .await
                .expect("read log")
                .unwrap_or_else(|| {
                    panic!(
                        "the server exited before listening (start {})",
                        self.n_starts
                    )
                });
            if line.contains("\"listening\"") {
                break;
            }
        }
        // Keep draining the log so the server never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        self.child = Some(child);
        self.n_starts += 1;
    }

    async fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.start_kill().expect("SIGKILL");
            child.wait().await.expect("reaped");
        }
    }
}

/// One request on a fresh connection; `None` when the connection failed or broke.
async fn post(addr: &str, req: axum::http::Request<Body>) -> Option<(u16, Vec<u8>)> {
    let stream = tokio::net::TcpStream::connect(addr).await.ok()?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .ok()?;
    tokio::spawn(conn);
    let (mut parts, body) = req.into_parts();
    parts.headers.insert("host", addr.parse().ok()?);
    let bytes = body.collect().await.ok()?.to_bytes();
    let response = sender
        .send_request(hyper::Request::from_parts(
            parts,
            http_body_util::Full::new(bytes),
        ))
        .await
        .ok()?;
    let status = response.status().as_u16();
    let body = response.into_body().collect().await.ok()?.to_bytes();
    Some((status, body.to_vec()))
}

fn now_us() -> i64 {
    clinic_vault_server::Clock::now_us(&clinic_vault_server::SystemClock)
}

fn binary(envs: &[(String, String)], args: &[&str]) -> String {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_clinic-vault-server"))
        .args(args)
        .envs(envs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env("RUST_LOG", "warn")
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

/// Runs the whole test against the settings in `envs`; returns the number of kills.
async fn push_through_kills(envs: Vec<(String, String)>, store: Arc<dyn Store>, seed: u64) -> u32 {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let addr = format!("127.0.0.1:{port}");
    let mut envs = envs;
    envs.push(("CLINIC_VAULT_SERVER_LISTEN".into(), addr.clone()));
    // The client pushes as fast as it can: no rate limits in the way (tests/limits.rs).
    for limit in ["IP_PER_SECOND", "DEVICE_PER_SECOND"] {
        envs.push((format!("CLINIC_VAULT_SERVER_LIMITS_{limit}"), "0".into()));
    }
    binary(&envs, &["migrate"]);
    let mut server = Server {
        envs: envs.clone(),
        child: None,
        n_starts: 0,
    };
    server.start().await;

    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut devices: Vec<(TestDevice, Vec<ChainedEvent>)> = Vec::new();
    for seed in [71u8, 72] {
        let token = binary(
            &envs,
            &["enroll-token", "create", "--name", "Room", "--ttl", "1h"],
        );
        let mut device = TestDevice::new(seed);
        let (status, body) = post(&addr, device.enroll_request(&token, now_us()))
            .await
            .expect("enroll");
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        let events = device.next_events(N_EVENTS_PER_DEVICE);
        devices.push((device, events));
    }
    let mut held = [0u64; 2];
    let mut n_kills = 0;
    let mut n_requests = 0;
    let mut n_unanswered = 0;
    while held.iter().any(|&h| h < N_EVENTS_PER_DEVICE) {
        let device_idx = if held[0] >= N_EVENTS_PER_DEVICE {
            1
        } else if held[1] >= N_EVENTS_PER_DEVICE {
            0
        } else {
            rng.gen_range(0..2)
        };
        let (device, events) = &mut devices[device_idx];
        // Resend from the held head, sometimes with some held events again.
        let from = held[device_idx].saturating_sub(rng.gen_range(0..3)) as usize;
        let to = (from + rng.gen_range(1..=200)).min(events.len());
        let req = device.batch_request(&events[from..to], now_us());
        n_requests += 1;
        let moment = rng.gen_range(0..8);
        let answer = if moment == 0 {
            // Killed while the request is in flight: at a random point of its handling.
            let addr = addr.clone();
            let in_flight = tokio::spawn(async move { post(&addr, req).await });
            for _ in 0..rng.gen_range(0..200) {
                tokio::task::yield_now().await;
            }
            server.kill().await;
            n_kills += 1;
            let answer = in_flight.await.expect("task");
            server.start().await;
            answer
        } else {
            post(&addr, req).await
        };
        if moment == 1 {
            // Killed after the answer, before the next request.
            server.kill().await;
            n_kills += 1;
            server.start().await;
        }
        match answer {
            Some((200, body)) => {
                let answer: BatchAnswer = serde_json::from_slice(&body).expect("answer");
                assert!(
                    answer.held_seq >= held[device_idx],
                    "the head never moves back"
                );
                held[device_idx] = answer.held_seq;
            }
            Some((status, body)) => {
                panic!("refused with {status}: {}", String::from_utf8_lossy(&body))
            }
            None => n_unanswered += 1, // no answer: retried from the head next round
        }
    }
    server.kill().await;
    eprintln!(
        "crash test: {n_requests} requests, {n_kills} kills, {n_unanswered} unanswered, {} starts",
        server.n_starts
    );
    assert!(n_unanswered > 0, "no kill landed during a request");

    for (device, events) in &devices {
        let mut stored = Vec::new();
        loop {
            let page = store
                .search(&AuditQuery {
                    device_id: Some(device.device_id.clone()),
                    limit: 1_000,
                    offset: stored.len() as u64,
                    ..AuditQuery::default()
                })
                .await
                .expect("search");
            if page.is_empty() {
                break;
            }
            stored.extend(page);
        }
        assert_eq!(
            stored.len() as u64,
            N_EVENTS_PER_DEVICE,
            "every event exactly once"
        );
        let mut prev = genesis_hash(&device.vault_id);
        for (idx, held_event) in stored.iter().enumerate() {
            assert_eq!(held_event.event.seq, idx as u64 + 1);
            prev = chain_hash(
                &prev,
                &held_event.event.canonical_bytes().expect("canonical"),
            );
            assert_eq!(hex(&prev), held_event.hash, "seq {}", idx + 1);
        }
        assert_eq!(
            hex(&prev),
            events[events.len() - 1].hash,
            "the chain ends at the client's head"
        );
        let head = store
            .device(&device.device_id)
            .await
            .expect("q")
            .expect("device");
        assert_eq!(head.head_seq, N_EVENTS_PER_DEVICE);
    }
    n_kills
}

#[tokio::test]
async fn sigkill_loses_and_duplicates_nothing_on_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let envs = vec![(
        "CLINIC_VAULT_SERVER_DATA_DIR".to_owned(),
        data.display().to_string(),
    )];
    std::fs::create_dir_all(&data).expect("data dir");
    let store = clinic_vault_server::store::sqlite::SqliteStore::open(&data.join("server.db"))
        .expect("open");
    let n_kills = push_through_kills(envs, Arc::new(store), 12).await;
    assert!(n_kills >= 5, "only {n_kills} kills");
}

#[tokio::test]
async fn sigkill_loses_and_duplicates_nothing_on_postgres() {
    let cluster = crate::pg::PgCluster::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let envs = vec![
        (
            "CLINIC_VAULT_SERVER_DATA_DIR".to_owned(),
            dir.path().join("data").display().to_string(),
        ),
        (
            "CLINIC_VAULT_SERVER_DATABASE_URL".to_owned(),
            cluster.url.clone(),
        ),
    ];
    let store =
        clinic_vault_server::store::postgres::PgStore::connect(&cluster.url, 2).expect("pool");
    let n_kills = push_through_kills(envs, Arc::new(store), 15).await;
    assert!(n_kills >= 5, "only {n_kills} kills");
}
