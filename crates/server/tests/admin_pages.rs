//! The admin page in-process, what it shows: the audit search with its filters and
//! pages, the devices with last sync and chain status, the alerts, hostile stored
//! values escaped, and an enrollment code shown once that enrolls a workstation (or a
//! clear refusal when `public_url` is not set).

use axum::http::StatusCode;
use clinic_vault_proto::EnrollCode;

use crate::admin_web::{get, login, post, web_fixture, Sender};
use crate::common::{send, Now, TestDevice};

fn n_rows(body: &str) -> usize {
    let Some(start) = body.find("<tbody>") else {
        return 0;
    };
    body[start..].matches("<tr>").count()
}

#[tokio::test]
async fn the_audit_search_filters_and_pages() {
    let fx = web_fixture("").await;
    let app = fx.app();
    let mut device = fx.enrolled(0x51).await;
    let events = device.next_events(100);
    let (status, _) = send(&app, device.batch_request(&events[..60], fx.clock.now())).await;
    assert_eq!(status, StatusCode::OK);
    fx.clock.advance(1_000_000);
    let (status, _) = send(&app, device.batch_request(&events[60..], fx.clock.now())).await;
    assert_eq!(status, StatusCode::OK);
    let cookie = login(&app, &fx.admin_token().await).await;

    let all = get(&app, "/admin/audit", Some(&cookie)).await;
    assert_eq!(n_rows(&all.body), 50);
    assert!(all.body.contains("Events 1–50"), "{}", all.body);
    assert!(all.body.contains("offset=50"), "a next page");
    assert!(all.body.contains("Reception"), "the workstation's name");
    assert!(
        all.body.contains("2024-11-19T07:06:40Z"),
        "times in UTC ISO-8601"
    );

    // The test device writes user "rita" on even seqs: 50 of 100, one page exactly.
    let rita = get(&app, "/admin/audit?user=rita", Some(&cookie)).await;
    assert_eq!(n_rows(&rita.body), 50);
    assert_eq!(rita.body.matches(">bob<").count(), 0);
    assert!(!rita.body.contains("offset=50"), "no next page");
    let failures = get(
        &app,
        "/admin/audit?user=rita&outcome=failure",
        Some(&cookie),
    )
    .await;
    assert_eq!(n_rows(&failures.body), 25, "every 4th seq fails");
    let page_two = get(&app, "/admin/audit?offset=50", Some(&cookie)).await;
    assert!(page_two.body.contains("Events 51–100"));
    assert!(page_two.body.contains("offset=0"), "a previous page");
    let past = get(&app, "/admin/audit?offset=100", Some(&cookie)).await;
    assert!(past.body.contains("No more events match"));
    let later = format!("/admin/audit?from={}", "2024-11-19T07:06:41Z");
    assert!(get(&app, &later, Some(&cookie))
        .await
        .body
        .contains("No events match"));
    let bad = get(&app, "/admin/audit?from=yesterday", Some(&cookie)).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("Times are UTC"));
    let unknown = get(&app, "/admin/audit?colour=red", Some(&cookie)).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    let other_device = format!("/admin/audit?device_id={}", TestDevice::new(0x52).device_id);
    assert!(get(&app, &other_device, Some(&cookie))
        .await
        .body
        .contains("No events match"));
}

#[tokio::test]
async fn devices_show_last_sync_head_and_chain_refusals() {
    let fx = web_fixture("").await;
    let app = fx.app();
    let cookie = login(&app, &fx.admin_token().await).await;
    let empty = get(&app, "/admin/devices", Some(&cookie)).await;
    assert!(empty.body.contains("No workstation has enrolled yet"));

    let mut device = fx.enrolled(0x53).await;
    let fresh = get(&app, "/admin/devices", Some(&cookie)).await;
    assert!(fresh.body.contains("no events yet") && fresh.body.contains("never"));
    let events = device.next_events(5);
    fx.clock.advance(90_000_000);
    let (status, _) = send(&app, device.batch_request(&events, fx.clock.now())).await;
    assert_eq!(status, StatusCode::OK);
    let synced = get(&app, "/admin/devices", Some(&cookie)).await;
    assert!(synced.body.contains("intact to seq 5"), "{}", synced.body);
    assert!(
        synced.body.contains("2024-11-19T07:08:10Z"),
        "last sync = that batch's arrival"
    );

    let mut forked = events[..2].to_vec();
    forked[0].event.outcome = "denied".into();
    let (status, _) = send(&app, device.batch_request(&forked, fx.clock.now())).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let refused = get(&app, "/admin/devices", Some(&cookie)).await;
    assert!(
        refused
            .body
            .contains("intact to seq 5; 1 batch refused (latest: chain_fork at seq 1"),
        "{}",
        refused.body
    );
    let alerts = get(&app, "/admin/alerts", Some(&cookie)).await;
    assert_eq!(n_rows(&alerts.body), 1);
    assert!(alerts.body.contains("chain_fork"));
}

