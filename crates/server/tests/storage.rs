//! The storage suite: every backend must pass these same checks. It runs on SQLite here;
//! other backends call [`suite`] with their own store.

use std::sync::Arc;

use clinic_vault_proto::ed25519_dalek::SigningKey;
use clinic_vault_proto::{genesis_hash, EventBatch};
use clinic_vault_server::chain::{prepare, Refusal};
use clinic_vault_server::store::sqlite::SqliteStore;
use clinic_vault_server::store::{
    AlertQuery, AuditQuery, EnrollError, EnrollRefusal, IngestError, NewAlert, NewDevice, Store,
};

use crate::common::{hex, TestDevice, T0};

const HOUR: i64 = 3_600_000_000;

fn new_device(device: &TestDevice) -> NewDevice {
    NewDevice {
        device_id: device.device_id.clone(),
        vault_id: device.vault_id.clone(),
        public_key: hex(device.key.verifying_key().as_bytes()),
        genesis: genesis_hash(&device.vault_id),
    }
}

async fn enroll(store: &dyn Store, device: &TestDevice, token: &[u8; 32]) {
    store
        .create_enroll_token("Room 2", token, T0 + HOUR, T0)
        .await
        .expect("token");
    store
        .enroll(token, new_device(device), T0)
        .await
        .expect("enroll");
}

pub async fn suite(shared: Arc<dyn Store>) {
    let store = shared.as_ref();
    let (_, latest) = store.migrate().await.expect("migrate");
    assert_eq!(
        store.migrate().await.expect("again"),
        (latest, latest),
        "idempotent"
    );
    let status = store.schema_status().await.expect("status");
    assert_eq!(status.current, status.latest);
    store.ping().await.expect("ping");
    tokens_and_enrollment(store).await;
    nonces(store).await;
    ingest(store).await;
    search(store).await;
    blob_holds(store).await;
    crate::admin_store::last_received(store).await;
    crate::alerts_store::suite(Arc::clone(&shared)).await;
}

async fn tokens_and_enrollment(store: &dyn Store) {
    store
        .create_admin_token("it", &[1; 32], T0)
        .await
        .expect("admin");
    assert_eq!(
        store.admin_by_token(&[1; 32]).await.expect("q"),
        Some("it".into())
    );
    assert_eq!(store.admin_by_token(&[2; 32]).await.expect("q"), None);

    let device = TestDevice::new(0x31);
    let refused = |r: Result<_, EnrollError>| match r {
        Err(EnrollError::Refused(refusal)) => Some(refusal),
        _ => None,
    };
    assert_eq!(
        refused(store.enroll(&[9; 32], new_device(&device), T0).await),
        Some(EnrollRefusal::UnknownToken)
    );
    store
        .create_enroll_token("Room 1", &[3; 32], T0 + HOUR, T0)
        .await
        .expect("token");
    assert_eq!(
        refused(store.enroll(&[3; 32], new_device(&device), T0 + HOUR).await),
        Some(EnrollRefusal::ExpiredToken)
    );
    let enrolled = store
        .enroll(&[3; 32], new_device(&device), T0 + 1)
        .await
        .expect("enroll");
    assert_eq!(enrolled.workstation, "Room 1");
    assert_eq!(enrolled.head_seq, 0);
    assert_eq!(enrolled.head_hash, hex(&genesis_hash(&device.vault_id)));
    assert_eq!(
        store.device(&device.device_id).await.expect("q"),
        Some(enrolled.clone())
    );
    // The same device under the same key asking again (its answer was lost) gets the
    // same registration, with the token it spent or a fresh one, even after expiry.
    assert_eq!(
        store
            .enroll(&[3; 32], new_device(&device), T0 + HOUR + 2)
            .await
            .expect("asked again"),
        enrolled
    );
    // Another device cannot use the spent token.
    let third = TestDevice::new(0x33);
    assert_eq!(
        refused(store.enroll(&[3; 32], new_device(&third), T0 + 2).await),
        Some(EnrollRefusal::SpentToken)
    );
    // A second token cannot take over an enrolled device id under another key, and is
    // not spent by trying.
    store
        .create_enroll_token("Room 1", &[4; 32], T0 + HOUR, T0)
        .await
        .expect("token");
    let mut thief = TestDevice::new(0x31);
    thief.key = SigningKey::from_bytes(&[0x99; 32]);
    assert_eq!(
        refused(store.enroll(&[4; 32], new_device(&thief), T0 + 2).await),
        Some(EnrollRefusal::DeviceExists)
    );
    // Nor is a spent token someone else's way in under this device id.
    assert_eq!(
        refused(store.enroll(&[3; 32], new_device(&thief), T0 + 2).await),
        Some(EnrollRefusal::DeviceExists)
    );
    // The same key with a fresh token: the same registration; that token is spent.
    store
        .create_enroll_token("Room 1", &[0x45; 32], T0 + HOUR, T0)
        .await
        .expect("token");
    assert_eq!(
        store
            .enroll(&[0x45; 32], new_device(&device), T0 + 2)
            .await
            .expect("asked again with a fresh token"),
        enrolled
    );
    assert_eq!(
        refused(store.enroll(&[0x45; 32], new_device(&third), T0 + 3).await),
        Some(EnrollRefusal::SpentToken)
    );
    let other = TestDevice::new(0x32);
    store
        .enroll(&[4; 32], new_device(&other), T0 + 3)
        .await
        .expect("the token was not spent");
    assert!(store
        .revoke_device(&other.device_id, T0 + 4)
        .await
        .expect("revoke"));
    assert!(!store
        .revoke_device(&other.device_id, T0 + 5)
        .await
        .expect("twice"));
    // A revoked device does not come back, not even under its own key.
    store
        .create_enroll_token("Room 2", &[0x46; 32], T0 + HOUR, T0)
        .await
        .expect("token");
    assert_eq!(
        refused(store.enroll(&[0x46; 32], new_device(&other), T0 + 6).await),
        Some(EnrollRefusal::DeviceExists)
    );
    assert_eq!(
        refused(store.enroll(&[4; 32], new_device(&other), T0 + 6).await),
        Some(EnrollRefusal::DeviceExists),
        "nor with the token it spent"
    );
    let devices = store.devices().await.expect("devices");
    assert_eq!(devices.len(), 2);
    assert_eq!(devices[1].revoked_us, Some(T0 + 4));

    // A retry racing its first try (two tokens, one key, at once): one registration,
    // both answered with it.
    let racer = TestDevice::new(0x34);
    for token in [0x47, 0x48] {
        store
            .create_enroll_token("Room 4", &[token; 32], T0 + HOUR, T0)
            .await
            .expect("token");
    }
    let (a, b) = tokio::join!(
        store.enroll(&[0x47; 32], new_device(&racer), T0 + 7),
        store.enroll(&[0x48; 32], new_device(&racer), T0 + 7)
    );
    assert_eq!(a.expect("first"), b.expect("second"));
    assert_eq!(store.devices().await.expect("devices").len(), 3);
}

