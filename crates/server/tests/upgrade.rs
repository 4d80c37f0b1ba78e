//! The SQLite store's forward migrations. From version 1 (audit events in a WITHOUT
//! ROWID table) through version 2 (a rowid table in arrival order, the (device, seq) key
//! a unique index) to version 3 (alerts with the rules' fields and acknowledgement, each
//! device's last accepted batch): a store populated at version 1 (rows written as
//! version 1's code wrote them) upgrades with every event, hash, search answer, blob
//! hold and alert intact, and ingest continues from the held heads. From version 2: a
//! store that the version-2 server built (`fixtures/server_v2.db`, committed) upgrades
//! under `clinic-vault-server migrate` killed with SIGKILL at stepped moments, each
//! time left at version 2 or 3 and never in between.

use clinic_vault_proto::{genesis_hash, ChainedEvent, EventBatch};
use clinic_vault_server::chain::{prepare, Refusal};
use clinic_vault_server::store::sqlite::{configure, SqliteStore, MIGRATIONS};
use clinic_vault_server::store::{AlertQuery, AuditQuery, IngestError, NewDevice, Store};

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
    out
}

/// Stores a batch as version 1's ingest did: the rows, then the device's head.
fn insert_v1(conn: &rusqlite::Connection, device: &TestDevice, events: &[ChainedEvent]) {
    for chained in events {
        let e = &chained.event;
        conn.execute(
            "INSERT INTO audit_events (device_id, seq, event_id, time_us, actor, action, \
             patient_id, outcome, canonical, hash, received_us) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            rusqlite::params![
                e.device_id,
                e.seq as i64,
                e.id,
                e.time_us,
                e.actor,
                e.action,
                e.patient_id,
                e.outcome,
                String::from_utf8(e.canonical_bytes().expect("canonical")).expect("utf-8"),
                chained.claimed_hash().expect("hash").to_vec(),
                T0
            ],
        )
        .expect("event row");
    }
    let last = events.last().expect("events");
    conn.execute(
        "UPDATE devices SET head_seq = ?1, head_hash = ?2 WHERE device_id = ?3",
        rusqlite::params![
            last.event.seq as i64,
            last.claimed_hash().expect("hash").to_vec(),
            device.device_id
        ],
    )
    .expect("head");
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
    assert_eq!((status.current, status.latest), (1, 3));

    // Populated at version 1: enrollment and blob holds through the store (their
    // statements are the same on every version), events and an alert as version 1 wrote
    // them.
    let mut a = TestDevice::new(0x51);
    let mut b = TestDevice::new(0x52);
    enroll(&store, &a, 1).await;
    enroll(&store, &b, 2).await;
    {
        let conn = rusqlite::Connection::open(&path).expect("open");
        for _ in 0..3 {
            let events = a.next_events(10);
            insert_v1(&conn, &a, &events);
            let events = b.next_events(4);
            insert_v1(&conn, &b, &events);
        }
        conn.execute(
            "INSERT INTO alerts (time_us, device_id, kind, seq) VALUES (?1, ?2, 'chain_fork', 3)",
            rusqlite::params![T0, a.device_id],
        )
        .expect("alert");
    }
    let hash = "ab".repeat(32);
    assert!(store.hold_blob(&hash, "d1", 42, T0).await.expect("hold"));
    let before = snapshot(&store, &[&a, &b]).await;

    assert_eq!(store.migrate().await.expect("migrate"), (1, 3));
    let status = store.schema_status().await.expect("status");
    assert_eq!((status.current, status.latest), (3, 3));
    assert_eq!(snapshot(&store, &[&a, &b]).await, before);
    let alerts = store
        .alerts(&AlertQuery {
            limit: 10,
            ..AlertQuery::default()
        })
        .await
        .expect("alerts");
    let kept: Vec<_> = alerts
        .iter()
        .map(|a| (a.code.as_str(), a.seq, a.time_us, a.acknowledged_us))
        .collect();
    assert_eq!(kept, [("chain_fork", Some(3), T0, None)]);
    let activity = store.activity().await.expect("activity");
    assert!(
        activity.iter().all(|d| d.last_seen_us == T0),
        "last seen: the newest event's arrival: {activity:?}"
    );
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

/// The committed version-2 store: what the version-2 server (main before schema v3)
/// wrote for `tests/fixtures/make_server_v2.sh`.
const FIXTURE_V2: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/server_v2.db");

