//! The admin page's sessions: an HMAC-signed cookie (no session table), checked on every
//! request by [`session_layer`], which also slides it forward; the per-session CSRF
//! token and the same-origin check every POST passes ([`check_post`]); logouts, remembered
//! until the cookie could no longer be valid.
//!
//! The cookie holds a random 32-byte session id, the SHA-256 of the admin token that
//! logged in, the login time and the last request's time, MACed with a key derived from
//! the server's signing key (so instances that share that key, as they must, share
//! sessions). A request is in a session only when the MAC verifies, the session is
//! neither idle too long nor older than its maximum, it was not logged out here, and
//! the admin token still exists in the store.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use clinic_vault_proto::Hash32;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use super::WebError;
use crate::store::StoreError;
use crate::AppState;

/// The session cookie's name.
pub const COOKIE: &str = "cv_admin";
/// How far a cookie's last-request time may be ahead of this server's clock (instances'
/// clocks differ a little).
const CLOCK_SKEW_US: i64 = 5_000_000;
const VERSION: u8 = 1;
const PAYLOAD_LEN: usize = 1 + 32 + 32 + 8 + 8;

/// The keys of the admin page, derived from the server's signing key.
pub struct SessionKeys {
    cookie: [u8; 32],
    csrf: [u8; 32],
}

impl std::fmt::Debug for SessionKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionKeys(***)")
    }
}

fn mac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    // HMAC takes keys of any length: `new_from_slice` cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

impl SessionKeys {
    /// Two keys, each HMAC-SHA256(seed, its label): one MACs cookies, one makes CSRF
    /// tokens; neither reveals the seed or the other.
    pub fn derive(seed: &[u8; 32]) -> SessionKeys {
        SessionKeys {
            cookie: mac(seed, &[b"clinic-vault/admin-session/cookie/v1"]),
            csrf: mac(seed, &[b"clinic-vault/admin-session/csrf/v1"]),
        }
    }

    /// The CSRF token of a session: base64url(HMAC(csrf key, session id)).
    pub fn csrf_token(&self, session_id: &[u8; 32]) -> String {
        URL_SAFE_NO_PAD.encode(mac(&self.csrf, &[session_id]))
    }
}

/// What a session cookie holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CookieValue {
    /// The random session id.
    pub session_id: [u8; 32],
    /// The SHA-256 of the admin token that logged in.
    pub token_hash: Hash32,
    /// When it logged in, microseconds UTC.
    pub issued_us: i64,
    /// Its last request, microseconds UTC.
    pub last_us: i64,
}

impl CookieValue {
    /// A new session for this admin token.
    pub fn new(token_hash: Hash32, now_us: i64) -> CookieValue {
        let mut session_id = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut session_id);
        CookieValue {
            session_id,
            token_hash,
            issued_us: now_us,
            last_us: now_us,
        }
    }

    fn payload(&self) -> [u8; PAYLOAD_LEN] {
        let mut out = [0u8; PAYLOAD_LEN];
        let (version, rest) = out.split_at_mut(1);
        version[0] = VERSION;
        let (id, rest) = rest.split_at_mut(32);
        id.copy_from_slice(&self.session_id);
        let (hash, rest) = rest.split_at_mut(32);
        hash.copy_from_slice(&self.token_hash);
        let (issued, last) = rest.split_at_mut(8);
        issued.copy_from_slice(&self.issued_us.to_be_bytes());
        last.copy_from_slice(&self.last_us.to_be_bytes());
        out
    }

    /// `base64url(payload).base64url(MAC)`.
    pub fn seal(&self, keys: &SessionKeys) -> String {
        let payload = self.payload();
        let tag = mac(&keys.cookie, &[&payload]);
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(payload),
            URL_SAFE_NO_PAD.encode(tag)
        )
    }

    /// The value of a cookie whose MAC verifies (compared in constant time).
    pub fn open(keys: &SessionKeys, text: &str) -> Option<CookieValue> {
        let (payload, tag) = text.split_once('.')?;
        let payload = URL_SAFE_NO_PAD.decode(payload).ok()?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        let expected = mac(&keys.cookie, &[&payload]);
        if !bool::from(expected.as_slice().ct_eq(&tag)) {
            return None;
        }
        let payload: [u8; PAYLOAD_LEN] = payload.try_into().ok()?;
        let (version, rest) = payload.split_first()?;
        if *version != VERSION {
            return None;
        }
        let (id, rest) = rest.split_at(32);
        let (hash, rest) = rest.split_at(32);
        let (issued, last) = rest.split_at(8);
        Some(CookieValue {
            session_id: id.try_into().ok()?,
            token_hash: hash.try_into().ok()?,
            issued_us: i64::from_be_bytes(issued.try_into().ok()?),
            last_us: i64::from_be_bytes(last.try_into().ok()?),
        })
    }

    /// Whether it is still within its idle timeout and its maximum age at `now_us`.
    pub fn is_current(&self, now_us: i64, idle_us: i64, max_us: i64) -> bool {
        self.issued_us <= self.last_us
            && self.last_us <= now_us.saturating_add(CLOCK_SKEW_US)
            && now_us.saturating_sub(self.last_us) <= idle_us
            && now_us.saturating_sub(self.issued_us) <= max_us
    }
}