async fn nonces(store: &dyn Store) {
    let a = "aa".repeat(16);
    assert!(store.spend_nonce("d1", &a, T0 + 100, T0).await.expect("q"));
    assert!(!store
        .spend_nonce("d1", &a, T0 + 100, T0 + 1)
        .await
        .expect("q"));
    assert!(store
        .spend_nonce("d2", &a, T0 + 100, T0 + 1)
        .await
        .expect("per device"));
    // Once expired, the nonce is pruned; a request that old is refused by its timestamp.
    assert!(store
        .spend_nonce("d1", &a, T0 + 300, T0 + 101)
        .await
        .expect("pruned"));
}

async fn ingest(store: &dyn Store) {
    let mut device = TestDevice::new(0x33);
    enroll(store, &device, &[5; 32]).await;
    let id = device.device_id.clone();
    let first = device.next_events(5);
    let prepared = |events: &[clinic_vault_proto::ChainedEvent]| {
        prepare(
            &id,
            EventBatch {
                events: events.to_vec(),
            },
            100,
        )
        .expect("well formed")
    };
    let stored = store
        .ingest(&id, prepared(&first), T0)
        .await
        .expect("ingest");
    assert_eq!((stored.head_seq, stored.n_stored), (5, 5));
    assert_eq!(hex(&stored.head_hash), first[4].hash);
    // A retry, and a retry overlapping new events, store each event once.
    let again = store
        .ingest(&id, prepared(&first), T0)
        .await
        .expect("retry");
    assert_eq!((again.head_seq, again.n_stored), (5, 0));
    let more = device.next_events(3);
    let overlap: Vec<_> = first[3..].iter().chain(&more).cloned().collect();
    let stored = store
        .ingest(&id, prepared(&overlap), T0)
        .await
        .expect("overlap");
    assert_eq!((stored.head_seq, stored.n_stored), (8, 3));
    // A gap and a fork store nothing.
    let ahead = device.next_events(4);
    let gap = store.ingest(&id, prepared(&ahead[2..]), T0).await;
    assert!(
        matches!(
            gap,
            Err(IngestError::Refused(Refusal::Gap {
                expected: 9,
                seq: 11
            }))
        ),
        "{gap:?}"
    );
    // The same seqs from another history (another vault's genesis): a fork.
    let mut other_history = TestDevice::new(0x33);
    other_history.vault_id = "5b0c8a6e-1111-4222-8333-000000000000".into();
    other_history.prev = genesis_hash(&other_history.vault_id);
    let other = other_history.next_events(2);
    let fork = store.ingest(&id, prepared(&other), T0).await;
    assert!(
        matches!(fork, Err(IngestError::Refused(Refusal::Fork { seq: 1 }))),
        "{fork:?}"
    );
    let hashes = store.chain_hashes(&id).await.expect("hashes");
    assert_eq!(hashes.len(), 8, "nothing of the refused batches was stored");
    assert_eq!(
        store
            .device(&id)
            .await
            .expect("q")
            .expect("device")
            .head_seq,
        8
    );
    store
        .record_alert(&NewAlert {
            time_us: T0,
            device_id: id.clone(),
            code: "chain_fork".into(),
            seq: Some(1),
            ..NewAlert::default()
        })
        .await
        .expect("alert");
    let alerts = store
        .alerts(&AlertQuery {
            limit: 1,
            ..AlertQuery::default()
        })
        .await
        .expect("alerts");
    assert_eq!(
        alerts.first().map(|a| (a.code.as_str(), a.seq)),
        Some(("chain_fork", Some(1)))
    );
}

