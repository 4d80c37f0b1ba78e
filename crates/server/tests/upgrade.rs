//! The SQLite store's forward migration from version 1 (audit events in a WITHOUT ROWID
//! table) to version 2 (a rowid table in arrival order, the (device, seq) key a unique
//! index): a store populated at version 1 upgrades with every event, hash, search
//! answer, blob hold and alert intact, and ingest continues from the held heads.

use clinic_vault_proto::{genesis_hash, ChainedEvent, EventBatch};
use clinic_vault_server::chain::{prepare, Refusal};
use clinic_vault_server::store::sqlite::{configure, SqliteStore, MIGRATIONS};
use clinic_vault_server::store::{Alert, AuditQuery, IngestError, NewDevice, Store};

use crate::common::{hex, TestDevice, T0};

const HOUR: i64 = 3_600_000_000;

fn batch(device: &TestDevice, events: &[ChainedEvent]) -> clinic_vault_server::chain::Prepared {
    prepare(
        &device.device_id,
        EventBatch {
            events: events.to_vec(),
        },
        1_000,
    )
    .expect("well formed")
}

async fn enroll(store: &dyn Store, device: &TestDevice, token: u8) {
    store
        .create_enroll_token("Room 1", &[token; 32], T0 + HOUR, T0)
        .await
        .expect("token");
    store
        .enroll(
            &[token; 32],
            NewDevice {
                device_id: device.device_id.clone(),
                vault_id: device.vault_id.clone(),
                public_key: hex(device.key.verifying_key().as_bytes()),
                genesis: genesis_hash(&device.vault_id),
            },
            T0,
        )
        .await
        .expect("enroll");
}

/// The device's chain from seq 1 to `upto`, its hashes recomputed; `tweak` names a seq
/// whose actor is changed.
fn chain(device: &TestDevice, upto: u64, tweak: Option<u64>) -> Vec<ChainedEvent> {
    let mut prev = genesis_hash(&device.vault_id);
    (1..=upto)
        .map(|seq| {
            let mut event = device.event(seq);
            if tweak == Some(seq) {
                event.actor = "mallory".into();
            }
            prev =
                clinic_vault_proto::chain_hash(&prev, &event.canonical_bytes().expect("canonical"));
            ChainedEvent {
                event,
                hash: hex(&prev),
            }
        })
        .collect()
}

/// Everything a search, a chain check and the holds answer, to compare across versions.
async fn snapshot(store: &dyn Store, devices: &[&TestDevice]) -> Vec<String> {
    let mut out = Vec::new();
    for device in devices {
        out.push(format!("{:?}", store.chain_hashes(&device.device_id).await));
        out.push(format!("{:?}", store.device(&device.device_id).await));
    }
    let queries = [
        AuditQuery::default(),
        AuditQuery {
            actor: Some("rita".into()),
            ..AuditQuery::default()
        },
        AuditQuery {
            patient_id: Some("patient-3".into()),
            ..AuditQuery::default()
        },
        AuditQuery {
            action: Some("patient.view".into()),
            from_us: Some(T0 + 5),
            to_us: Some(T0 + 25),
            ..AuditQuery::default()
        },
        AuditQuery {
            outcome: Some("failure".into()),
            device_id: Some(devices[0].device_id.clone()),
            ..AuditQuery::default()
        },
    ];
    for query in queries {
        let query = AuditQuery {
            limit: 1_000,
            ..query
        };
        out.push(format!("{:?}", store.search(&query).await));
    }
    out.push(format!(
        "{:?}",
        store.held_blob(&"ab".repeat(32), "d1").await
    ));
    out.push(format!("{:?}", store.alerts().await));
    out
}

#[tokio::test]
async fn sqlite_store_upgrades_from_version_1() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("server.db");
    {
        let conn = rusqlite::Connection::open(&path).expect("open");
        configure(&conn).expect("pragmas");
        conn.execute_batch(MIGRATIONS[0]).expect("version 1");
        conn.pragma_update(None, "user_version", 1)
            .expect("version");
    }
    let store = SqliteStore::open(&path).expect("open");
    let status = store.schema_status().await.expect("status");
    assert_eq!((status.current, status.latest), (1, 2));

    // Populated at version 1: the statements the store runs are valid on both versions.
    let mut a = TestDevice::new(0x51);
    let mut b = TestDevice::new(0x52);
    enroll(&store, &a, 1).await;
    enroll(&store, &b, 2).await;
    for _ in 0..3 {
        let events = a.next_events(10);
        store
            .ingest(&a.device_id, batch(&a, &events), T0)
            .await
            .expect("a");
        let events = b.next_events(4);
        store
            .ingest(&b.device_id, batch(&b, &events), T0)
            .await
            .expect("b");
    }
    let hash = "ab".repeat(32);
    assert!(store.hold_blob(&hash, "d1", 42, T0).await.expect("hold"));
    let alert = Alert {
        time_us: T0,
        device_id: a.device_id.clone(),
        kind: "chain_fork".into(),
        seq: Some(3),
    };
    store.record_alert(&alert).await.expect("alert");
    let before = snapshot(&store, &[&a, &b]).await;

    assert_eq!(store.migrate().await.expect("migrate"), (1, 2));
    let status = store.schema_status().await.expect("status");
    assert_eq!((status.current, status.latest), (2, 2));
    assert_eq!(snapshot(&store, &[&a, &b]).await, before);
    assert_eq!(store.chain_hashes(&a.device_id).await.expect("a").len(), 30);
    let conn = rusqlite::Connection::open(&path).expect("open");
    let table_sql: String = conn
        .query_row(
            "SELECT sql FROM sqlite_master WHERE name = 'audit_events'",
            [],
            |row| row.get(0),
        )
        .expect("table");
    assert!(
        table_sql.contains("event_no INTEGER PRIMARY KEY"),
        "{table_sql}"
    );
    assert!(!table_sql.contains("WITHOUT ROWID"), "{table_sql}");

    // Ingest continues from the held head; a retry stores nothing again; a fork of a held
    // event is refused, through the unique (device, seq) key's lookups.
    let held = chain(&a, 30, None);
    let more = a.next_events(5);
    let overlap: Vec<ChainedEvent> = held[25..].iter().chain(&more).cloned().collect();
    let stored = store
        .ingest(&a.device_id, batch(&a, &overlap), T0 + 1)
        .await
        .expect("continue");
    assert_eq!((stored.head_seq, stored.n_stored), (35, 5));
    let again = store
        .ingest(&a.device_id, batch(&a, &overlap), T0 + 2)
        .await
        .expect("retry");
    assert_eq!((again.head_seq, again.n_stored), (35, 0));
    // Seq 29 again with another actor, its chain hash recomputed: well formed, but not
    // the event held.
    let forked = chain(&a, 30, Some(29))[28..].to_vec();
    let refused = store.ingest(&a.device_id, batch(&a, &forked), T0 + 3).await;
    assert!(
        matches!(
            refused,
            Err(IngestError::Refused(Refusal::Fork { seq: 29, .. }))
        ),
        "{refused:?}"
    );
    assert_eq!(store.chain_hashes(&a.device_id).await.expect("a").len(), 35);
}
