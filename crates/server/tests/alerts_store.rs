//! What the alerts add to the storage suite (`storage::suite` runs it on every backend):
//! the rules' alerts are stored by the ingest that stores their events (a retried or
//! refused batch raises nothing), filtered and paged newest first, acknowledged once
//! even by two admins racing, and a silence raised once per silence.

use std::sync::Arc;

use clinic_vault_proto::{chain_hash, genesis_hash, AuditEvent, ChainedEvent, EventBatch};
use clinic_vault_server::chain::{prepare, Prepared};
use clinic_vault_server::store::{AlertQuery, IngestError, NewDevice, Store};
use tokio::sync::Barrier;

use crate::common::{hex, TestDevice, T0};

const MIN: i64 = 60_000_000;

/// A device whose events the test writes one by one.
struct Writer {
    device: TestDevice,
}

impl Writer {
    async fn enrolled(store: &dyn Store, seed: u8) -> Writer {
        let device = TestDevice::new(seed);
        store
            .create_enroll_token("Room", &[seed; 32], T0 + 60 * MIN, T0)
            .await
            .expect("token");
        store
            .enroll(
                &[seed; 32],
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
        Writer { device }
    }

    /// The next events, as `(actor, action, outcome, time offset)`.
    fn next(&mut self, specs: &[(&str, &str, &str, i64)]) -> Vec<ChainedEvent> {
        specs
            .iter()
            .map(|&(actor, action, outcome, at)| {
                let seq = self.device.next_seq;
                let event = AuditEvent {
                    actor: actor.into(),
                    action: action.into(),
                    outcome: outcome.into(),
                    time_us: T0 + at,
                    patient_id: None,
                    ..self.device.event(seq)
                };
                self.device.next_seq += 1;
                self.device.prev = chain_hash(
                    &self.device.prev,
                    &event.canonical_bytes().expect("canonical"),
                );
                ChainedEvent {
                    event,
                    hash: hex(&self.device.prev),
                }
            })
            .collect()
    }

    fn id(&self) -> String {
        self.device.device_id.clone()
    }

    fn batch(&self, events: &[ChainedEvent]) -> Prepared {
        prepare(
            &self.device.device_id,
            EventBatch {
                events: events.to_vec(),
            },
            1_000,
        )
        .expect("well formed")
    }
}

fn of_device(device_id: &str) -> AlertQuery {
    AlertQuery {
        device_id: Some(device_id.to_owned()),
        limit: 100,
        ..AlertQuery::default()
    }
}

fn fail(actor: &str, at: i64) -> (&str, &'static str, &'static str, i64) {
    (actor, "journal.attempt", "failure", at)
}

pub async fn suite(store: Arc<dyn Store>) {
    raised_with_their_events(store.as_ref()).await;
    acknowledged_once_when_racing(Arc::clone(&store)).await;
    silence(store.as_ref()).await;
    webhook_queue(store.as_ref()).await;
}

/// Every alert the suite raised is queued for the webhook; claims lease them.
async fn webhook_queue(store: &dyn Store) {
    let far = T0 + 10_000 * MIN;
    let claimed = store
        .claim_deliveries(far, far + MIN, 1_000)
        .await
        .expect("claim");
    assert!(claimed.len() >= 10, "the suite's alerts: {}", claimed.len());
    assert!(claimed
        .windows(2)
        .all(|w| w[0].alert.alert_id < w[1].alert.alert_id));
    assert!(claimed.iter().all(|d| d.n_attempts == 0));
    assert!(
        store
            .claim_deliveries(far, far + MIN, 1_000)
            .await
            .expect("again")
            .is_empty(),
        "leased"
    );
    let (first, second) = (claimed[0].alert.alert_id, claimed[1].alert.alert_id);
    store.delivered(first).await.expect("delivered");
    store
        .delivery_failed(second, far + 2 * MIN)
        .await
        .expect("failed");
    let due = store
        .claim_deliveries(far + 2 * MIN, far + 3 * MIN, 1_000)
        .await
        .expect("claim");
    let ids: Vec<i64> = due.iter().map(|d| d.alert.alert_id).collect();
    assert!(!ids.contains(&first), "delivered: out of the queue");
    assert!(ids.contains(&second));
    assert_eq!(
        due.iter()
            .find(|d| d.alert.alert_id == second)
            .map(|d| d.n_attempts),
        Some(1)
    );
    assert_eq!(due.len(), claimed.len() - 1, "the others' leases ended");
    let limited = store
        .claim_deliveries(far + 5 * MIN, far + 6 * MIN, 2)
        .await
        .expect("limit");
    assert_eq!(limited.len(), 2);
}

async fn raised_with_their_events(store: &dyn Store) {
    let mut w = Writer::enrolled(store, 0x61).await;
    let id = w.id();
    // 5 failures of rita: nothing but the pre-unlock reports alert.
    let first = w.next(&[
        fail("rita", 0),
        fail("rita", MIN),
        fail("rita", 2 * MIN),
        fail("rita", 3 * MIN),
        fail("rita", 4 * MIN),
    ]);
    let stored = store
        .ingest(&id, w.batch(&first), T0 + 5 * MIN)
        .await
        .expect("first");
    let codes: Vec<&str> = stored.raised.iter().map(|a| a.code.as_str()).collect();
    assert_eq!(codes, ["prelock_reports"]);
    // A retry of the same batch stores nothing and raises nothing again.
    let retry = store
        .ingest(&id, w.batch(&first), T0 + 5 * MIN)
        .await
        .expect("retry");
    assert_eq!((retry.n_stored, retry.raised.len()), (0, 0));
    // The 6th, exactly 5 minutes after the first, in the next batch: the held ones
    // count. An account created in the same batch.
    let second = w.next(&[
        ("rita", "user.unlock", "failure", 5 * MIN),
        ("admin", "user.add", "success", 5 * MIN + 1),
        ("admin", "patient.view", "success", 5 * MIN + 2),
    ]);
    let stored = store
        .ingest(&id, w.batch(&second), T0 + 6 * MIN)
        .await
        .expect("second");
    type Short<'a> = (&'a str, Option<u64>, Option<&'a str>, Option<u64>);
    let raised: Vec<Short> = stored
        .raised
        .iter()
        .map(|a| (a.code.as_str(), a.seq, a.actor.as_deref(), a.n_events))
        .collect();
    assert_eq!(
        raised,
        [
            ("failed_unlocks", Some(6), Some("rita"), Some(6)),
            ("alert_action", Some(7), Some("admin"), None)
        ]
    );
    // One more failure within the window: the alert raised already holds it.
    let third = w.next(&[("rita", "user.unlock", "failure", 6 * MIN)]);
    let stored = store
        .ingest(&id, w.batch(&third), T0 + 7 * MIN)
        .await
        .expect("third");
    assert!(stored.raised.is_empty(), "{:?}", stored.raised);

    // A batch refused by the chain check raises nothing: 6 failures of bob after a gap.
    let gapped = w.next(&[
        fail("bob", 10 * MIN),
        fail("bob", 10 * MIN + 1),
        fail("bob", 10 * MIN + 2),
        fail("bob", 10 * MIN + 3),
        fail("bob", 10 * MIN + 4),
        fail("bob", 10 * MIN + 5),
        fail("bob", 10 * MIN + 6),
    ]);
    let before = store.alerts(&of_device(&id)).await.expect("alerts");
    let refused = store
        .ingest(&id, w.batch(&gapped[1..]), T0 + 11 * MIN)
        .await;
    assert!(
        matches!(refused, Err(IngestError::Refused(_))),
        "{refused:?}"
    );
    assert_eq!(store.alerts(&of_device(&id)).await.expect("alerts"), before);

    // Stored: newest first, filtered by code and state, paged.
    let all = store.alerts(&of_device(&id)).await.expect("alerts");
    let codes: Vec<&str> = all.iter().map(|a| a.code.as_str()).collect();
    assert_eq!(
        codes,
        ["alert_action", "failed_unlocks", "prelock_reports"],
        "newest first"
    );
    assert!(all.windows(2).all(|w| w[0].alert_id > w[1].alert_id));
    assert!(all.iter().all(|a| a.acknowledged_us.is_none()));
    let fu = store
        .alerts(&AlertQuery {
            code: Some("failed_unlocks".into()),
            ..of_device(&id)
        })
        .await
        .expect("by code");
    assert_eq!(fu.len(), 1);
    assert_eq!(fu[0].event_time_us, Some(T0 + 5 * MIN));
    assert_eq!(fu[0].action.as_deref(), Some("user.unlock"));
    let page2 = store
        .alerts(&AlertQuery {
            limit: 2,
            offset: 1,
            ..of_device(&id)
        })
        .await
        .expect("page");
    assert_eq!(page2, all[1..].to_vec());

    let acked = store
        .acknowledge_alert(fu[0].alert_id, "it", T0 + 8 * MIN)
        .await
        .expect("ack")
        .expect("known");
    assert!(acked.now);
    assert_eq!(acked.alert.acknowledged_by.as_deref(), Some("it"));
    assert_eq!(acked.alert.acknowledged_us, Some(T0 + 8 * MIN));
    let again = store
        .acknowledge_alert(fu[0].alert_id, "other", T0 + 9 * MIN)
        .await
        .expect("ack")
        .expect("known");
    assert!(!again.now, "idempotent");
    assert_eq!(again.alert, acked.alert, "the first acknowledgement stands");
    assert!(store
        .acknowledge_alert(i64::MAX, "it", T0)
        .await
        .expect("ack")
        .is_none());
    let state = |acknowledged| AlertQuery {
        acknowledged: Some(acknowledged),
        ..of_device(&id)
    };
    let open = store.alerts(&state(false)).await.expect("open");
    let done = store.alerts(&state(true)).await.expect("done");
    assert_eq!(open.len(), 2);
    assert_eq!(done, vec![acked.alert]);
}

async fn acknowledged_once_when_racing(store: Arc<dyn Store>) {
    let mut w = Writer::enrolled(store.as_ref(), 0x62).await;
    let id = w.id();
    let events = w.next(&[("admin", "user.enable", "success", 0); 5]);
    let stored = store
        .ingest(&id, w.batch(&events), T0)
        .await
        .expect("ingest");
    assert_eq!(stored.raised.len(), 5);
    for (round, alert) in stored.raised.iter().enumerate() {
        let barrier = Arc::new(Barrier::new(2));
        let tasks: Vec<_> = ["alice", "bob"]
            .into_iter()
            .map(|admin| {
                let (store, barrier) = (Arc::clone(&store), Arc::clone(&barrier));
                let alert_id = alert.alert_id;
                tokio::spawn(async move {
                    barrier.wait().await;
                    store.acknowledge_alert(alert_id, admin, T0 + 1).await
                })
            })
            .collect();
        let mut outcomes = Vec::new();
        for task in tasks {
            outcomes.push(task.await.expect("task").expect("ack").expect("known"));
        }
        assert_eq!(
            outcomes.iter().filter(|o| o.now).count(),
            1,
            "round {round}: exactly one acknowledges"
        );
        assert_eq!(
            outcomes[0].alert, outcomes[1].alert,
            "round {round}: one record"
        );
        let winner = outcomes.iter().find(|o| o.now).expect("winner");
        let by = winner.alert.acknowledged_by.as_deref().expect("by");
        assert!(by == "alice" || by == "bob", "round {round}: {by}");
    }
}

async fn silence(store: &dyn Store) {
    let mut w = Writer::enrolled(store, 0x63).await;
    let id = w.id();
    let activity = store.activity().await.expect("activity");
    let mine = activity.iter().find(|a| a.device_id == id).expect("listed");
    assert_eq!((mine.last_seen_us, mine.silence_raised_for_us), (T0, None));
    let raised = store
        .raise_silence(&id, T0, T0 + 60 * MIN)
        .await
        .expect("raise")
        .expect("raised");
    assert_eq!(raised.code, "device_silent");
    assert_eq!(raised.event_time_us, Some(T0));
    assert!(
        store
            .raise_silence(&id, T0, T0 + 61 * MIN)
            .await
            .expect("again")
            .is_none(),
        "once per silence"
    );
    // Seen again (a batch accepted, even one that stores nothing new), then silent again.
    let events = w.next(&[("rita", "user.lock", "success", 0)]);
    store
        .ingest(&id, w.batch(&events), T0 + 70 * MIN)
        .await
        .expect("ingest");
    store
        .ingest(&id, w.batch(&events), T0 + 71 * MIN)
        .await
        .expect("retry");
    let mine = store
        .activity()
        .await
        .expect("activity")
        .into_iter()
        .find(|a| a.device_id == id)
        .expect("listed");
    assert_eq!(mine.last_seen_us, T0 + 71 * MIN);
    assert!(
        store
            .raise_silence(&id, T0, T0 + 200 * MIN)
            .await
            .expect("stale")
            .is_none(),
        "a silence that ended is not raised"
    );
    assert!(store
        .raise_silence(&id, T0 + 71 * MIN, T0 + 200 * MIN)
        .await
        .expect("raise")
        .is_some());
    assert!(store
        .revoke_device(&id, T0 + 201 * MIN)
        .await
        .expect("revoke"));
    let silent = store
        .alerts(&AlertQuery {
            code: Some("device_silent".into()),
            ..of_device(&id)
        })
        .await
        .expect("alerts");
    assert_eq!(silent.len(), 2);
}