/// What the fixture must hold at either version: events per device, the refusal, holds.
fn fixture_figures(conn: &rusqlite::Connection) -> (Vec<(String, i64, i64)>, Vec<String>) {
    let mut stmt = conn
        .prepare(
            "SELECT d.device_id, d.head_seq, (SELECT count(*) FROM audit_events e \
             WHERE e.device_id = d.device_id) FROM devices d ORDER BY d.device_id",
        )
        .expect("devices");
    let devices = stmt
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .expect("rows")
        .collect::<Result<Vec<_>, _>>()
        .expect("devices");
    let mut stmt = conn
        .prepare("SELECT kind FROM alerts ORDER BY alert_id")
        .expect("alerts");
    let alerts = stmt
        .query_map([], |row| row.get(0))
        .expect("rows")
        .collect::<Result<Vec<_>, _>>()
        .expect("alerts");
    (devices, alerts)
}

fn user_version(path: &std::path::Path) -> u32 {
    let conn = rusqlite::Connection::open(path).expect("open");
    conn.pragma_query_value(None, "user_version", |row| row.get(0))
        .expect("version")
}

#[tokio::test]
async fn sqlite_store_upgrades_from_the_version_2_fixture_through_sigkills() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).expect("data dir");
    let path = data.join("server.db");
    std::fs::copy(FIXTURE_V2, &path).expect("fixture");
    assert_eq!(user_version(&path), 2, "the fixture is a version-2 store");
    let expected = fixture_figures(&rusqlite::Connection::open(&path).expect("open"));
    assert!(!expected.0.is_empty() && expected.0.iter().all(|d| d.1 == d.2 && d.1 > 0));
    assert_eq!(expected.1, ["chain_fork"], "the fixture's refused batch");

    // `migrate` killed after 0, 1, 2, … ms: each kill leaves version 2 or 3, whole.
    let (mut n_left_at_2, mut n_kills) = (0, 0);
    for delay_ms in 0..200u64 {
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_clinic-vault-server"))
            .arg("migrate")
            .env("CLINIC_VAULT_SERVER_DATA_DIR", &data)
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn");
        // Not a wait for the clock: the moment of the kill, stepped.
        tokio::time::sleep(std::time::Duration::from_millis(delay_ms)).await;
        let finished = child.try_wait().expect("status").is_some();
        if !finished {
            child.start_kill().expect("SIGKILL");
            n_kills += 1;
        }
        let status = child.wait().await.expect("reaped");
        let version = user_version(&path);
        let conn = rusqlite::Connection::open(&path).expect("open");
        assert_eq!(fixture_figures(&conn), expected, "after {delay_ms} ms");
        let has_v3_columns = conn
            .prepare("SELECT acknowledged_us, last_seen_us FROM alerts, devices LIMIT 0")
            .is_ok();
        match version {
            2 => {
                assert!(!has_v3_columns, "version 2 with version 3's columns");
                n_left_at_2 += 1;
            }
            3 => {
                assert!(has_v3_columns, "version 3 without its columns");
                if finished {
                    assert!(status.success(), "migrate failed: {status:?}");
                }
                break;
            }
            other => panic!("version {other} after {delay_ms} ms"),
        }
    }
    eprintln!("upgrade: {n_kills} kills, {n_left_at_2} left the store at version 2");
    assert!(
        n_kills > 0 && n_left_at_2 > 0,
        "no kill landed before the commit"
    );
    assert_eq!(user_version(&path), 3, "migrate never finished");

    // Upgraded: the store answers as version 3 with the fixture's data.
    let store = SqliteStore::open(&path).expect("open");
    assert_eq!(store.migrate().await.expect("migrate"), (3, 3));
    let alerts = store
        .alerts(&AlertQuery {
            limit: 10,
            ..AlertQuery::default()
        })
        .await
        .expect("alerts");
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].code, "chain_fork");
    assert_eq!(alerts[0].acknowledged_us, None);
    for (device_id, head_seq, _) in &expected.0 {
        let hashes = store.chain_hashes(device_id).await.expect("hashes");
        let device = store
            .device(device_id)
            .await
            .expect("device")
            .expect("known");
        let mut prev = genesis_hash(&device.vault_id);
        let rows = store
            .search(&AuditQuery {
                device_id: Some(device_id.clone()),
                limit: 1_000,
                ..AuditQuery::default()
            })
            .await
            .expect("search");
        let mut events: Vec<_> = rows.into_iter().map(|r| r.event).collect();
        events.sort_by_key(|e| e.seq);
        for (event, (seq, hash)) in events.iter().zip(&hashes) {
            prev =
                clinic_vault_proto::chain_hash(&prev, &event.canonical_bytes().expect("canonical"));
            assert_eq!((event.seq, prev), (*seq, *hash), "the chain recomputes");
        }
        assert_eq!(hashes.len() as i64, *head_seq);
        let last = store
            .last_received_us(device_id)
            .await
            .expect("last")
            .expect("some");
        let activity = store.activity().await.expect("activity");
        let seen = activity
            .iter()
            .find(|a| &a.device_id == device_id)
            .expect("listed");
        assert_eq!(
            seen.last_seen_us, last,
            "last seen: the newest event's arrival"
        );
    }
}
