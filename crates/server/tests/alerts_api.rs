//! Alerts through the server in-process: raised by ingest over the API, listed with
//! filters and pages, acknowledged once (two admins racing), on the admin page with its
//! CSRF-checked Acknowledge button and the devices' chain status; the silence check on
//! a manual clock; and `/metrics`: who may read it, and its figures moving.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use clinic_vault_proto::{chain_hash, AuditEvent, ChainedEvent};
use clinic_vault_server::alerts::{silence, AlertSettings};
use tokio::sync::Barrier;

use crate::admin_web::{get, login, post, web_fixture, Sender};
use crate::common::{admin_get, hex, send, Fixture, Now, TestDevice, T0};

const MIN: i64 = 60_000_000;

/// The device's next events, as `(actor, action, outcome)`, a second apart.
fn next(device: &mut TestDevice, specs: &[(&str, &str, &str)]) -> Vec<ChainedEvent> {
    specs
        .iter()
        .map(|&(actor, action, outcome)| {
            let seq = device.next_seq;
            let event = AuditEvent {
                actor: actor.into(),
                action: action.into(),
                outcome: outcome.into(),
                time_us: T0 + seq as i64 * 1_000_000,
                patient_id: None,
                ..device.event(seq)
            };
            device.next_seq += 1;
            device.prev = chain_hash(&device.prev, &event.canonical_bytes().expect("canonical"));
            ChainedEvent {
                event,
                hash: hex(&device.prev),
            }
        })
        .collect()
}

/// Six failed unlocks of rita and an account created: two alerts (and the pre-unlock
/// reports one).
fn attack(device: &mut TestDevice) -> Vec<ChainedEvent> {
    let mut specs = vec![("rita", "journal.attempt", "failure"); 6];
    specs.push(("admin", "user.add", "success"));
    next(device, &specs)
}

fn admin_post(uri: &str, token: &str) -> Request<Body> {
    Request::builder()
        .method("POST")
        .uri(uri)
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .expect("request")
}

