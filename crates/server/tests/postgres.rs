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

/// PostgreSQL's schema v1 → v2 (the alerts' columns, each device's last accepted batch,
/// the webhook queue): a store populated at v1 (the rows v1's code wrote) upgrades with
/// its events, heads and refusals intact, in one transaction, and ingest raises alerts
/// afterwards.
#[tokio::test]
async fn postgres_store_upgrades_from_version_1() {
    use clinic_vault_server::store::postgres::MIGRATIONS;
    use clinic_vault_server::store::{AlertQuery, Store};

    let cluster = PgCluster::start();
    let (client, connection) = tokio_postgres::connect(&cluster.url, tokio_postgres::NoTls)
        .await
        .expect("connect");
    tokio::spawn(connection);
    client
        .batch_execute(MIGRATIONS[0])
        .await
        .expect("version 1");
    client
        .batch_execute(
            "CREATE TABLE clinic_vault_schema (version INTEGER NOT NULL); \
             INSERT INTO clinic_vault_schema (version) VALUES (1)",
        )
        .await
        .expect("schema row");
    let mut device = TestDevice::new(0x91);
    let genesis = clinic_vault_proto::genesis_hash(&device.vault_id);
    client
        .execute(
            "INSERT INTO devices (device_id, vault_id, workstation, public_key, enrolled_us, \
             head_seq, head_hash) VALUES ($1, $2, 'Room', 'k', $3, 0, $4)",
            &[
                &device.device_id,
                &device.vault_id,
                &T0,
                &genesis.as_slice(),
            ],
        )
        .await
        .expect("device");
    let events = device.next_events(12);
    for chained in &events {
        let e = &chained.event;
        let canonical = String::from_utf8(e.canonical_bytes().expect("canonical")).expect("utf-8");
        let hash = chained.claimed_hash().expect("hash");
        client
            .execute(
                "INSERT INTO audit_events (device_id, seq, event_id, time_us, actor, action, \
                 patient_id, outcome, canonical, hash, received_us) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                &[
                    &e.device_id,
                    &(e.seq as i64),
                    &e.id,
                    &e.time_us,
                    &e.actor,
                    &e.action,
                    &e.patient_id,
                    &e.outcome,
                    &canonical,
                    &hash.as_slice(),
                    &(T0 + 5),
                ],
            )
            .await
            .expect("event");
    }
    let head = events.last().expect("events").claimed_hash().expect("hash");
    client
        .execute(
            "UPDATE devices SET head_seq = 12, head_hash = $1 WHERE device_id = $2",
            &[&head.as_slice(), &device.device_id],
        )
        .await
        .expect("head");
    client
        .execute(
            "INSERT INTO alerts (time_us, device_id, kind, seq) VALUES ($1, $2, 'chain_gap', 14)",
            &[&T0, &device.device_id],
        )
        .await
        .expect("alert");

    let store = PgStore::connect(&cluster.url, 2).expect("pool");
    let status = store.schema_status().await.expect("status");
    assert_eq!((status.current, status.latest), (1, 2));
    let hashes_before = store.chain_hashes(&device.device_id).await.expect("hashes");
    assert_eq!(store.migrate().await.expect("migrate"), (1, 2));
    assert_eq!(store.migrate().await.expect("again"), (2, 2));
    assert_eq!(
        store.chain_hashes(&device.device_id).await.expect("hashes"),
        hashes_before
    );
    let held = store
        .device(&device.device_id)
        .await
        .expect("device")
        .expect("known");
    assert_eq!(held.head_seq, 12);
    let alerts = store
        .alerts(&AlertQuery {
            limit: 10,
            ..AlertQuery::default()
        })
        .await
        .expect("alerts");
    let kept: Vec<_> = alerts
        .iter()
        .map(|a| (a.code.as_str(), a.seq, a.acknowledged_us))
        .collect();
    assert_eq!(kept, [("chain_gap", Some(14), None)]);
    let activity = store.activity().await.expect("activity");
    assert_eq!(
        activity[0].last_seen_us,
        T0 + 5,
        "the newest event's arrival"
    );
    // Ingest continues from the held head at version 2, and raises alerts.
    let mut more = device.next_events(1);
    more[0].event.action = "user.add".into();
    let canonical = more[0].event.canonical_bytes().expect("canonical");
    more[0].hash = crate::common::hex(&clinic_vault_proto::chain_hash(&head, &canonical));
    let batch = clinic_vault_server::chain::prepare(
        &device.device_id,
        clinic_vault_proto::EventBatch { events: more },
        10,
    )
    .expect("batch");
    let stored = store
        .ingest(&device.device_id, batch, T0 + 10)
        .await
        .expect("ingest");
    assert_eq!(stored.head_seq, 13);
    assert_eq!(stored.raised.len(), 1);
    assert_eq!(stored.raised[0].code, "alert_action");
}
