//! What the admin page adds to the storage suite (`storage::suite` runs it on every
//! backend): a device's last sync, the arrival of its newest held event.

use clinic_vault_proto::{genesis_hash, EventBatch};
use clinic_vault_server::chain::prepare;
use clinic_vault_server::store::{NewDevice, Store};

use crate::common::{hex, TestDevice, T0};

pub async fn last_received(store: &dyn Store) {
    let mut device = TestDevice::new(0x3a);
    let id = device.device_id.clone();
    store
        .create_enroll_token("Room 3a", &[0x3a; 32], T0 + 3_600_000_000, T0)
        .await
        .expect("token");
    store
        .enroll(
            &[0x3a; 32],
            NewDevice {
                device_id: id.clone(),
                vault_id: device.vault_id.clone(),
                public_key: hex(device.key.verifying_key().as_bytes()),
                genesis: genesis_hash(&device.vault_id),
            },
            T0,
        )
        .await
        .expect("enroll");
    assert_eq!(
        store.last_received_us(&id).await.expect("q"),
        None,
        "nothing held"
    );
    let first = device.next_events(3);
    let batch = |events: &[clinic_vault_proto::ChainedEvent]| {
        prepare(
            &id,
            EventBatch {
                events: events.to_vec(),
            },
            100,
        )
        .expect("well formed")
    };
    store
        .ingest(&id, batch(&first), T0 + 10)
        .await
        .expect("ingest");
    assert_eq!(store.last_received_us(&id).await.expect("q"), Some(T0 + 10));
    // A retry that brings nothing new is not a newer sync; new events are.
    store
        .ingest(&id, batch(&first), T0 + 20)
        .await
        .expect("retry");
    assert_eq!(store.last_received_us(&id).await.expect("q"), Some(T0 + 10));
    let more = device.next_events(2);
    store
        .ingest(&id, batch(&more), T0 + 30)
        .await
        .expect("more");
    assert_eq!(store.last_received_us(&id).await.expect("q"), Some(T0 + 30));
    assert_eq!(
        store.last_received_us("no-such-device").await.expect("q"),
        None
    );
}
