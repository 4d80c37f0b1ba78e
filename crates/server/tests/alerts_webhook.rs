//! The alert webhook against a local receiver on 127.0.0.1 that fails its first
//! requests: each alert is delivered signed, retried with backoff, left queued when a
//! round fails, and delivered after the server "restarts" (a new store handle and a new
//! deliverer over the same database), once; the payload holds no PHI.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use clinic_vault_proto::{chain_hash, AuditEvent, ChainedEvent, EventBatch};
use clinic_vault_server::alerts::webhook::{
    deliver_due, signature, Webhook, HEADER_SIGNATURE, HEADER_TIMESTAMP,
};
use clinic_vault_server::alerts::AlertSettings;
use clinic_vault_server::chain::prepare;
use clinic_vault_server::store::sqlite::SqliteStore;
use clinic_vault_server::store::{NewDevice, Store};
use clinic_vault_server::ManualClock;

use crate::common::{hex, TestDevice, T0};

const SECRET: &str = "a webhook secret";

#[derive(Default)]
struct Receiver {
    /// Requests to refuse (500) before accepting.
    n_to_fail: usize,
    /// Every request: its headers and body, and whether it was accepted.
    seen: Vec<(HeaderMap, Bytes, bool)>,
}

async fn receive(
    State(receiver): State<Arc<Mutex<Receiver>>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let mut receiver = receiver.lock().expect("lock");
    let accept = receiver.n_to_fail == 0;
    receiver.n_to_fail = receiver.n_to_fail.saturating_sub(1);
    receiver.seen.push((headers, body, accept));
    if accept {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::INTERNAL_SERVER_ERROR
    }
}

async fn start_receiver(n_to_fail: usize) -> (String, Arc<Mutex<Receiver>>) {
    let receiver = Arc::new(Mutex::new(Receiver {
        n_to_fail,
        ..Receiver::default()
    }));
    let app = Router::new()
        .route("/hook", post(receive))
        .with_state(Arc::clone(&receiver));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/hook"), receiver)
}

fn webhook(url: &str, attempts: u32) -> Webhook {
    Webhook::from_settings(&AlertSettings {
        webhook_url: url.into(),
        webhook_secret: SECRET.into(),
        webhook_attempts: attempts,
        webhook_backoff_ms: 1,
        ..AlertSettings::default()
    })
    .expect("settings")
    .expect("a webhook")
}

/// Three alerts on a fresh device: an account created, re-enabled, a redaction.
async fn raise_three(store: &dyn Store) -> Vec<i64> {
    let mut device = TestDevice::new(0x81);
    store
        .create_enroll_token("Room", &[0x81; 32], T0 + 3_600_000_000, T0)
        .await
        .expect("token");
    store
        .enroll(
            &[0x81; 32],
            NewDevice {
                device_id: device.device_id.clone(),
                vault_id: device.vault_id.clone(),
                public_key: hex(device.key.verifying_key().as_bytes()),
                genesis: clinic_vault_proto::genesis_hash(&device.vault_id),
            },
            T0,
        )
        .await
        .expect("enroll");
    let events: Vec<ChainedEvent> = ["user.add", "user.enable", "audit.redact"]
        .iter()
        .map(|action| {
            let seq = device.next_seq;
            let event = AuditEvent {
                action: (*action).into(),
                actor: "admin".into(),
                outcome: "success".into(),
                patient_id: Some("patient-7".into()),
                ..device.event(seq)
            };
            device.next_seq += 1;
            device.prev = chain_hash(&device.prev, &event.canonical_bytes().expect("canonical"));
            ChainedEvent {
                event,
                hash: hex(&device.prev),
            }
        })
        .collect();
    let batch = prepare(&device.device_id, EventBatch { events }, 100).expect("batch");
    let stored = store
        .ingest(&device.device_id, batch, T0)
        .await
        .expect("ingest");
    stored.raised.iter().map(|a| a.alert_id).collect()
}

#[tokio::test]
async fn alerts_reach_a_failing_receiver_after_retries_and_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("server.db");
    let store = SqliteStore::open(&path).expect("open");
    store.migrate().await.expect("migrate");
    let ids = raise_three(&store).await;
    assert_eq!(ids.len(), 3);
    let clock = ManualClock::at(T0 + 1_000);

    // The receiver refuses its first 4 requests: with 2 attempts a round, alerts 1 and
    // 2 fail theirs (left queued) and alert 3 gets through on its first.
    let (url, receiver) = start_receiver(4).await;
    let round = deliver_due(&store, &clock, &webhook(&url, 2))
        .await
        .expect("round");
    assert_eq!((round.delivered, round.failed), (1, 2));
    {
        let receiver = receiver.lock().expect("lock");
        assert_eq!(receiver.seen.len(), 5, "2 + 2 attempts, then 1");
    }
    // Not due again at once: the failed ones wait their backoff.
    let round = deliver_due(&store, &clock, &webhook(&url, 2))
        .await
        .expect("round");
    assert_eq!((round.delivered, round.failed), (0, 0));

    // "Restart": a new store handle and a new deliverer; the queue is in the store.
    drop(store);
    let store = SqliteStore::open(&path).expect("reopen");
    clock.advance(60_000_000);
    let round = deliver_due(&store, &clock, &webhook(&url, 2))
        .await
        .expect("round");
    assert_eq!((round.delivered, round.failed), (2, 0));
    let round = deliver_due(&store, &clock, &webhook(&url, 2))
        .await
        .expect("round");
    assert_eq!(
        round,
        Default::default(),
        "nothing left: each delivered once"
    );

    let receiver = receiver.lock().expect("lock");
    let mut accepted: Vec<i64> = Vec::new();
    for (headers, body, ok) in &receiver.seen {
        let timestamp: i64 = headers[HEADER_TIMESTAMP]
            .to_str()
            .expect("ascii")
            .parse()
            .expect("number");
        assert_eq!(
            headers[HEADER_SIGNATURE].to_str().expect("ascii"),
            signature(SECRET.as_bytes(), timestamp, body),
            "signed"
        );
        assert_eq!(headers["content-type"], "application/json");
        let payload: serde_json::Value = serde_json::from_slice(body).expect("json");
        let text = String::from_utf8_lossy(body);
        assert!(!text.contains("patient"), "no PHI: {text}");
        assert_eq!(payload["actor"], "admin");
        assert!(payload["code"] == "alert_action");
        if *ok {
            accepted.push(payload["alert_id"].as_i64().expect("id"));
        }
    }
    accepted.sort_unstable();
    assert_eq!(accepted, ids, "every alert accepted exactly once");
    let actions: Vec<String> = receiver
        .seen
        .iter()
        .filter(|(_, _, ok)| *ok)
        .map(|(_, body, _)| {
            let payload: serde_json::Value = serde_json::from_slice(body).expect("json");
            payload["action"].as_str().unwrap_or_default().to_owned()
        })
        .collect();
    assert_eq!(actions.len(), 3);
    assert!(actions.contains(&"audit.redact".to_owned()));
}
