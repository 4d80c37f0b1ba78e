//! The admin page in-process, its security: the headers on every response, the login
//! and its cookie, logout, failed logins limited, sessions that end when idle or too
//! old, POSTs refused without this session's CSRF token or from another origin, and GETs
//! that change nothing. The helpers here act as a browser would (cookie, Origin,
//! Sec-Fetch-Site); `admin_pages.rs` uses them too.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::Router;
use clinic_vault_server::web::html::percent;
use clinic_vault_server::web::limit::{LOGIN_WINDOW_US, MAX_FAILED_LOGINS};
use clinic_vault_server::web::CSP;
use clinic_vault_server::ManualClock;
use http_body_util::BodyExt;
use tower::ServiceExt;

use crate::common::{settings_in, Fixture, T0};

pub const HOST: &str = "127.0.0.1:8787";
pub const ORIGIN: &str = "http://127.0.0.1:8787";

/// A fixture whose settings have this `public_url` (empty: none).
pub async fn web_fixture(public_url: &str) -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut settings = settings_in(dir.path());
    settings.public_url = public_url.to_owned();
    let clock = Arc::new(ManualClock::at(T0));
    let state = clinic_vault_server::serve::state(&settings, clock.clone())
        .await
        .expect("state");
    Fixture {
        _dir: dir,
        state,
        clock,
    }
}

/// An answer: status, headers, body as text.
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> Option<&str> {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
    }

    /// The `cv_admin` value the answer sets (empty when it clears it).
    pub fn set_cookie(&self) -> Option<String> {
        let text = self.headers.get(header::SET_COOKIE)?.to_str().ok()?;
        let (pair, _) = text.split_once(';')?;
        pair.strip_prefix("cv_admin=").map(str::to_owned)
    }

    /// The page's CSRF field.
    pub fn csrf(&self) -> String {
        let marker = "name=\"csrf\" value=\"";
        let start = self.body.find(marker).expect("a csrf field") + marker.len();
        let len = self.body[start..].find('"').expect("quoted");
        self.body[start..start + len].to_owned()
    }
}

