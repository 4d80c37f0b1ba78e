//! The log holds no PHI: a flow with names, patient ids and refusals is logged as JSON
//! lines that name devices, codes and counts only.

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::http::StatusCode;

use crate::common::{fixture, send, Now};

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn the_log_names_devices_and_codes_never_people_or_patients() {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let fx = fixture().await;
    let app = fx.app();
    let mut device = fx.enrolled(41).await;
    let events = device.next_events(9);
    assert_eq!(
        send(&app, device.batch_request(&events, fx.clock.now()))
            .await
            .0,
        StatusCode::OK
    );
    let mut tampered = device.next_events(2);
    tampered[1].event.actor = "Renée Dupont".into();
    let (status, _) = send(&app, device.batch_request(&tampered, fx.clock.now())).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let log = String::from_utf8(buffer.0.lock().expect("log").clone()).expect("utf8");
    for line in log.lines() {
        serde_json::from_str::<serde_json::Value>(line).expect("each line is JSON");
    }
    assert!(
        log.contains("batch stored") && log.contains("chain_tampered"),
        "{log}"
    );
    assert!(log.contains(&device.device_id));
    for phi in [
        "rita",
        "bob",
        "patient-",
        "Renée",
        "user.unlock",
        "patient.view",
    ] {
        assert!(!log.contains(phi), "the log shows {phi}: {log}");
    }
}