/// `Set-Cookie` for a session cookie (its `Max-Age` the idle timeout).
pub fn set_cookie(value: &str, max_age_secs: i64) -> HeaderValue {
    let text = format!(
        "{COOKIE}={value}; HttpOnly; Secure; SameSite=Strict; Path=/admin; Max-Age={max_age_secs}"
    );
    // base64url and digits only: always a valid header value.
    HeaderValue::from_str(&text).unwrap_or_else(|_| clear_cookie())
}

/// `Set-Cookie` that ends the session cookie in the browser.
pub fn clear_cookie() -> HeaderValue {
    HeaderValue::from_static("cv_admin=; HttpOnly; Secure; SameSite=Strict; Path=/admin; Max-Age=0")
}

fn cookie_in(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value)
}

/// A logged-in admin, put into the request by [`session_layer`].
#[derive(Clone)]
pub struct AdminSession {
    /// The admin token's name.
    pub name: String,
    /// The session's CSRF token.
    pub csrf: String,
    /// The cookie it came with.
    pub cookie: CookieValue,
}

impl std::fmt::Debug for AdminSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminSession")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl FromRequestParts<AppState> for AdminSession {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, WebError> {
        parts
            .extensions
            .get::<AdminSession>()
            .cloned()
            .ok_or(WebError::LoginNeeded)
    }
}

