//! The API in-process (`oneshot`): enrollment, signed ingest with its receipt, every
//! refusal (status, code, nothing stored, an alert for batch refusals), admin search and
//! devices, health and the OpenAPI document.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use clinic_vault_proto::{parse_public_key, BatchAnswer, SignedHead};
use clinic_vault_server::store::AuditQuery;

use crate::common::{admin_get, fixture, send, Now, TestDevice};

#[tokio::test]
async fn a_device_enrolls_pushes_its_trail_and_reads_back_a_signed_head() {
    let fx = fixture().await;
    let app = fx.app();
    let mut device = TestDevice::new(1);
    let token = fx.enroll_token("Reception 1", 3_600_000_000).await;
    let (status, answer) = send(&app, device.enroll_request(&token, fx.clock.now())).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["device_id"], device.device_id.as_str());
    assert_eq!(answer["workstation"], "Reception 1");
    let server_key =
        parse_public_key(answer["server_public_key"].as_str().expect("key")).expect("valid key");

    let events = device.next_events(10);
    let (status, body) = send(&app, device.batch_request(&events, fx.clock.now())).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let answer: BatchAnswer = serde_json::from_value(body).expect("answer");
    assert_eq!((answer.held_seq, answer.n_stored), (10, 10));
    assert_eq!(answer.head.receipt.hash, events[9].hash);
    assert_eq!(answer.head.receipt.vault_id, device.vault_id);
    answer
        .head
        .verify(&server_key)
        .expect("the receipt verifies");

    // A retry of the same batch stores nothing new and answers the same head.
    let (status, body) = send(&app, device.batch_request(&events, fx.clock.now())).await;
    assert_eq!(status, StatusCode::OK);
    let retry: BatchAnswer = serde_json::from_value(body).expect("answer");
    assert_eq!((retry.held_seq, retry.n_stored), (10, 0));

    let req = device.signed("GET", "/v1/audit/head", vec![], fx.clock.now());
    let (status, body) = send(&app, req).await;
    assert_eq!(status, StatusCode::OK);
    let head: SignedHead = serde_json::from_value(body).expect("head");
    assert_eq!(
        (head.receipt.seq, head.receipt.hash.as_str()),
        (10, events[9].hash.as_str())
    );
    head.verify(&server_key).expect("verifies");
    let mut forged = head.clone();
    forged.receipt.seq = 11;
    assert!(forged.verify(&server_key).is_err());
}

async fn n_held(fx: &crate::common::Fixture) -> usize {
    fx.state
        .store
        .search(&AuditQuery {
            limit: 1000,
            ..AuditQuery::default()
        })
        .await
        .expect("search")
        .len()
}

#[tokio::test]
async fn bad_requests_are_refused_with_a_clear_status_and_store_nothing() {
    let fx = fixture().await;
    let app = fx.app();
    let mut device = fx.enrolled(2).await;
    let now = fx.clock.now();
    let events = device.next_events(3);
    let body = |events: &[clinic_vault_proto::ChainedEvent]| {
        clinic_vault_proto::to_canonical(&clinic_vault_proto::EventBatch {
            events: events.to_vec(),
        })
        .expect("canonical")
    };

    let mut unknown = TestDevice::new(9);
    let unenrolled = unknown.batch_request(&events, now);
    let stale = device.signed(
        "POST",
        "/v1/audit/batches",
        body(&events),
        now - 301_000_000,
    );
    let future = device.signed(
        "POST",
        "/v1/audit/batches",
        body(&events),
        now + 301_000_000,
    );
    let mut wrong_sig = device.signed("POST", "/v1/audit/batches", body(&events), now);
    wrong_sig.headers_mut().insert(
        "x-clinic-vault-signature",
        "00".repeat(64).parse().expect("header"),
    );
    let mut other_body = device.signed("POST", "/v1/audit/batches", body(&events), now);
    *other_body.body_mut() = Body::from(body(&events[..2]));
    let mut unsigned = device.signed("POST", "/v1/audit/batches", body(&events), now);
    unsigned.headers_mut().remove("x-clinic-vault-nonce");
    let oversized = device.signed("POST", "/v1/audit/batches", vec![b' '; 300 * 1024], now);
    let malformed = device.signed(
        "POST",
        "/v1/audit/batches",
        b"{\"events\":[{}]}".to_vec(),
        now,
    );
    let cases = [
        (
            "unenrolled",
            unenrolled,
            StatusCode::UNAUTHORIZED,
            "unknown_device",
        ),
        ("stale", stale, StatusCode::UNAUTHORIZED, "stale_timestamp"),
        (
            "future",
            future,
            StatusCode::UNAUTHORIZED,
            "stale_timestamp",
        ),
        (
            "wrong signature",
            wrong_sig,
            StatusCode::UNAUTHORIZED,
            "bad_signature",
        ),
        (
            "other body",
            other_body,
            StatusCode::UNAUTHORIZED,
            "bad_signature",
        ),
        (
            "unsigned",
            unsigned,
            StatusCode::UNAUTHORIZED,
            "unsigned_request",
        ),
        (
            "oversized",
            oversized,
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
        ),
        (
            "malformed",
            malformed,
            StatusCode::UNPROCESSABLE_ENTITY,
            "malformed_body",
        ),
    ];
    for (name, req, status, code) in cases {
        let (got, answer) = send(&app, req).await;
        assert_eq!(
            (got, answer["error"].as_str()),
            (status, Some(code)),
            "{name}: {answer}"
        );
    }
    assert_eq!(n_held(&fx).await, 0, "nothing stored");

    // Found by schemathesis: a malformed event with a seq past i64::MAX was answered 500
    // (its alert could not be stored).
    let mut huge = events[..1].to_vec();
    huge[0].event.seq = 1 << 63;
    huge[0].event.format = Some(0);
    let huge_body =
        serde_json::to_vec(&clinic_vault_proto::EventBatch { events: huge }).expect("json");
    let req = device.signed("POST", "/v1/audit/batches", huge_body, now);
    let (status, answer) = send(&app, req).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("malformed_event")),
        "{answer}"
    );

    // A replay of an accepted request is refused, and stores nothing twice.
    let nonce = device.nonce();
    let first = device.signed_with("POST", "/v1/audit/batches", body(&events), now, &nonce);
    assert_eq!(send(&app, first).await.0, StatusCode::OK);
    let replay = device.signed_with("POST", "/v1/audit/batches", body(&events), now, &nonce);
    let (status, answer) = send(&app, replay).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("replayed_request"))
    );
    assert_eq!(n_held(&fx).await, 3);

    // A revoked device is refused.
    let admin = fx.admin_token().await;
    let revoke = Request::builder()
        .method("POST")
        .uri(format!("/v1/admin/devices/{}/revoke", device.device_id))
        .header("authorization", format!("Bearer {admin}"))
        .body(Body::empty())
        .expect("request");
    let (status, answer) = send(&app, revoke).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert!(answer["revoked_us"].is_i64());
    let more = device.next_events(1);
    let (status, answer) = send(&app, device.batch_request(&more, fx.clock.now())).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::FORBIDDEN, Some("device_revoked"))
    );
    assert_eq!(n_held(&fx).await, 3);
}

