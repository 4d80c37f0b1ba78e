//! PostgreSQL 15: the same storage suite on a private cluster, and two server instances
//! on one database: a request replayed to the second is refused (the nonce is spent in
//! the shared store), the same batch sent to both at once is stored once, and both sign
//! receipts with the one key.

use std::sync::Arc;

use axum::http::StatusCode;
use clinic_vault_proto::{parse_public_key, BatchAnswer};
use clinic_vault_server::store::postgres::PgStore;
use clinic_vault_server::ManualClock;

use crate::common::{send, settings_in, Now, TestDevice, T0};
use crate::pg::PgCluster;

#[tokio::test]
async fn postgres_passes_the_storage_suite() {
    let cluster = PgCluster::start();
    let store = PgStore::connect(&cluster.url, 4).expect("pool");
    crate::storage::suite(Arc::new(store)).await;
}

#[tokio::test]
async fn two_instances_share_replay_protection_and_chains() {
    let cluster = PgCluster::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let clock = Arc::new(ManualClock::at(T0));
    let instance = |name: &str| {
        let mut settings = settings_in(&dir.path().join(name));
        settings.database_url = cluster.url.clone();
        settings.signing_key_file = dir.path().join("signing.key");
        settings
    };
    let (settings_a, settings_b) = (instance("a"), instance("b"));
    let a = clinic_vault_server::serve::state(&settings_a, clock.clone())
        .await
        .expect("a");
    let b = clinic_vault_server::serve::state(&settings_b, clock.clone())
        .await
        .expect("b");
    let (app_a, app_b) = (
        clinic_vault_server::app(a.clone()),
        clinic_vault_server::app(b),
    );

    let token = clinic_vault_server::tokens::new_token("cvenroll_");
    a.store
        .create_enroll_token(
            "Room 9",
            &clinic_vault_server::tokens::token_hash(&token),
            T0 + 60_000_000,
            T0,
        )
        .await
        .expect("token");
    let mut device = TestDevice::new(51);
    let (status, answer) = send(&app_b, device.enroll_request(&token, clock.now())).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let server_key =
        parse_public_key(answer["server_public_key"].as_str().expect("key")).expect("key");

    let events = device.next_events(20);
    let nonce = device.nonce();
    let body = clinic_vault_proto::to_canonical(&clinic_vault_proto::EventBatch {
        events: events[..10].to_vec(),
    })
    .expect("canonical");
    let first = device.signed_with(
        "POST",
        "/v1/audit/batches",
        body.clone(),
        clock.now(),
        &nonce,
    );
    let (status, answer) = send(&app_a, first).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let replay = device.signed_with("POST", "/v1/audit/batches", body, clock.now(), &nonce);
    let (status, answer) = send(&app_b, replay).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("replayed_request"))
    );

    // The same next batch to both instances at once: stored once, both answer the head.
    let to_a = device.batch_request(&events[10..], clock.now());
    let to_b = device.batch_request(&events[10..], clock.now());
    let ((status_a, body_a), (status_b, body_b)) =
        tokio::join!(send(&app_a, to_a), send(&app_b, to_b));
    assert_eq!(
        (status_a, status_b),
        (StatusCode::OK, StatusCode::OK),
        "{body_a} {body_b}"
    );
    let (answer_a, answer_b): (BatchAnswer, BatchAnswer) = (
        serde_json::from_value(body_a).expect("a"),
        serde_json::from_value(body_b).expect("b"),
    );
    assert_eq!((answer_a.held_seq, answer_b.held_seq), (20, 20));
    assert_eq!(
        answer_a.n_stored + answer_b.n_stored,
        10,
        "each event stored once"
    );
    answer_a.head.verify(&server_key).expect("a's receipt");
    answer_b.head.verify(&server_key).expect("b's receipt");
    let hashes = a
        .store
        .chain_hashes(&device.device_id)
        .await
        .expect("hashes");
    assert_eq!(hashes.len(), 20);
    assert_eq!(crate::common::hex(&hashes[19].1), events[19].hash);
}