/// Where a POST says it comes from.
#[derive(Debug, Clone, Copy)]
pub enum Sender {
    /// This server's own page, as a browser marks it.
    ThisPage,
    /// This server's own page under `Referrer-Policy: no-referrer`: Chromium sends
    /// `Origin: null` and fetch metadata.
    ThisPageNoReferrer,
    /// A page of another origin.
    Origin(&'static str),
    /// Fetch metadata of another site, no Origin.
    FetchSite(&'static str),
    /// Neither header (not a browser).
    Unmarked,
}

async fn answer(app: &Router, req: Request<Body>) -> Page {
    let response = app.clone().oneshot(req).await.expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    Page {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

pub async fn get(app: &Router, uri: &str, cookie: Option<&str>) -> Page {
    let mut req = Request::builder().uri(uri).header(header::HOST, HOST);
    if let Some(cookie) = cookie {
        req = req.header(header::COOKIE, format!("cv_admin={cookie}"));
    }
    answer(app, req.body(Body::empty()).expect("request")).await
}

pub async fn post(
    app: &Router,
    uri: &str,
    cookie: Option<&str>,
    form: &[(&str, &str)],
    sender: Sender,
) -> Page {
    let body = form
        .iter()
        .map(|(k, v)| format!("{k}={}", percent(v)))
        .collect::<Vec<_>>()
        .join("&");
    let mut req = Request::builder()
        .method("POST")
        .uri(uri)
        .header(header::HOST, HOST)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(cookie) = cookie {
        req = req.header(header::COOKIE, format!("cv_admin={cookie}"));
    }
    req = match sender {
        Sender::ThisPage => req
            .header(header::ORIGIN, ORIGIN)
            .header("sec-fetch-site", "same-origin"),
        Sender::ThisPageNoReferrer => req
            .header(header::ORIGIN, "null")
            .header("sec-fetch-site", "same-origin"),
        Sender::Origin(origin) => req.header(header::ORIGIN, origin),
        Sender::FetchSite(site) => req.header("sec-fetch-site", site),
        Sender::Unmarked => req,
    };
    answer(app, req.body(Body::from(body)).expect("request")).await
}

/// Logs in with `token`; the session cookie.
pub async fn login(app: &Router, token: &str) -> String {
    let page = post(
        app,
        "/admin/login",
        None,
        &[("token", token)],
        Sender::ThisPage,
    )
    .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(page.location(), Some("/admin/audit"));
    page.set_cookie().expect("a session cookie")
}

fn assert_secure_headers(page: &Page, what: &str) {
    let header = |name: &str| page.headers.get(name).and_then(|v| v.to_str().ok());
    assert_eq!(header("content-security-policy"), Some(CSP), "{what}");
    assert_eq!(header("x-content-type-options"), Some("nosniff"), "{what}");
    assert_eq!(header("referrer-policy"), Some("no-referrer"), "{what}");
    assert_eq!(header("cache-control"), Some("no-store"), "{what}");
    assert_eq!(header("x-frame-options"), Some("DENY"), "{what}");
}

#[tokio::test]
async fn every_admin_response_carries_the_security_headers() {
    let fx = web_fixture("").await;
    let app = fx.app();
    let token = fx.admin_token().await;
    let cookie = login(&app, &token).await;
    let anonymous = [
        ("/admin/login", StatusCode::OK),
        ("/admin/static/admin.css", StatusCode::OK),
        ("/admin/audit", StatusCode::SEE_OTHER),
        ("/admin/no/such/page", StatusCode::NOT_FOUND),
        ("/admin", StatusCode::SEE_OTHER),
    ];
    for (uri, status) in anonymous {
        let page = get(&app, uri, None).await;
        assert_eq!(page.status, status, "{uri}");
        assert_secure_headers(&page, uri);
    }
    for uri in [
        "/admin/audit",
        "/admin/devices",
        "/admin/alerts",
        "/admin/enroll",
    ] {
        let page = get(&app, uri, Some(&cookie)).await;
        assert_eq!(page.status, StatusCode::OK, "{uri}: {}", page.body);
        assert_secure_headers(&page, uri);
        assert!(!page.body.contains("<script"), "{uri}: no script at all");
        assert!(page.body.contains("Signed in as <b>it</b>"), "{uri}");
    }
    let refused = post(&app, "/admin/logout", Some(&cookie), &[], Sender::Unmarked).await;
    assert_secure_headers(&refused, "a refused POST");
    let css = get(&app, "/admin/static/admin.css", None).await;
    assert_eq!(
        css.headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
        Some("text/css; charset=utf-8")
    );
}

#[tokio::test]
async fn login_sets_a_strict_cookie_and_logout_ends_the_session() {
    let fx = web_fixture("").await;
    let app = fx.app();
    let token = fx.admin_token().await;

    let wrong = post(
        &app,
        "/admin/login",
        None,
        &[("token", "cvadmin_nope")],
        Sender::ThisPage,
    )
    .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.set_cookie(), None);
    let cross = post(
        &app,
        "/admin/login",
        None,
        &[("token", &token)],
        Sender::Origin("http://evil.example"),
    )
    .await;
    assert_eq!(
        cross.status,
        StatusCode::FORBIDDEN,
        "a login form posted from elsewhere"
    );
    assert_eq!(cross.set_cookie(), None);

    let page = post(
        &app,
        "/admin/login",
        None,
        &[("token", &token)],
        Sender::ThisPage,
    )
    .await;
    let set_cookie = page.headers[header::SET_COOKIE].to_str().expect("ascii");
    for attribute in [
        "HttpOnly",
        "Secure",
        "SameSite=Strict",
        "Path=/admin",
        "Max-Age=900",
    ] {
        assert!(
            set_cookie.split("; ").any(|a| a == attribute),
            "{attribute} in {set_cookie}"
        );
    }
    let cookie = page.set_cookie().expect("cookie");
    let audit = get(&app, "/admin/audit", Some(&cookie)).await;
    assert_eq!(audit.status, StatusCode::OK);
    assert_eq!(
        get(&app, "/admin/login", Some(&cookie)).await.location(),
        Some("/admin/audit")
    );

    let csrf = audit.csrf();
    let out = post(
        &app,
        "/admin/logout",
        Some(&cookie),
        &[("csrf", &csrf)],
        Sender::ThisPage,
    )
    .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(
        out.set_cookie().as_deref(),
        Some(""),
        "the cookie is cleared"
    );
    let after = get(&app, "/admin/audit", Some(&cookie)).await;
    assert_eq!(
        after.location(),
        Some("/admin/login"),
        "the old cookie is refused"
    );
    assert_eq!(after.set_cookie().as_deref(), Some(""), "and cleared again");

    // A forged or edited cookie is no session.
    let mut edited = cookie.clone().into_bytes();
    edited[3] = if edited[3] == b'A' { b'B' } else { b'A' };
    let edited = String::from_utf8(edited).expect("ascii");
    assert_eq!(
        get(&app, "/admin/audit", Some(&edited)).await.location(),
        Some("/admin/login")
    );
}

#[tokio::test]
async fn failed_logins_are_limited_then_allowed_again() {
    let fx = web_fixture("").await;
    let app = fx.app();
    let token = fx.admin_token().await;
    for _ in 0..MAX_FAILED_LOGINS {
        let page = post(
            &app,
            "/admin/login",
            None,
            &[("token", "cvadmin_guess")],
            Sender::ThisPage,
        )
        .await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
    }
    let held = post(
        &app,
        "/admin/login",
        None,
        &[("token", &token)],
        Sender::ThisPage,
    )
    .await;
    assert_eq!(
        held.status,
        StatusCode::TOO_MANY_REQUESTS,
        "not even the right token"
    );
    assert_eq!(
        held.headers
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok()),
        Some("300")
    );
    assert_eq!(held.set_cookie(), None);
    fx.clock.advance(LOGIN_WINDOW_US);
    login(&app, &token).await;
}

#[tokio::test]
async fn sessions_end_when_idle_or_too_old() {
    let fx = web_fixture("").await;
    let app = fx.app();
    let token = fx.admin_token().await;
    let minute = 60_000_000;

    let cookie = login(&app, &token).await;
    fx.clock.advance(15 * minute + 1);
    assert_eq!(
        get(&app, "/admin/audit", Some(&cookie)).await.location(),
        Some("/admin/login"),
        "idle"
    );

    // A busy session slides forward with each answer, up to its maximum of 8 hours.
    let mut cookie = login(&app, &token).await;
    for _ in 0..(8 * 60 / 10) {
        fx.clock.advance(10 * minute);
        let page = get(&app, "/admin/audit", Some(&cookie)).await;
        assert_eq!(page.status, StatusCode::OK);
        cookie = page.set_cookie().expect("slid forward");
    }
    fx.clock.advance(minute);
    assert_eq!(
        get(&app, "/admin/audit", Some(&cookie)).await.location(),
        Some("/admin/login"),
        "too old"
    );
}

/// What is sent (name, cookie, form, sender) and the status expected.
type RefusalCase<'a> = (
    &'a str,
    Option<&'a str>,
    &'a [(&'a str, &'a str)],
    Sender,
    StatusCode,
);

#[tokio::test]
async fn posts_need_this_sessions_csrf_token_and_this_origin() {
    let fx = web_fixture("").await;
    let app = fx.app();
    let device = fx.enrolled(0x41).await;
    let token = fx.admin_token().await;
    let cookie = login(&app, &token).await;
    let other_cookie = login(&app, &token).await;
    let csrf = get(&app, "/admin/devices", Some(&cookie)).await.csrf();
    let other_csrf = get(&app, "/admin/devices", Some(&other_cookie))
        .await
        .csrf();
    assert_ne!(csrf, other_csrf);
    let uri = format!("/admin/devices/{}/revoke", device.device_id);

    let refusals: [RefusalCase; 8] = [
        (
            "no token",
            Some(&cookie),
            &[],
            Sender::ThisPage,
            StatusCode::FORBIDDEN,
        ),
        (
            "another session's token",
            Some(&cookie),
            &[("csrf", &other_csrf)],
            Sender::ThisPage,
            StatusCode::FORBIDDEN,
        ),
        (
            "cross origin",
            Some(&cookie),
            &[("csrf", &csrf)],
            Sender::Origin("http://127.0.0.1:9999"),
            StatusCode::FORBIDDEN,
        ),
        (
            "cross site",
            Some(&cookie),
            &[("csrf", &csrf)],
            Sender::FetchSite("cross-site"),
            StatusCode::FORBIDDEN,
        ),
        (
            "same site",
            Some(&cookie),
            &[("csrf", &csrf)],
            Sender::FetchSite("same-site"),
            StatusCode::FORBIDDEN,
        ),
        (
            "opaque origin",
            Some(&cookie),
            &[("csrf", &csrf)],
            Sender::Origin("null"),
            StatusCode::FORBIDDEN,
        ),
        (
            "unmarked",
            Some(&cookie),
            &[("csrf", &csrf)],
            Sender::Unmarked,
            StatusCode::FORBIDDEN,
        ),
        (
            "no session",
            None,
            &[("csrf", &csrf)],
            Sender::ThisPage,
            StatusCode::SEE_OTHER,
        ),
    ];
    for (what, cookie, form, sender, status) in refusals {
        let page = post(&app, &uri, cookie, form, sender).await;
        assert_eq!(page.status, status, "{what}: {}", page.body);
        let held = fx
            .state
            .store
            .device(&device.device_id)
            .await
            .expect("q")
            .expect("device");
        assert_eq!(held.revoked_us, None, "{what}: nothing done");
    }
    let page = post(
        &app,
        &uri,
        Some(&cookie),
        &[("csrf", &csrf)],
        Sender::ThisPageNoReferrer,
    )
    .await;
    assert_eq!(
        (page.status, page.location()),
        (StatusCode::SEE_OTHER, Some("/admin/devices"))
    );
    let held = fx
        .state
        .store
        .device(&device.device_id)
        .await
        .expect("q")
        .expect("device");
    assert_eq!(held.revoked_us, Some(T0));
    let again = post(
        &app,
        &uri,
        Some(&cookie),
        &[("csrf", &csrf)],
        Sender::ThisPage,
    )
    .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND, "no such active device");
}

#[tokio::test]
async fn gets_change_nothing() {
    let fx = web_fixture("https://vault.clinic.example").await;
    let app = fx.app();
    let device = fx.enrolled(0x42).await;
    let token = fx.admin_token().await;
    let cookie = login(&app, &token).await;
    let uri = format!("/admin/devices/{}/revoke", device.device_id);
    let confirm = get(&app, &uri, Some(&cookie)).await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(confirm.body.contains("Revoke this device"));
    let held = fx
        .state
        .store
        .device(&device.device_id)
        .await
        .expect("q")
        .expect("device");
    assert_eq!(held.revoked_us, None, "asking to confirm revokes nothing");
    let enroll = get(
        &app,
        "/admin/enroll?workstation=x&lifetime=1h",
        Some(&cookie),
    )
    .await;
    assert!(!enroll.body.contains("cvenroll1:"), "no code from a GET");
    let logout = get(&app, "/admin/logout", Some(&cookie)).await;
    assert_eq!(logout.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        get(&app, "/admin/audit", Some(&cookie)).await.status,
        StatusCode::OK,
        "still in"
    );
}
