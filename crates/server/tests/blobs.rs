//! The blob suite, in-process: upload by content hash (checked), deduplication, holds per
//! device, the size limit, HEAD and DELETE. It runs on the local directory here and on
//! S3 (`s3.rs`), through the API ([`api_suite`]) and on the store alone ([`store_suite`]).

use axum::http::StatusCode;
use sha2::{Digest, Sha256};

use clinic_vault_server::Blobs;

use crate::common::{fixture, hex, send, Fixture, Now};

#[tokio::test]
async fn local_blobs_pass_the_api_suite() {
    api_suite(fixture().await).await;
}

#[tokio::test]
async fn local_blobs_pass_the_store_suite() {
    let dir = tempfile::tempdir().expect("tempdir");
    store_suite(&Blobs::local(dir.path()).expect("local")).await;
}

pub async fn store_suite(blobs: &Blobs) {
    let content = axum::body::Bytes::from_static(b"ciphertext");
    let hash = hex(&Sha256::digest(&content));
    assert_eq!(blobs.size(&hash).await.expect("size"), None);
    assert!(
        blobs.put(&hash, content.clone()).await.expect("put"),
        "written"
    );
    assert!(
        !blobs.put(&hash, content.clone()).await.expect("again"),
        "deduplicated"
    );
    assert_eq!(
        blobs.size(&hash).await.expect("size"),
        Some(content.len() as u64)
    );
    blobs.delete(&hash).await.expect("delete");
    assert_eq!(blobs.size(&hash).await.expect("size"), None);
    blobs
        .delete(&hash)
        .await
        .expect("deleting a missing blob is not an error");
    let large = axum::body::Bytes::from(vec![9u8; 6 << 20]);
    let large_hash = hex(&Sha256::digest(&large));
    assert!(blobs.put(&large_hash, large).await.expect("6 MiB"));
    assert_eq!(blobs.size(&large_hash).await.expect("size"), Some(6 << 20));
}

pub async fn api_suite(fx: Fixture) {
    let app = fx.app();
    let mut a = fx.enrolled(11).await;
    let mut b = fx.enrolled(12).await;
    let content = b"encrypted scan bytes".repeat(100);
    let hash = hex(&Sha256::digest(&content));
    let uri = format!("/v1/blobs/{hash}");
    let now = fx.clock.now();

    let (status, _) = send(&app, a.signed("HEAD", &uri, vec![], now)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, receipt) = send(&app, a.signed("PUT", &uri, content.clone(), now)).await;
    assert_eq!(status, StatusCode::OK, "{receipt}");
    assert_eq!(
        (receipt["stored"].as_bool(), receipt["size"].as_u64()),
        (Some(true), Some(content.len() as u64))
    );
    let (status, receipt) = send(&app, b.signed("PUT", &uri, content.clone(), now)).await;
    assert_eq!(
        (status, receipt["stored"].as_bool()),
        (StatusCode::OK, Some(false)),
        "deduplicated"
    );
    assert_eq!(
        send(&app, a.signed("HEAD", &uri, vec![], now)).await.0,
        StatusCode::OK
    );

    // The content must hash to its address; nothing is stored otherwise.
    let wrong = format!("/v1/blobs/{}", "0".repeat(64));
    let (status, answer) = send(&app, a.signed("PUT", &wrong, content.clone(), now)).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("blob_hash_mismatch"))
    );
    assert_eq!(
        fx.state.blobs.size(&"0".repeat(64)).await.expect("size"),
        None
    );
    let (status, _) = send(
        &app,
        a.signed("PUT", "/v1/blobs/NOTAHASH", content.clone(), now),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // Over the limit (64 KiB in the fixture).
    let big = vec![7u8; 65 * 1024];
    let big_uri = format!("/v1/blobs/{}", hex(&Sha256::digest(&big)));
    let (status, _) = send(&app, a.signed("PUT", &big_uri, big, now)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);

    // Deleting drops one hold; the object goes with the last.
    assert_eq!(
        send(&app, a.signed("DELETE", &uri, vec![], now)).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        send(&app, a.signed("HEAD", &uri, vec![], now)).await.0,
        StatusCode::NOT_FOUND
    );
    assert!(
        fx.state.blobs.size(&hash).await.expect("size").is_some(),
        "b still holds it"
    );
    assert_eq!(
        send(&app, a.signed("DELETE", &uri, vec![], now)).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        send(&app, b.signed("DELETE", &uri, vec![], now)).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(fx.state.blobs.size(&hash).await.expect("size"), None);
}
