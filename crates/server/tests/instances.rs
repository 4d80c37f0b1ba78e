//! Two server processes on one PostgreSQL and one S3 endpoint (`s3s-fs` on loopback),
//! sharing one signing key: a device enrolls through one and alternates its batches
//! between them, each batch also sent again to the other (sometimes at the same time):
//! every event is stored exactly once. A signed request replayed to the other instance
//! is refused (the nonce is spent in the shared store), and so is a fork. Then two
//! devices race blob uploads and deletes of one hash through both instances: the blob's
//! advisory lock serialises them, so no hold is left without its object and no object
//! outlives its last hold. (With the advisory lock taken out, a run of this test left a
//! hold without its object in round 62 of the 150.)

use axum::http::StatusCode;
use clinic_vault_proto::{
    chain_hash, genesis_hash, to_canonical, BatchAnswer, ChainedEvent, EventBatch,
};
use clinic_vault_server::store::postgres::PgStore;
use clinic_vault_server::store::Store;
use clinic_vault_server::Blobs;
use sha2::{Digest, Sha256};

use crate::common::{hex, send_tcp, TestDevice};
use crate::pg::PgCluster;
use crate::proc::{command, ServerProcess};

fn now_us() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .expect("after 1970")
}

const N_BATCHES: u64 = 16;
const BATCH: u64 = 50;
const BLOB_ROUNDS: usize = 150;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_server_processes_share_chains_nonces_and_blob_locks() {
    let cluster = PgCluster::start();
    let s3 = crate::s3::start().await;
    let s3_settings = crate::s3::settings(&s3);
    let dir = tempfile::tempdir().expect("tempdir");
    let envs = |name: &str| -> Vec<(String, String)> {
        [
            ("DATA_DIR", dir.path().join(name).display().to_string()),
            ("DATABASE_URL", cluster.url.clone()),
            ("DATABASE_POOL_SIZE", "8".to_owned()),
            (
                "SIGNING_KEY_FILE",
                dir.path().join("signing.key").display().to_string(),
            ),
            ("S3_ENDPOINT", s3_settings.s3_endpoint.clone()),
            ("S3_BUCKET", s3_settings.s3_bucket.clone()),
            ("S3_ACCESS_KEY_ID", s3_settings.s3_access_key_id.clone()),
            (
                "S3_SECRET_ACCESS_KEY",
                s3_settings.s3_secret_access_key.clone(),
            ),
            ("S3_ALLOW_HTTP", "true".to_owned()),
            // The test sends as fast as it can; tests/limits.rs is about the limits.
            ("LIMITS_IP_PER_SECOND", "0".to_owned()),
            ("LIMITS_DEVICE_PER_SECOND", "0".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (format!("CLINIC_VAULT_SERVER_{k}"), v))
        .collect()
    };
    command(&envs("a"), &["migrate"]);
    let token = command(
        &envs("a"),
        &["enroll-token", "create", "--name", "Room 9", "--ttl", "1h"],
    );
    let token_c = command(
        &envs("b"),
        &["enroll-token", "create", "--name", "Room 10", "--ttl", "1h"],
    );
    // One after the other: the first creates the shared signing key.
    let a = ServerProcess::start(&envs("a")).await;
    let b = ServerProcess::start(&envs("b")).await;
    let instances = [a.addr, b.addr];

    let mut device = TestDevice::new(61);
    let (status, _, answer) = send_tcp(b.addr, device.enroll_request(&token, now_us())).await;
    assert_eq!(status, StatusCode::OK, "{answer}");

    // Alternating batches, each sent again to the other instance (every other round at
    // the same time): stored once.
    let mut n_stored = 0;
    for round in 0..N_BATCHES {
        let events = device.next_events(BATCH);
        let here = instances[(round % 2) as usize];
        let there = instances[((round + 1) % 2) as usize];
        let first = device.batch_request(&events, now_us());
        let again = device.batch_request(&events, now_us());
        let (one, other) = if round % 4 == 1 {
            tokio::join!(send_tcp(here, first), send_tcp(there, again))
        } else {
            let one = send_tcp(here, first).await;
            (one, send_tcp(there, again).await)
        };
        for (status, _, body) in [&one, &other] {
            assert_eq!(*status, StatusCode::OK, "round {round}: {body}");
            let answer: BatchAnswer = serde_json::from_value(body.clone()).expect("answer");
            assert_eq!(answer.held_seq, (round + 1) * BATCH);
            n_stored += answer.n_stored;
        }
    }
    assert_eq!(
        n_stored,
        N_BATCHES * BATCH,
        "each event stored by one instance"
    );

    // A replay to the other instance is refused.
    let body = to_canonical(&EventBatch {
        events: device.next_events(3),
    })
    .expect("canonical");
    let nonce = device.nonce();
    let at = now_us();
    let signed =
        |d: &TestDevice| d.signed_with("POST", "/v1/audit/batches", body.clone(), at, &nonce);
    let (status, _, answer) = send_tcp(a.addr, signed(&device)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let (status, _, answer) = send_tcp(b.addr, signed(&device)).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("replayed_request"))
    );
    let held = N_BATCHES * BATCH + 3;

    // A fork (another event 5) is refused by either.
    let mut prev = genesis_hash(&device.vault_id);
    let mut forked = Vec::new();
    for seq in 1..=5 {
        let mut event = device.event(seq);
        if seq == 5 {
            event.actor = "mallory".into();
        }
        prev = chain_hash(&prev, &event.canonical_bytes().expect("canonical"));
        forked.push(ChainedEvent {
            event,
            hash: hex(&prev),
        });
    }
    for addr in instances {
        let (status, _, answer) = send_tcp(addr, device.batch_request(&forked, now_us())).await;
        assert_eq!(
            (status, answer["error"].as_str()),
            (StatusCode::CONFLICT, Some("chain_fork")),
            "{answer}"
        );
    }

    let store = PgStore::connect(&cluster.url, 2).expect("pool");
    let hashes = store.chain_hashes(&device.device_id).await.expect("hashes");
    let seqs: Vec<u64> = hashes.iter().map(|(seq, _)| *seq).collect();
    assert_eq!(
        seqs,
        (1..=held).collect::<Vec<_>>(),
        "every event once, in order"
    );
    assert_eq!(
        hashes.last().map(|(_, h)| hex(h)),
        Some(hex(&device.prev)),
        "the chain ends at the device's own head"
    );

    // Blob PUTs and DELETEs of one hash, racing through both instances.
    let mut other = TestDevice::new(62);
    let (status, _, answer) = send_tcp(a.addr, other.enroll_request(&token_c, now_us())).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let blobs = Blobs::from_settings(&s3_settings).expect("s3");
    let content: Vec<u8> = (0..60_000u32).map(|i| (i % 251) as u8).collect();
    let hash = hex(&Sha256::digest(&content));
    let uri = format!("/v1/blobs/{hash}");
    for round in 0..BLOB_ROUNDS {
        let now = now_us();
        let (x, y) = (instances[round % 2], instances[(round + 1) % 2]);
        let requests = vec![
            (x, device.signed("PUT", &uri, content.clone(), now)),
            (y, other.signed("PUT", &uri, content.clone(), now)),
            (y, device.signed("DELETE", &uri, vec![], now)),
            (x, device.signed("PUT", &uri, content.clone(), now)),
            (x, other.signed("DELETE", &uri, vec![], now)),
        ];
        let requests: Vec<_> = if round % 3 == 0 {
            requests.into_iter().rev().collect()
        } else {
            requests
        };
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(requests.len()));
        let tasks: Vec<_> = requests
            .into_iter()
            .map(|(addr, req)| {
                let barrier = barrier.clone();
                tokio::spawn(async move {
                    barrier.wait().await;
                    send_tcp(addr, req).await
                })
            })
            .collect();
        for task in tasks {
            let (status, _, body) = task.await.expect("task");
            assert!(
                [
                    StatusCode::OK,
                    StatusCode::NO_CONTENT,
                    StatusCode::NOT_FOUND
                ]
                .contains(&status),
                "round {round}: {status} {body}"
            );
        }
        let stored = blobs.get(&hash).await.expect("get");
        if let Some(bytes) = &stored {
            assert_eq!(hex(&Sha256::digest(bytes)), hash, "round {round}: whole");
        }
        let mut any_hold = false;
        for (i, holder) in [&mut device, &mut other].into_iter().enumerate() {
            let held = store
                .held_blob(&hash, &holder.device_id)
                .await
                .expect("held");
            any_hold |= held.is_some();
            assert!(
                held.is_none() || stored.is_some(),
                "round {round}: a hold without its object"
            );
            let (status, _, _) =
                send_tcp(instances[i], holder.signed("HEAD", &uri, vec![], now_us())).await;
            let expected = if held.is_some() {
                StatusCode::OK
            } else {
                StatusCode::NOT_FOUND
            };
            assert_eq!(status, expected, "round {round}: HEAD agrees with the hold");
        }
        assert!(
            any_hold || stored.is_none(),
            "round {round}: the object outlived its last hold"
        );
    }
    assert_eq!(a.count_log("\"level\":\"ERROR\""), 0);
    assert_eq!(b.count_log("\"level\":\"ERROR\""), 0);
}
