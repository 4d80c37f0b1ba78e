//! Blob uploads racing deletes of the same hash: in every round one device `PUT`s the
//! blob twice and `DELETE`s it while a second device `PUT`s and `DELETE`s it, all at
//! once on a multi-threaded runtime; afterwards the blob is either wholly there with its
//! hash or gone, every hold has its object (never a hold row without a file), no object
//! outlives its last hold, and `HEAD` answers what the hold rows say. On the local
//! directory and on S3 (`s3s-fs`).

use axum::http::StatusCode;
use sha2::{Digest, Sha256};

use clinic_vault_server::Blobs;

use crate::common::{fixture, hex, send, Fixture, Now, TestDevice};

const ROUNDS: usize = 60;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn local_blob_puts_and_deletes_race_cleanly() {
    race(fixture().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn s3_blob_puts_and_deletes_race_cleanly() {
    let server = crate::s3::start().await;
    let mut fx = fixture().await;
    fx.state.blobs = Blobs::from_settings(&crate::s3::settings(&server)).expect("s3");
    race(fx).await;
}

async fn race(fx: Fixture) {
    let app = fx.app();
    let mut a = fx.enrolled(71).await;
    let mut b = fx.enrolled(72).await;
    // Near the tests' 64 KiB limit, so that a torn or truncated object would show.
    let content: Vec<u8> = (0..60_000u32).map(|i| (i % 251) as u8).collect();
    let hash = hex(&Sha256::digest(&content));
    let uri = format!("/v1/blobs/{hash}");
    for round in 0..ROUNDS {
        let now = fx.clock.now();
        let requests = vec![
            a.signed("PUT", &uri, content.clone(), now),
            b.signed("PUT", &uri, content.clone(), now),
            a.signed("DELETE", &uri, vec![], now),
            a.signed("PUT", &uri, content.clone(), now),
            b.signed("DELETE", &uri, vec![], now),
        ];
        // Every other round the deletes go first, so both orders get their chances.
        let requests = if round % 2 == 0 {
            requests
        } else {
            requests.into_iter().rev().collect()
        };
        let tasks: Vec<_> = requests
            .into_iter()
            .map(|request| {
                let app = app.clone();
                tokio::spawn(async move { send(&app, request).await })
            })
            .collect();
        for task in tasks {
            let (status, body) = task.await.expect("task");
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
        check(&fx, &mut [&mut a, &mut b], &hash, &content, round).await;
    }
}

async fn check(
    fx: &Fixture,
    devices: &mut [&mut TestDevice],
    hash: &str,
    content: &[u8],
    round: usize,
) {
    let stored = fx.state.blobs.get(hash).await.expect("get");
    if let Some(bytes) = &stored {
        assert_eq!(
            (bytes.len(), hex(&Sha256::digest(bytes))),
            (content.len(), hash.to_owned()),
            "round {round}: a stored object is whole"
        );
    }
    let mut any_hold = false;
    let app = fx.app();
    let uri = format!("/v1/blobs/{hash}");
    for device in devices.iter_mut() {
        let held = fx
            .state
            .store
            .held_blob(hash, &device.device_id)
            .await
            .expect("held");
        any_hold |= held.is_some();
        assert!(
            held.is_none() || stored.is_some(),
            "round {round}: {} holds a blob that is not stored",
            device.device_id
        );
        let (status, _) = send(&app, device.signed("HEAD", &uri, vec![], fx.clock.now())).await;
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