#[tokio::test]
async fn hostile_stored_values_are_escaped() {
    let fx = web_fixture("").await;
    let app = fx.app();
    let hostile = "<script>alert(1)</script>";
    let mut device = TestDevice::new(0x54);
    let token = fx.enroll_token(hostile, 3_600_000_000).await;
    let (status, _) = send(&app, device.enroll_request(&token, fx.clock.now())).await;
    assert_eq!(status, StatusCode::OK);
    let mut events = device.next_events(1);
    events[0].event.actor = "\"><img src=x onerror=alert(2)>".into();
    events[0].event.patient_id = Some("p'<b>".into());
    // Chained again from the genesis after the edit.
    let canonical = events[0].event.canonical_bytes().expect("canonical");
    let genesis = clinic_vault_proto::genesis_hash(&device.vault_id);
    events[0].hash = crate::common::hex(&clinic_vault_proto::chain_hash(&genesis, &canonical));
    let (status, body) = send(&app, device.batch_request(&events, fx.clock.now())).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // A gap, so that the alerts page names the hostile workstation too.
    let gapped = device.next_events(2);
    let (status, _) = send(&app, device.batch_request(&gapped[1..], fx.clock.now())).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let cookie = login(&app, &fx.admin_token().await).await;
    for uri in ["/admin/devices", "/admin/audit", "/admin/alerts"] {
        let page = get(&app, uri, Some(&cookie)).await;
        assert_eq!(page.status, StatusCode::OK, "{uri}");
        for raw in ["<script>", "<img", "p'<b>"] {
            assert!(!page.body.contains(raw), "{uri} holds {raw}: {}", page.body);
        }
    }
    let devices = get(&app, "/admin/devices", Some(&cookie)).await;
    assert!(devices
        .body
        .contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    let audit = get(&app, "/admin/audit", Some(&cookie)).await;
    assert!(audit
        .body
        .contains("&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"));
    assert!(
        audit.body.contains("patient_id=p%27%3Cb%3E"),
        "links percent-encode"
    );
    let confirm = format!("/admin/devices/{}/revoke", device.device_id);
    let confirm = get(&app, &confirm, Some(&cookie)).await;
    assert!(confirm
        .body
        .contains("<b>&lt;script&gt;alert(1)&lt;/script&gt;</b>"));
}

#[tokio::test]
async fn an_enrollment_code_is_shown_once_and_enrolls_a_workstation() {
    let fx = web_fixture("https://vault.clinic.example").await;
    let app = fx.app();
    let cookie = login(&app, &fx.admin_token().await).await;
    let form = get(&app, "/admin/enroll", Some(&cookie)).await;
    assert!(!form.body.contains("cvenroll1:"));
    let csrf = form.csrf();
    let fields = [
        ("workstation", "Room 3"),
        ("lifetime", "1h"),
        ("csrf", csrf.as_str()),
    ];
    let made = post(
        &app,
        "/admin/enroll",
        Some(&cookie),
        &fields,
        Sender::ThisPage,
    )
    .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    assert!(made.body.contains("valid until 2024-11-19T08:06:40Z"));
    let start = made.body.find("cvenroll1:").expect("a code");
    let len = made.body[start..].find('<').expect("end");
    let code = EnrollCode::parse(&made.body[start..start + len]).expect("a valid code");
    assert_eq!(code.url(), "https://vault.clinic.example");
    assert_eq!(
        made.body.matches(code.token()).count(),
        0,
        "the token only inside the code"
    );

    // Shown once: the form again has no code; the token enrolls one workstation, once.
    assert!(!get(&app, "/admin/enroll", Some(&cookie))
        .await
        .body
        .contains("cvenroll1:"));
    let mut device = TestDevice::new(0x55);
    let (status, answer) = send(&app, device.enroll_request(code.token(), fx.clock.now())).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["workstation"], "Room 3");
    let mut second = TestDevice::new(0x56);
    let (status, _) = send(&app, second.enroll_request(code.token(), fx.clock.now())).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "spent");

    let nameless = [
        ("workstation", " "),
        ("lifetime", "1h"),
        ("csrf", csrf.as_str()),
    ];
    let refused = post(
        &app,
        "/admin/enroll",
        Some(&cookie),
        &nameless,
        Sender::ThisPage,
    )
    .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(!refused.body.contains("cvenroll1:"));
    let forever = [
        ("workstation", "Room 4"),
        ("lifetime", "99y"),
        ("csrf", csrf.as_str()),
    ];
    let refused = post(
        &app,
        "/admin/enroll",
        Some(&cookie),
        &forever,
        Sender::ThisPage,
    )
    .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let no_csrf = [("workstation", "Room 5"), ("lifetime", "1h")];
    let refused = post(
        &app,
        "/admin/enroll",
        Some(&cookie),
        &no_csrf,
        Sender::ThisPage,
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn no_enrollment_code_without_a_public_url() {
    for (public_url, sentence) in [
        ("", "has no public_url setting"),
        ("http://vault.clinic.example", "must use https"),
    ] {
        let fx = web_fixture(public_url).await;
        let app = fx.app();
        let cookie = login(&app, &fx.admin_token().await).await;
        let form = get(&app, "/admin/enroll", Some(&cookie)).await;
        assert!(form.body.contains(sentence), "{public_url}: {}", form.body);
        assert!(!form.body.contains("name=\"workstation\""), "no form");
        let csrf = form.csrf();
        let fields = [
            ("workstation", "Room 3"),
            ("lifetime", "1h"),
            ("csrf", csrf.as_str()),
        ];
        let made = post(
            &app,
            "/admin/enroll",
            Some(&cookie),
            &fields,
            Sender::ThisPage,
        )
        .await;
        assert_eq!(made.status, StatusCode::CONFLICT);
        assert!(!made.body.contains("cvenroll1:"));
    }
}