fn codes(page: &serde_json::Value) -> Vec<String> {
    page["alerts"]
        .as_array()
        .expect("alerts")
        .iter()
        .map(|a| a["code"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn second_admin(fx: &Fixture, name: &str) -> String {
    use clinic_vault_server::tokens::{new_token, token_hash, ADMIN_PREFIX};
    let token = new_token(ADMIN_PREFIX);
    fx.state
        .store
        .create_admin_token(name, &token_hash(&token), T0)
        .await
        .expect("admin token");
    token
}

#[tokio::test]
async fn ingest_raises_alerts_listed_filtered_and_acknowledged_once() {
    let fx = crate::common::fixture().await;
    let app = fx.app();
    let mut device = fx.enrolled(0x71).await;
    let events = attack(&mut device);
    let (status, body) = send(&app, device.batch_request(&events, fx.clock.now())).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let admin = fx.admin_token().await;

    let (status, page) = send(&app, admin_get("/v1/admin/alerts", &admin)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(
        codes(&page),
        ["prelock_reports", "alert_action", "failed_unlocks"],
        "newest first"
    );
    let failed = &page["alerts"][2];
    assert_eq!(failed["actor"], "rita");
    assert_eq!(failed["seq"], 6);
    assert_eq!(failed["n_events"], 6);
    assert_eq!(
        failed["device_id"].as_str(),
        Some(device.device_id.as_str())
    );
    assert_eq!(failed["acknowledged_by"], serde_json::Value::Null);
    let by_code = format!(
        "/v1/admin/alerts?code=alert_action&device_id={}",
        device.device_id
    );
    let (_, page) = send(&app, admin_get(&by_code, &admin)).await;
    assert_eq!(codes(&page), ["alert_action"]);
    assert_eq!(page["alerts"][0]["action"], "user.add");
    let (_, page) = send(&app, admin_get("/v1/admin/alerts?limit=2", &admin)).await;
    assert_eq!(
        (codes(&page).len(), page["next_offset"].as_u64()),
        (2, Some(2))
    );
    let (_, page) = send(&app, admin_get("/v1/admin/alerts?limit=2&offset=2", &admin)).await;
    assert_eq!(codes(&page), ["failed_unlocks"]);
    assert_eq!(page["next_offset"], serde_json::Value::Null);
    for bad in ["limit=0", "limit=1001", "acknowledged=maybe", "colour=red"] {
        let (status, _) = send(&app, admin_get(&format!("/v1/admin/alerts?{bad}"), &admin)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
    }

    let id = failed["alert_id"].as_i64().expect("id");
    let ack = format!("/v1/admin/alerts/{id}/ack");
    fx.clock.advance(MIN);
    let (status, acked) = send(&app, admin_post(&ack, &admin)).await;
    assert_eq!(status, StatusCode::OK, "{acked}");
    assert_eq!(acked["acknowledged_by"], "it");
    assert_eq!(acked["acknowledged_us"], T0 + MIN);
    let other = second_admin(&fx, "night-shift").await;
    fx.clock.advance(MIN);
    let (status, again) = send(&app, admin_post(&ack, &other)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again, acked, "idempotent: the first acknowledgement stands");
    let (_, open) = send(
        &app,
        admin_get("/v1/admin/alerts?acknowledged=false", &admin),
    )
    .await;
    assert_eq!(codes(&open), ["prelock_reports", "alert_action"]);
    let (_, done) = send(
        &app,
        admin_get("/v1/admin/alerts?acknowledged=true", &admin),
    )
    .await;
    assert_eq!(codes(&done), ["failed_unlocks"]);

    let (status, _) = send(&app, admin_post("/v1/admin/alerts/999999/ack", &admin)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = send(&app, admin_post("/v1/admin/alerts/seven/ack", &admin)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = send(&app, admin_post(&ack, "cvadmin_nope")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = send(
        &app,
        Request::builder()
            .uri("/v1/admin/alerts")
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn two_admins_acknowledging_at_once_record_one_acknowledgement() {
    let fx = crate::common::fixture().await;
    let app = fx.app();
    let mut device = fx.enrolled(0x72).await;
    let events = next(&mut device, &[("admin", "user.enable", "success")]);
    let (status, _) = send(&app, device.batch_request(&events, fx.clock.now())).await;
    assert_eq!(status, StatusCode::OK);
    let tokens = [
        second_admin(&fx, "alice").await,
        second_admin(&fx, "bob").await,
    ];
    let (_, page) = send(&app, admin_get("/v1/admin/alerts", &tokens[0])).await;
    let id = page["alerts"][0]["alert_id"].as_i64().expect("id");
    let barrier = Arc::new(Barrier::new(2));
    let tasks: Vec<_> = tokens
        .iter()
        .map(|token| {
            let (app, barrier) = (app.clone(), Arc::clone(&barrier));
            let req = admin_post(&format!("/v1/admin/alerts/{id}/ack"), token);
            tokio::spawn(async move {
                barrier.wait().await;
                send(&app, req).await
            })
        })
        .collect();
    let mut answers = Vec::new();
    for task in tasks {
        let (status, body) = task.await.expect("task");
        assert_eq!(status, StatusCode::OK, "{body}");
        answers.push(body);
    }
    assert_eq!(
        answers[0], answers[1],
        "both answer the one acknowledgement"
    );
    let by = answers[0]["acknowledged_by"].as_str().expect("by");
    assert!(by == "alice" || by == "bob", "{by}");
    let (_, done) = send(
        &app,
        admin_get("/v1/admin/alerts?acknowledged=true", &tokens[0]),
    )
    .await;
    assert_eq!(done["alerts"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn the_admin_page_acknowledges_with_its_csrf_token() {
    let fx = web_fixture("").await;
    let app = fx.app();
    let mut device = fx.enrolled(0x73).await;
    let events = next(&mut device, &[("rita", "user.lock", "success"); 3]);
    // A fork of seq 1 (refused: a chain alert), then the honest batch.
    let mut forked = events[..1].to_vec();
    let (status, _) = send(&app, device.batch_request(&events, fx.clock.now())).await;
    assert_eq!(status, StatusCode::OK);
    forked[0].event.outcome = "denied".into();
    let (status, _) = send(&app, device.batch_request(&forked, fx.clock.now())).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let cookie = login(&app, &fx.admin_token().await).await;

    let devices = get(&app, "/admin/devices", Some(&cookie)).await;
    assert!(
        devices
            .body
            .contains("1 batch refused (latest: chain_fork at seq 1")
            && devices.body.contains("); 1 open</td>"),
        "{}",
        devices.body
    );
    let alerts = get(&app, "/admin/alerts", Some(&cookie)).await;
    assert!(alerts.body.contains("1 open alert,"), "{}", alerts.body);
    let (_, page) = send(&app, admin_get("/v1/admin/alerts", &fx.admin_token().await)).await;
    let id = page["alerts"][0]["alert_id"].as_i64().expect("id");
    let action = format!("action=\"/admin/alerts/{id}/ack\"");
    assert!(alerts.body.contains(&action), "{}", alerts.body);
    assert!(alerts.body.contains(">Acknowledge</button>"));
    let csrf = alerts.csrf();
    let uri = format!("/admin/alerts/{id}/ack");

    for (what, form, sender) in [
        ("no token", vec![], Sender::ThisPage),
        (
            "cross origin",
            vec![("csrf", csrf.as_str())],
            Sender::Origin("http://127.0.0.1:9999"),
        ),
        ("unmarked", vec![("csrf", csrf.as_str())], Sender::Unmarked),
    ] {
        let refused = post(&app, &uri, Some(&cookie), &form, sender).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{what}");
        let (_, page) = send(
            &app,
            admin_get(
                "/v1/admin/alerts?acknowledged=true",
                &fx.admin_token().await,
            ),
        )
        .await;
        assert_eq!(codes(&page), Vec::<String>::new(), "{what}: nothing done");
    }
    let done = post(
        &app,
        &uri,
        Some(&cookie),
        &[("csrf", &csrf)],
        Sender::ThisPage,
    )
    .await;
    assert_eq!(
        (done.status, done.location()),
        (StatusCode::SEE_OTHER, Some("/admin/alerts"))
    );
    let alerts = get(&app, "/admin/alerts", Some(&cookie)).await;
    assert!(alerts.body.contains("No open alerts."), "{}", alerts.body);
    assert!(
        alerts
            .body
            .contains("acknowledged by it, 2024-11-19T07:06:40Z"),
        "{}",
        alerts.body
    );
    assert!(!alerts.body.contains(">Acknowledge</button>"));
    let devices = get(&app, "/admin/devices", Some(&cookie)).await;
    assert!(
        devices.body.contains("); all acknowledged</td>"),
        "{}",
        devices.body
    );
    let again = post(
        &app,
        &uri,
        Some(&cookie),
        &[("csrf", &csrf)],
        Sender::ThisPage,
    )
    .await;
    assert_eq!(
        again.status,
        StatusCode::SEE_OTHER,
        "acknowledging again changes nothing"
    );
    let unknown = post(
        &app,
        "/admin/alerts/424242/ack",
        Some(&cookie),
        &[("csrf", &csrf)],
        Sender::ThisPage,
    )
    .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_silence_check_raises_once_per_silence_on_a_manual_clock() {
    let fx = crate::common::fixture().await;
    let app = fx.app();
    let mut device = fx.enrolled(0x74).await;
    let store = fx.state.store.as_ref();
    let settings = AlertSettings {
        silent_after_secs: 3_600,
        ..AlertSettings::default()
    };
    let check = || silence::check(store, fx.clock.as_ref(), &settings);
    assert!(check().await.expect("check").is_empty(), "just enrolled");
    fx.clock.advance(3_600_000_000);
    assert!(
        check().await.expect("check").is_empty(),
        "silent exactly an hour"
    );
    fx.clock.advance(1);
    let raised = check().await.expect("check");
    assert_eq!(raised.len(), 1);
    assert_eq!(raised[0].code, "device_silent");
    assert_eq!(raised[0].device_id, device.device_id);
    for _ in 0..3 {
        fx.clock.advance(10 * MIN);
        assert!(check().await.expect("check").is_empty(), "once per silence");
    }
    let events = device.next_events(1);
    let (status, _) = send(&app, device.batch_request(&events, fx.clock.now())).await;
    assert_eq!(status, StatusCode::OK);
    fx.clock.advance(30 * MIN);
    assert!(check().await.expect("check").is_empty(), "seen again");
    fx.clock.advance(31 * MIN);
    assert_eq!(check().await.expect("check").len(), 1, "a new silence");
    let off = AlertSettings {
        silent_after_secs: 0,
        ..settings.clone()
    };
    fx.clock.advance(1_000 * MIN);
    assert!(silence::check(store, fx.clock.as_ref(), &off)
        .await
        .expect("check")
        .is_empty());
}

/// The sum of a metric's samples whose labels include every one of `labels`.
fn figure(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let (key, value) = line.rsplit_once(' ')?;
            let (metric, label_text) = match key.split_once('{') {
                Some((metric, rest)) => (metric, rest.trim_end_matches('}')),
                None => (key, ""),
            };
            if metric != name {
                return None;
            }
            let all = labels.iter().all(|(k, v)| {
                label_text
                    .split(',')
                    .any(|pair| pair == format!("{k}=\"{v}\""))
            });
            all.then(|| value.parse::<f64>().ok()).flatten()
        })
        .sum()
}

fn metrics_request(token: Option<&str>, peer: Option<&str>, forwarded: bool) -> Request<Body> {
    let mut req = Request::builder().uri("/metrics");
    if let Some(token) = token {
        req = req.header("authorization", format!("Bearer {token}"));
    }
    if forwarded {
        req = req.header("x-forwarded-for", "203.0.113.9");
    }
    let mut req = req.body(Body::empty()).expect("request");
    if let Some(peer) = peer {
        let addr: SocketAddr = peer.parse().expect("addr");
        req.extensions_mut().insert(ConnectInfo(addr));
    }
    req
}

#[tokio::test]
async fn metrics_need_an_admin_or_loopback_and_move_with_requests() {
    let fx = crate::common::fixture().await;
    let app = fx.app();
    let admin = fx.admin_token().await;
    for (what, req, status) in [
        (
            "nobody",
            metrics_request(None, None, false),
            StatusCode::UNAUTHORIZED,
        ),
        (
            "a remote peer",
            metrics_request(None, Some("192.0.2.7:5000"), false),
            StatusCode::UNAUTHORIZED,
        ),
        (
            "loopback through a proxy",
            metrics_request(None, Some("127.0.0.1:5000"), true),
            StatusCode::UNAUTHORIZED,
        ),
        (
            "a bad token",
            metrics_request(Some("cvadmin_nope"), None, false),
            StatusCode::UNAUTHORIZED,
        ),
        (
            "loopback",
            metrics_request(None, Some("127.0.0.1:5000"), false),
            StatusCode::OK,
        ),
        (
            "loopback v6",
            metrics_request(None, Some("[::1]:5000"), false),
            StatusCode::OK,
        ),
        (
            "an admin",
            metrics_request(Some(admin.as_str()), Some("192.0.2.7:5000"), true),
            StatusCode::OK,
        ),
    ] {
        let (got, _) = send(&app, req).await;
        assert_eq!(got, status, "{what}");
    }
    let scrape = || async {
        let (status, body) = send(&app, metrics_request(Some(admin.as_str()), None, false)).await;
        assert_eq!(status, StatusCode::OK);
        body.as_str().expect("text").to_owned()
    };
    // Other tests share the process's recorder: figures are compared as increases of at
    // least what this test did.
    let before = scrape().await;
    let mut device = fx.enrolled(0x75).await;
    let events = attack(&mut device);
    let (status, _) = send(&app, device.batch_request(&events, fx.clock.now())).await;
    assert_eq!(status, StatusCode::OK);
    let gapped = device.next_events(3);
    let (status, _) = send(&app, device.batch_request(&gapped[1..], fx.clock.now())).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let blob = b"an encrypted scan, as far as the server knows".to_vec();
    let hash = hex(&<sha2::Sha256 as sha2::Digest>::digest(&blob));
    let (status, _) = send(
        &app,
        device.signed(
            "PUT",
            &format!("/v1/blobs/{hash}"),
            blob.clone(),
            fx.clock.now(),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let after = scrape().await;
    let moved = |name: &str, labels: &[(&str, &str)]| {
        figure(&after, name, labels) - figure(&before, name, labels)
    };
    use clinic_vault_server::metrics as m;
    let batches_ok = [("route", "/v1/audit/batches"), ("status", "200")];
    assert!(moved(m::REQUESTS, &batches_ok) >= 1.0, "{after}");
    assert!(
        moved(
            m::REQUESTS,
            &[("route", "/v1/audit/batches"), ("status", "409")]
        ) >= 1.0
    );
    assert!(moved(m::REQUESTS, &[("route", "/metrics"), ("status", "200")]) >= 1.0);
    assert!(moved(m::EVENTS_STORED, &[]) >= 7.0);
    assert!(moved(m::BATCHES, &[("result", "stored")]) >= 1.0);
    assert!(moved(m::BATCHES, &[("result", "refused")]) >= 1.0);
    assert!(moved(&format!("{}_count", m::BATCH_SECONDS), &[]) >= 1.0);
    assert!(moved(&format!("{}_bucket", m::BATCH_SECONDS), &[("le", "+Inf")]) >= 1.0);
    for code in [
        "failed_unlocks",
        "alert_action",
        "prelock_reports",
        "chain_gap",
    ] {
        assert!(
            moved(m::ALERTS, &[("code", code)]) >= 1.0,
            "{code}: {after}"
        );
    }
    assert!(moved(m::BLOB_BYTES_STORED, &[]) >= blob.len() as f64);
    assert!(
        !after.contains(&device.device_id) && !after.contains("rita"),
        "no device id or user in the labels"
    );
}
