//! The admin review page under `/admin/`: server-rendered HTML with no JavaScript, for
//! the clinic's IT admin to log in with an admin token, search the audit trail, see the
//! devices (last sync, chain status), revoke one, see the alerts, and make an enrollment
//! code. Every response carries a strict CSP and no-store; every POST passes the
//! same-origin and CSRF checks (`session.rs`); GETs change nothing.

pub mod alerts;
pub mod audit;
pub mod devices;
pub mod enroll;
pub mod html;
pub mod limit;
pub mod login;
pub mod session;
pub mod time;

use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{from_fn_with_state, map_response};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use clinic_vault_proto::ed25519_dalek::SigningKey;

use crate::store::StoreError;
use crate::{AppState, Settings};
use html::{page, Html, Section};
use limit::LoginLimiter;
use session::{EndedSessions, PostRefusal, SessionKeys};

/// The Content-Security-Policy of every admin response: nothing but this server's
/// stylesheet (and images), forms only to this server, never framed.
pub const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
                       form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
/// The largest form body accepted.
pub const MAX_FORM_BYTES: usize = 16 * 1024;

/// What the admin page keeps between requests. Cheap to clone.
#[derive(Debug, Clone)]
pub struct AdminWeb {
    /// The URL workstations reach the server at (empty: no enrollment codes).
    pub public_url: String,
    /// The idle timeout, microseconds.
    pub idle_us: i64,
    /// The longest a session lasts, microseconds.
    pub max_us: i64,
    /// The cookie and CSRF keys.
    pub keys: Arc<SessionKeys>,
    /// Sessions logged out on this instance.
    pub ended: Arc<EndedSessions>,
    /// Failed logins.
    pub logins: Arc<LoginLimiter>,
}

impl AdminWeb {
    /// The admin page's state for these settings; its keys derive from the server's
    /// signing key.
    pub fn new(settings: &Settings, signing_key: &SigningKey) -> AdminWeb {
        AdminWeb {
            public_url: settings.public_url.trim().to_owned(),
            idle_us: i64::from(settings.admin_session_idle_secs) * 1_000_000,
            max_us: i64::from(settings.admin_session_max_secs) * 1_000_000,
            keys: Arc::new(SessionKeys::derive(&signing_key.to_bytes())),
            ended: Arc::default(),
            logins: Arc::default(),
        }
    }
}

/// Why an admin page request failed; each shows as a page.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// No session (or it ended): the login page.
    #[error("log in first")]
    LoginNeeded,
    /// A POST that failed the same-origin or CSRF check.
    #[error(transparent)]
    Refused(#[from] PostRefusal),
    /// A form or query that does not parse.
    #[error("the form is not valid")]
    BadForm,
    /// No such page or device.
    #[error("not found")]
    NotFound,
    /// The store failed.
    #[error("storage failed")]
    Store(#[from] StoreError),
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, title, sentence) = match &self {
            WebError::LoginNeeded => return Redirect::to("/admin/login").into_response(),
            WebError::Refused(PostRefusal::CrossOrigin) => (
                StatusCode::FORBIDDEN,
                "Refused",
                "This form was not sent from this server's own page, so nothing was done.",
            ),
            WebError::Refused(PostRefusal::BadCsrf) => (
                StatusCode::FORBIDDEN,
                "Refused",
                "This form does not belong to your session (it is old, or from another \
                 login), so nothing was done. Go back, reload the page and try again.",
            ),
            WebError::BadForm => (
                StatusCode::BAD_REQUEST,
                "Not understood",
                "The form or address is not one this page makes.",
            ),
            WebError::NotFound => (StatusCode::NOT_FOUND, "Not found", "There is no such page."),
            WebError::Store(e) => {
                tracing::error!(detail = %e, "admin page: storage failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Server error",
                    "The server could not complete the request; its log says why.",
                )
            }
        };
        if let WebError::Refused(refusal) = &self {
            tracing::warn!(refusal = %refusal, "admin page: POST refused");
        }
        let mut body = Html::new();
        body.raw("<p class=\"notice\">").text(sentence).raw("</p>");
        body.raw("<p><a href=\"/admin/audit\">Back to the admin page</a></p>");
        page(status, title, Section::Login, None, body)
    }
}

async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    let set = [
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CACHE_CONTROL, "no-store"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ];
    for (name, value) in set {
        headers.insert(name, HeaderValue::from_static(value));
    }
    headers.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("same-origin"),
    );
    response
}

async fn stylesheet() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("admin.css"),
    )
}

async fn not_found() -> WebError {
    WebError::NotFound
}

/// The admin page's routes, to merge into the API's router: every `/admin` path,
/// behind the session layer and the security headers.
pub fn router(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/admin", get(|| async { Redirect::to("/admin/audit") }))
        .route("/admin/", get(|| async { Redirect::to("/admin/audit") }))
        .route("/admin/static/admin.css", get(stylesheet))
        .route("/admin/login", get(login::form).post(login::login))
        .route("/admin/logout", axum::routing::post(login::logout))
        .route("/admin/audit", get(audit::search))
        .route("/admin/devices", get(devices::list))
        .route(
            "/admin/devices/{device_id}/revoke",
            get(devices::confirm_revoke).post(devices::revoke),
        )
        .route("/admin/alerts", get(alerts::list))
        .route(
            "/admin/alerts/{alert_id}/ack",
            axum::routing::post(alerts::acknowledge),
        )
        .route("/admin/enroll", get(enroll::form).post(enroll::create))
        .route("/admin/{*rest}", get(not_found).post(not_found))
        .layer(DefaultBodyLimit::max(MAX_FORM_BYTES))
        .layer(from_fn_with_state(state.clone(), session::session_layer))
        .layer(map_response(security_headers))
}