async fn search(store: &dyn Store) {
    let device_id = TestDevice::new(0x33).device_id;
    let all = store
        .search(&AuditQuery {
            limit: 100,
            ..AuditQuery::default()
        })
        .await
        .expect("search");
    assert_eq!(all.len(), 8);
    assert!(all
        .windows(2)
        .all(|w| w[0].event.time_us <= w[1].event.time_us));
    let by = |q: AuditQuery| async move {
        store
            .search(&AuditQuery { limit: 100, ..q })
            .await
            .expect("search")
            .iter()
            .map(|e| e.event.seq)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        by(AuditQuery {
            actor: Some("rita".into()),
            ..AuditQuery::default()
        })
        .await,
        [2, 4, 6, 8]
    );
    assert_eq!(
        by(AuditQuery {
            patient_id: Some("patient-3".into()),
            ..AuditQuery::default()
        })
        .await,
        [3]
    );
    assert_eq!(
        by(AuditQuery {
            action: Some("patient.view".into()),
            ..AuditQuery::default()
        })
        .await,
        [3, 6]
    );
    assert_eq!(
        by(AuditQuery {
            outcome: Some("failure".into()),
            ..AuditQuery::default()
        })
        .await,
        [4, 8]
    );
    assert_eq!(
        by(AuditQuery {
            from_us: Some(T0 + 3),
            to_us: Some(T0 + 6),
            ..AuditQuery::default()
        })
        .await,
        [3, 4, 5]
    );
    assert_eq!(
        by(AuditQuery {
            device_id: Some(device_id),
            ..AuditQuery::default()
        })
        .await
        .len(),
        8
    );
    assert_eq!(
        by(AuditQuery {
            device_id: Some("nobody".into()),
            ..AuditQuery::default()
        })
        .await,
        [] as [u64; 0]
    );
    let page = store
        .search(&AuditQuery {
            limit: 3,
            offset: 6,
            ..AuditQuery::default()
        })
        .await
        .expect("page");
    assert_eq!(page.iter().map(|e| e.event.seq).collect::<Vec<_>>(), [7, 8]);
    assert_eq!(all[0].hash.len(), 64);
}

async fn blob_holds(store: &dyn Store) {
    let hash = "ab".repeat(32);
    assert!(store.hold_blob(&hash, "d1", 10, T0).await.expect("hold"));
    assert!(!store.hold_blob(&hash, "d1", 10, T0).await.expect("again"));
    assert!(store
        .hold_blob(&hash, "d2", 10, T0)
        .await
        .expect("other device"));
    assert_eq!(store.held_blob(&hash, "d1").await.expect("q"), Some(10));
    assert_eq!(store.held_blob(&hash, "d3").await.expect("q"), None);
    let release = store.release_blob(&hash, "d1").await.expect("release");
    assert!(release.was_held && release.n_remaining == 1);
    let release = store.release_blob(&hash, "d1").await.expect("again");
    assert!(!release.was_held);
    let release = store.release_blob(&hash, "d2").await.expect("last");
    assert!(release.was_held && release.n_remaining == 0);
}

#[tokio::test]
async fn sqlite_passes_the_storage_suite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqliteStore::open(&dir.path().join("server.db")).expect("open");
    suite(Arc::new(store)).await;
}

#[tokio::test]
async fn sqlite_refuses_a_newer_schema() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("server.db");
    let store = SqliteStore::open(&path).expect("open");
    store.migrate().await.expect("migrate");
    let conn = rusqlite::Connection::open(&path).expect("open");
    conn.pragma_update(None, "user_version", 99).expect("bump");
    let refused = store.migrate().await;
    assert!(
        matches!(
            refused,
            Err(clinic_vault_server::store::StoreError::SchemaTooNew { found: 99, .. })
        ),
        "{refused:?}"
    );
}