/// The request's session: `Ok(None)` when it has no cookie or one that is no longer
/// valid (`Err` only when the store fails).
async fn session_of(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<AdminSession>, StoreError> {
    let web = &state.admin_web;
    let Some(cookie) = cookie_in(headers).and_then(|text| CookieValue::open(&web.keys, text))
    else {
        return Ok(None);
    };
    let now_us = state.clock.now_us();
    if !cookie.is_current(now_us, web.idle_us, web.max_us)
        || web.ended.is_ended(&cookie.session_id, now_us)
    {
        return Ok(None);
    }
    let Some(name) = state.store.admin_by_token(&cookie.token_hash).await? else {
        return Ok(None);
    };
    Ok(Some(AdminSession {
        name,
        csrf: web.keys.csrf_token(&cookie.session_id),
        cookie,
    }))
}

/// Finds the request's session and, after the handler, slides its cookie forward (or
/// clears a cookie that is no longer valid). A handler that sets a cookie itself (login,
/// logout) keeps its own.
pub async fn session_layer(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let had_cookie = cookie_in(req.headers()).is_some();
    let session = match session_of(&state, req.headers()).await {
        Ok(session) => session,
        Err(e) => return WebError::Store(e).into_response(),
    };
    if let Some(session) = &session {
        req.extensions_mut().insert(session.clone());
    }
    let mut response = next.run(req).await;
    if response.headers().contains_key(header::SET_COOKIE) {
        return response;
    }
    let now_us = state.clock.now_us();
    let cookie = match session {
        Some(session) => {
            let slid = CookieValue {
                last_us: now_us.max(session.cookie.last_us),
                ..session.cookie
            };
            set_cookie(
                &slid.seal(&state.admin_web.keys),
                state.admin_web.idle_us / 1_000_000,
            )
        }
        None if had_cookie => clear_cookie(),
        None => return response,
    };
    response.headers_mut().append(header::SET_COOKIE, cookie);
    response
}

/// Sessions logged out on this instance, remembered until they would have expired.
#[derive(Debug, Default)]
pub struct EndedSessions(Mutex<HashMap<[u8; 32], i64>>);

impl EndedSessions {
    /// Records a logout; the entry is dropped at `until_us`.
    pub fn end(&self, session_id: [u8; 32], until_us: i64, now_us: i64) {
        let mut ended = self.0.lock().unwrap_or_else(|e| e.into_inner());
        ended.retain(|_, until| *until > now_us);
        ended.insert(session_id, until_us);
    }

    /// Whether this session was logged out.
    pub fn is_ended(&self, session_id: &[u8; 32], now_us: i64) -> bool {
        let ended = self.0.lock().unwrap_or_else(|e| e.into_inner());
        ended.get(session_id).is_some_and(|until| *until > now_us)
    }
}

/// Why a POST was refused before it did anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PostRefusal {
    /// `Sec-Fetch-Site` or `Origin` says another site or origin sent it, or neither
    /// header is there to say it did not.
    #[error("the form was not sent from this page")]
    CrossOrigin,
    /// The CSRF field is missing or is not this session's.
    #[error("the form's CSRF token is missing or not this session's")]
    BadCsrf,
}

fn origin_of(url: &str) -> Option<&str> {
    let scheme_end = url.find("://")? + 3;
    let end = url[scheme_end..]
        .find('/')
        .map_or(url.len(), |i| scheme_end + i);
    Some(&url[..end])
}

/// The browser's word that this page sent the request: `Sec-Fetch-Site: same-origin`
/// when the browser sends fetch metadata, and an `Origin` that is this server's (the
/// `Host` it was asked for, or the `public_url`) when it sends one; at least one of
/// the two must be there. `Origin: null` (what Chromium sends for a same-origin form
/// under `Referrer-Policy: no-referrer`) passes only with `Sec-Fetch-Site: same-origin`.
pub fn check_same_origin(headers: &HeaderMap, public_url: &str) -> Result<(), PostRefusal> {
    let fetch_site = headers.get("sec-fetch-site");
    if fetch_site.is_some_and(|site| site.as_bytes() != b"same-origin") {
        return Err(PostRefusal::CrossOrigin);
    }
    let same_origin_fetch = fetch_site.is_some();
    match headers.get(header::ORIGIN).map(|v| v.to_str()) {
        // Under `Referrer-Policy: no-referrer` a browser sends `Origin: null` with a
        // same-origin form POST; its fetch metadata then says where the form was.
        Some(Ok("null")) if same_origin_fetch => Ok(()),
        Some(Ok(origin)) => {
            let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
            let is_host = host.is_some_and(|host| {
                origin
                    .strip_prefix("https://")
                    .or_else(|| origin.strip_prefix("http://"))
                    == Some(host)
            });
            let is_public = !public_url.is_empty() && origin_of(public_url) == Some(origin);
            if is_host || is_public {
                Ok(())
            } else {
                Err(PostRefusal::CrossOrigin)
            }
        }
        Some(Err(_)) => Err(PostRefusal::CrossOrigin),
        None if same_origin_fetch => Ok(()),
        None => Err(PostRefusal::CrossOrigin),
    }
}