#[tokio::test]
async fn enrollment_tokens_are_one_time_and_expire() {
    let fx = fixture().await;
    let app = fx.app();
    let token = fx.enroll_token("Room 3", 60_000_000).await;
    let mut first = TestDevice::new(3);
    assert_eq!(
        send(&app, first.enroll_request(&token, fx.clock.now()))
            .await
            .0,
        StatusCode::OK
    );
    let mut second = TestDevice::new(4);
    let (status, answer) = send(&app, second.enroll_request(&token, fx.clock.now())).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("enroll_token_spent"))
    );
    let expiring = fx.enroll_token("Room 4", 60_000_000).await;
    fx.clock.advance(61_000_000);
    let (status, answer) = send(&app, second.enroll_request(&expiring, fx.clock.now())).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("enroll_token_expired"))
    );
    let (status, answer) = send(
        &app,
        second.enroll_request("cvenroll_nonsense", fx.clock.now()),
    )
    .await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("enroll_token_unknown"))
    );
    // Signed by another key than the one it enrolls.
    let fresh = fx.enroll_token("Room 5", 60_000_000).await;
    let mut impostor = second.enroll_request(&fresh, fx.clock.now());
    let other_sig = TestDevice::new(5).enroll_request(&fresh, fx.clock.now());
    let sig = other_sig.headers()["x-clinic-vault-signature"].clone();
    impostor
        .headers_mut()
        .insert("x-clinic-vault-signature", sig);
    let (status, answer) = send(&app, impostor).await;
    assert_eq!(
        (status, answer["error"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("bad_signature"))
    );
    assert_eq!(fx.state.store.devices().await.expect("devices").len(), 1);
}

#[tokio::test]
async fn gapped_reordered_tampered_and_forked_batches_are_refused_and_alerted() {
    let fx = fixture().await;
    let app = fx.app();
    let mut device = fx.enrolled(6).await;
    let events = device.next_events(6);
    assert_eq!(
        send(&app, device.batch_request(&events[..3], fx.clock.now()))
            .await
            .0,
        StatusCode::OK
    );
    let mut swapped = events[3..].to_vec();
    swapped.swap(1, 2);
    let mut tampered = events[3..].to_vec();
    tampered[1].event.actor = "someone else".into();
    let mut forked = events[..4].to_vec();
    forked[0].event.outcome = "denied".into();
    let mut other_device = events[3..].to_vec();
    other_device[0].event.device_id = "3f1d2c4b-0000-4000-8000-00000000d0ff".into();
    let cases = [
        (
            "gap",
            events[4..].to_vec(),
            StatusCode::CONFLICT,
            "chain_gap",
            5,
        ),
        ("reordered", swapped, StatusCode::CONFLICT, "chain_gap", 6),
        (
            "tampered",
            tampered,
            StatusCode::UNPROCESSABLE_ENTITY,
            "chain_tampered",
            5,
        ),
        ("forked", forked, StatusCode::CONFLICT, "chain_fork", 1),
        (
            "other device",
            other_device,
            StatusCode::UNPROCESSABLE_ENTITY,
            "wrong_device",
            4,
        ),
    ];
    let n_cases = cases.len();
    for (name, batch, status, code, seq) in cases {
        let (got, answer) = send(&app, device.batch_request(&batch, fx.clock.now())).await;
        assert_eq!(
            (got, answer["error"].as_str(), answer["seq"].as_u64()),
            (status, Some(code), Some(seq)),
            "{name}: {answer}"
        );
    }
    assert_eq!(n_held(&fx).await, 3, "nothing of a refused batch is stored");
    let admin = fx.admin_token().await;
    let (status, alerts) = send(&app, admin_get("/v1/admin/alerts", &admin)).await;
    assert_eq!(status, StatusCode::OK);
    let mut kinds: Vec<&str> = alerts["alerts"]
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|a| a["code"].as_str())
        .collect();
    kinds.reverse();
    assert_eq!(
        kinds,
        [
            "chain_gap",
            "chain_gap",
            "chain_tampered",
            "chain_fork",
            "wrong_device"
        ]
    );
    assert_eq!(kinds.len(), n_cases);
    // The honest continuation is still accepted.
    let (status, answer) = send(&app, device.batch_request(&events[3..], fx.clock.now())).await;
    assert_eq!(
        (status, answer["held_seq"].as_u64()),
        (StatusCode::OK, Some(6))
    );
}

#[tokio::test]
async fn admins_search_the_trail_with_paging_and_list_devices() {
    let fx = fixture().await;
    let app = fx.app();
    let mut a = fx.enrolled(7).await;
    let mut b = fx.enrolled(8).await;
    let (ea, eb) = (a.next_events(12), b.next_events(5));
    assert_eq!(
        send(&app, a.batch_request(&ea, fx.clock.now())).await.0,
        StatusCode::OK
    );
    assert_eq!(
        send(&app, b.batch_request(&eb, fx.clock.now())).await.0,
        StatusCode::OK
    );
    let admin = fx.admin_token().await;

    assert_eq!(
        send(&app, admin_get("/v1/admin/audit", "cvadmin_wrong"))
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    let no_token = Request::builder()
        .uri("/v1/admin/devices")
        .body(Body::empty())
        .expect("req");
    assert_eq!(send(&app, no_token).await.0, StatusCode::UNAUTHORIZED);

    let (status, page) = send(&app, admin_get("/v1/admin/audit?limit=10", &admin)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["events"].as_array().map(Vec::len), Some(10));
    assert_eq!(page["next_offset"], 10);
    let (_, rest) = send(
        &app,
        admin_get("/v1/admin/audit?limit=10&offset=10", &admin),
    )
    .await;
    assert_eq!(rest["events"].as_array().map(Vec::len), Some(7));
    assert!(rest["next_offset"].is_null());

    let uri = format!(
        "/v1/admin/audit?device_id={}&user=rita&outcome=failure",
        a.device_id
    );
    let (_, page) = send(&app, admin_get(&uri, &admin)).await;
    let seqs: Vec<u64> = page["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["event"]["seq"].as_u64())
        .collect();
    assert_eq!(seqs, [4, 8, 12]);
    let (_, page) = send(
        &app,
        admin_get(
            "/v1/admin/audit?patient_id=patient-3&action=patient.view",
            &admin,
        ),
    )
    .await;
    assert_eq!(page["events"].as_array().map(Vec::len), Some(2), "{page}");
    let (status, _) = send(&app, admin_get("/v1/admin/audit?limit=5000", &admin)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let (status, devices) = send(&app, admin_get("/v1/admin/devices", &admin)).await;
    assert_eq!(status, StatusCode::OK);
    let heads: Vec<u64> = devices
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|d| d["head_seq"].as_u64())
        .collect();
    assert_eq!(heads, [12, 5]);
}

#[tokio::test]
async fn health_readiness_and_the_openapi_document() {
    let fx = fixture().await;
    let app = fx.app();
    let get = |uri: &str| {
        Request::builder()
            .uri(uri)
            .body(Body::empty())
            .expect("req")
    };
    assert_eq!(
        send(&app, get("/healthz")).await,
        (StatusCode::OK, "ok".into())
    );
    assert_eq!(
        send(&app, get("/readyz")).await,
        (StatusCode::OK, "ready".into())
    );
    let (status, doc) = send(&app, get("/openapi.json")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
    for path in [
        "/v1/enroll",
        "/v1/audit/batches",
        "/v1/audit/head",
        "/v1/blobs/{hash}",
        "/v1/admin/audit",
        "/v1/admin/devices",
        "/healthz",
        "/readyz",
    ] {
        assert!(
            doc["paths"][path].is_object(),
            "{path} missing from the document"
        );
    }
    for schema in [
        "EventBatch",
        "BatchAnswer",
        "SignedHead",
        "EnrollRequest",
        "ErrorAnswer",
        "AuditEventSchema",
    ] {
        assert!(
            doc["components"]["schemas"][schema].is_object(),
            "{schema} missing"
        );
    }
    assert_eq!(send(&app, get("/nowhere")).await.0, StatusCode::NOT_FOUND);
}