/// What every POST of a session passes: the same-origin check, then its CSRF field
/// compared in constant time with the session's token.
pub fn check_post(
    headers: &HeaderMap,
    public_url: &str,
    session: &AdminSession,
    csrf_field: &str,
) -> Result<(), PostRefusal> {
    check_same_origin(headers, public_url)?;
    if bool::from(session.csrf.as_bytes().ct_eq(csrf_field.as_bytes())) {
        Ok(())
    } else {
        Err(PostRefusal::BadCsrf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> SessionKeys {
        SessionKeys::derive(&[7; 32])
    }

    #[test]
    fn a_cookie_opens_only_unedited_and_with_its_key() {
        let value = CookieValue::new([3; 32], 1_000);
        let sealed = value.seal(&keys());
        assert_eq!(CookieValue::open(&keys(), &sealed), Some(value));
        assert_eq!(
            CookieValue::open(&SessionKeys::derive(&[8; 32]), &sealed),
            None
        );
        let (payload, tag) = sealed.split_once('.').expect("two parts");
        let mut bytes = URL_SAFE_NO_PAD.decode(payload).expect("b64");
        bytes[PAYLOAD_LEN - 1] ^= 1;
        let edited = format!("{}.{tag}", URL_SAFE_NO_PAD.encode(bytes));
        assert_eq!(CookieValue::open(&keys(), &edited), None);
        for junk in ["", ".", "a.b", &sealed[1..], "x.".repeat(3).as_str()] {
            assert_eq!(CookieValue::open(&keys(), junk), None, "{junk:?}");
        }
    }

    #[test]
    fn sessions_end_when_idle_or_old() {
        let value = CookieValue::new([3; 32], 0);
        assert!(value.is_current(100, 100, 1_000));
        assert!(!value.is_current(101, 100, 1_000), "idle");
        let busy = CookieValue {
            last_us: 990,
            ..value
        };
        assert!(busy.is_current(1_000, 100, 1_000));
        assert!(!busy.is_current(1_001, 100, 1_000), "too old");
        let future = CookieValue {
            last_us: 10_000_000,
            ..value
        };
        assert!(!future.is_current(0, i64::MAX, i64::MAX), "from the future");
    }

    #[test]
    fn csrf_tokens_differ_by_session() {
        let keys = keys();
        assert_ne!(keys.csrf_token(&[1; 32]), keys.csrf_token(&[2; 32]));
        assert_eq!(keys.csrf_token(&[1; 32]), keys.csrf_token(&[1; 32]));
    }

    #[test]
    fn only_this_origin_may_post() {
        let headers = |pairs: &[(&'static str, &'static str)]| {
            let mut map = HeaderMap::new();
            for (name, value) in pairs {
                map.insert(*name, HeaderValue::from_static(value));
            }
            map
        };
        let host = ("host", "127.0.0.1:8787");
        let ok = [
            headers(&[
                host,
                ("origin", "http://127.0.0.1:8787"),
                ("sec-fetch-site", "same-origin"),
            ]),
            headers(&[host, ("origin", "http://127.0.0.1:8787")]),
            headers(&[host, ("sec-fetch-site", "same-origin")]),
            headers(&[host, ("origin", "null"), ("sec-fetch-site", "same-origin")]),
            headers(&[
                ("host", "internal:8787"),
                ("origin", "https://vault.example"),
            ]),
        ];
        for h in ok {
            assert_eq!(
                check_same_origin(&h, "https://vault.example/sync"),
                Ok(()),
                "{h:?}"
            );
        }
        let refused = [
            headers(&[host]),
            headers(&[host, ("origin", "http://127.0.0.1:9999")]),
            headers(&[host, ("origin", "null")]),
            headers(&[host, ("origin", "null"), ("sec-fetch-site", "same-site")]),
            headers(&[
                host,
                ("origin", "http://127.0.0.1:8787"),
                ("sec-fetch-site", "same-site"),
            ]),
            headers(&[host, ("sec-fetch-site", "cross-site")]),
            headers(&[host, ("sec-fetch-site", "none")]),
            headers(&[host, ("origin", "http://127.0.0.1:8787.evil.example")]),
        ];
        for h in refused {
            assert_eq!(
                check_same_origin(&h, "https://vault.example/sync"),
                Err(PostRefusal::CrossOrigin),
                "{h:?}"
            );
        }
    }
}
