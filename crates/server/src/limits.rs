//! The `[limits]` settings and what enforces them: rate limits per client address (the
//! [`ip_limit`] middleware, before anything else runs) and per verified device
//! ([`Guard::check_device`], called by the [`crate::auth::SignedRequest`] extractor once
//! the signature verifies and before the nonce is spent), a time limit on the whole
//! request ([`timeout`]: 408 when the client had not sent its body by then, 503 when the
//! handler was slow; blob routes have a longer one) and body size limits per route ([`body_limit`], on the declared
//! `Content-Length`; a chunked body is cut at the same size by `DefaultBodyLimit`).
//!
//! The client address is the TCP peer's ([`Peer`], set by [`crate::listen`]); behind a
//! TLS proxy listed in `[tls] trusted_proxies`, the right-most `X-Forwarded-For` entry
//! that is not itself a trusted proxy. IPv6 clients are counted by their /64.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body::{Body as HttpBody, Frame, SizeHint};
use serde::Deserialize;

use crate::error::ApiError;
use crate::rate::{Rate, RateLimiter};
use crate::settings::{parse_env, SettingsError};
use crate::tls::TlsSettings;
use crate::AppState;

/// How many client addresses, and devices, the rate tables remember at most.
const MAX_KEYS: usize = 100_000;

/// The `[limits]` settings.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitSettings {
    /// Requests a second from one client address, sustained (0: no limit).
    pub ip_per_second: u32,
    /// Requests at once from one client address after a quiet spell.
    pub ip_burst: u32,
    /// Signed requests a second from one device, sustained (0: no limit).
    pub device_per_second: u32,
    /// Signed requests at once from one device after a quiet spell.
    pub device_burst: u32,
    /// A request (headers, body and handler) must be answered within this many
    /// milliseconds: else 408 (the body had not arrived) or 503 (the handler was slow).
    pub request_timeout_ms: u64,
    /// The same for a blob upload or delete (`/v1/blobs/…`), whose body may be large on a
    /// slow line.
    pub blob_timeout_ms: u64,
    /// A connection must send a request's headers (and finish its TLS handshake) within
    /// this many milliseconds, or it is closed.
    pub header_timeout_ms: u64,
    /// The largest body the admin API (`/v1/admin/…`) accepts, in bytes.
    pub admin_body_bytes: u64,
}

impl Default for LimitSettings {
    fn default() -> Self {
        LimitSettings {
            ip_per_second: 100,
            ip_burst: 400,
            device_per_second: 10,
            device_burst: 60,
            request_timeout_ms: 60_000,
            blob_timeout_ms: 900_000,
            header_timeout_ms: 10_000,
            admin_body_bytes: 64 << 10,
        }
    }
}

impl LimitSettings {
    pub(crate) fn set_from_env(
        &mut self,
        name: &str,
        key: &str,
        value: String,
    ) -> Result<(), SettingsError> {
        match key {
            "IP_PER_SECOND" => self.ip_per_second = parse_env(name, &value)?,
            "IP_BURST" => self.ip_burst = parse_env(name, &value)?,
            "DEVICE_PER_SECOND" => self.device_per_second = parse_env(name, &value)?,
            "DEVICE_BURST" => self.device_burst = parse_env(name, &value)?,
            "REQUEST_TIMEOUT_MS" => self.request_timeout_ms = parse_env(name, &value)?,
            "BLOB_TIMEOUT_MS" => self.blob_timeout_ms = parse_env(name, &value)?,
            "HEADER_TIMEOUT_MS" => self.header_timeout_ms = parse_env(name, &value)?,
            "ADMIN_BODY_BYTES" => self.admin_body_bytes = parse_env(name, &value)?,
            _ => {
                return Err(SettingsError::UnknownEnv {
                    name: name.to_owned(),
                })
            }
        }
        Ok(())
    }
}

/// The TCP peer of a request, put into its extensions by [`crate::listen`]. Requests
/// without one (in-process tests) are not limited by address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Peer(pub SocketAddr);

/// The rate tables and limits a running server enforces. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Guard {
    inner: Arc<GuardInner>,
}

#[derive(Debug)]
struct GuardInner {
    by_ip: Option<RateLimiter<IpAddr>>,
    by_device: Option<RateLimiter<String>>,
    request_timeout: Duration,
    blob_timeout: Duration,
    admin_body_bytes: usize,
    behind_tls_proxy: bool,
    trusted_proxies: Vec<IpAddr>,
}

impl Guard {
    /// The guard the settings ask for.
    pub fn new(limits: &LimitSettings, tls: &TlsSettings) -> Guard {
        Guard {
            inner: Arc::new(GuardInner {
                by_ip: RateLimiter::new(
                    Rate {
                        per_second: limits.ip_per_second,
                        burst: limits.ip_burst,
                    },
                    MAX_KEYS,
                ),
                by_device: RateLimiter::new(
                    Rate {
                        per_second: limits.device_per_second,
                        burst: limits.device_burst,
                    },
                    MAX_KEYS,
                ),
                request_timeout: Duration::from_millis(limits.request_timeout_ms.max(1)),
                blob_timeout: Duration::from_millis(limits.blob_timeout_ms.max(1)),
                admin_body_bytes: usize::try_from(limits.admin_body_bytes).unwrap_or(usize::MAX),
                behind_tls_proxy: tls.behind_tls_proxy,
                trusted_proxies: tls.trusted_proxies.clone(),
            }),
        }
    }

    /// The admin API's body limit.
    pub fn admin_body_bytes(&self) -> usize {
        self.inner.admin_body_bytes
    }

    /// Counts one signed request of a verified device.
    pub fn check_device(&self, device_id: &str, now_us: i64) -> Result<(), ApiError> {
        match &self.inner.by_device {
            Some(limiter) => {
                limiter
                    .check(&device_id.to_owned(), now_us)
                    .map_err(|l| ApiError::RateLimited {
                        retry_after_secs: l.retry_after_secs(),
                    })
            }
            None => Ok(()),
        }
    }

    /// The address a request is counted under.
    pub fn client_ip(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let inner = &self.inner;
        if !(inner.behind_tls_proxy && inner.trusted_proxies.contains(&peer)) {
            return bucket(peer);
        }
        // Each proxy appends the address it got the request from: read from the right,
        // past our own proxies; whatever is left of that the client could have written.
        let forwarded = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect::<Vec<_>>();
        for entry in forwarded.iter().rev() {
            match entry.parse::<IpAddr>() {
                Ok(ip) if inner.trusted_proxies.contains(&ip) => continue,
                Ok(ip) => return bucket(ip),
                // Not an address: stop trusting the header here.
                Err(_) => break,
            }
        }
        bucket(peer)
    }
}

/// IPv4 as it is; IPv6 by its /64 (one site's addresses), IPv4-mapped as IPv4.
fn bucket(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

/// Refuses with 429 a client address over its rate, before anything else runs.
pub async fn ip_limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if let (Some(limiter), Some(Peer(peer))) = (
        &state.guard.inner.by_ip,
        req.extensions().get::<Peer>().copied(),
    ) {
        let ip = state.guard.client_ip(peer.ip(), req.headers());
        if let Err(limited) = limiter.check(&ip, state.clock.now_us()) {
            return ApiError::RateLimited {
                retry_after_secs: limited.retry_after_secs(),
            }
            .into_response();
        }
    }
    next.run(req).await
}

/// The request's body, noting when it has been read to its end.
struct Watched {
    inner: Body,
    done: Arc<AtomicBool>,
}

impl HttpBody for Watched {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if matches!(polled, Poll::Ready(None)) || self.inner.is_end_stream() {
            self.done.store(true, Ordering::Release);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Answers 408 (the body had not all arrived) or 503 (the handler was slow) when the
/// request is not answered within the limit; the handler's future is dropped, which
/// frees its connection and its place.
pub async fn timeout(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let is_blob = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .is_some_and(|p| p.as_str().starts_with("/v1/blobs/"));
    let limit = if is_blob {
        state.guard.inner.blob_timeout
    } else {
        state.guard.inner.request_timeout
    };
    let (parts, body) = req.into_parts();
    let done = Arc::new(AtomicBool::new(body.is_end_stream()));
    let watched = Watched {
        inner: body,
        done: done.clone(),
    };
    let req = Request::from_parts(parts, Body::new(watched));
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(response) => response,
        Err(_elapsed) if done.load(Ordering::Acquire) => ApiError::HandlerTimeout.into_response(),
        Err(_elapsed) => {
            let mut response = ApiError::ClientTimeout.into_response();
            // The rest of the body is not wanted: the connection cannot be reused.
            response.headers_mut().insert(
                axum::http::header::CONNECTION,
                axum::http::HeaderValue::from_static("close"),
            );
            response
        }
    }
}

/// Refuses with 413 a body declared larger than `max` bytes, before it is read.
pub async fn body_limit(State(max): State<usize>, req: Request, next: Next) -> Response {
    let declared = req
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        let mut response = ApiError::TooLarge.into_response();
        response.headers_mut().insert(
            axum::http::header::CONNECTION,
            axum::http::HeaderValue::from_static("close"),
        );
        return response;
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard(trusted: &[&str]) -> Guard {
        Guard::new(
            &LimitSettings::default(),
            &TlsSettings {
                behind_tls_proxy: true,
                trusted_proxies: trusted.iter().map(|s| s.parse().expect("ip")).collect(),
                ..TlsSettings::default()
            },
        )
    }

    fn xff(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append("x-forwarded-for", v.parse().expect("value"));
        }
        headers
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn forwarded_for_counts_only_from_a_trusted_proxy() {
        let g = guard(&["10.0.0.2", "10.0.0.3"]);
        // From the trusted proxy: the client it names.
        assert_eq!(
            g.client_ip(ip("10.0.0.2"), &xff(&["203.0.113.7"])),
            ip("203.0.113.7")
        );
        // A client that writes its own header is still seen at its real address: the
        // proxy appended it on the right.
        assert_eq!(
            g.client_ip(ip("10.0.0.2"), &xff(&["1.2.3.4, 203.0.113.7"])),
            ip("203.0.113.7")
        );
        // Two of our proxies in a row, over two headers.
        assert_eq!(
            g.client_ip(ip("10.0.0.3"), &xff(&["198.51.100.1", "10.0.0.2"])),
            ip("198.51.100.1")
        );
        // From anyone else, the header is ignored.
        assert_eq!(
            g.client_ip(ip("198.51.100.9"), &xff(&["1.2.3.4"])),
            ip("198.51.100.9")
        );
        // Garbage in the header: the peer.
        assert_eq!(
            g.client_ip(ip("10.0.0.2"), &xff(&["not-an-ip"])),
            ip("10.0.0.2")
        );
        // Not behind a proxy: never the header.
        let direct = Guard::new(
            &LimitSettings::default(),
            &TlsSettings {
                trusted_proxies: vec![ip("10.0.0.2")],
                ..TlsSettings::default()
            },
        );
        assert_eq!(
            direct.client_ip(ip("10.0.0.2"), &xff(&["1.2.3.4"])),
            ip("10.0.0.2")
        );
    }

    #[test]
    fn ipv6_clients_count_by_their_64() {
        let g = guard(&[]);
        let a = g.client_ip(ip("2001:db8:1:2::5"), &HeaderMap::new());
        let b = g.client_ip(ip("2001:db8:1:2:ffff::9"), &HeaderMap::new());
        let c = g.client_ip(ip("2001:db8:1:3::5"), &HeaderMap::new());
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(
            g.client_ip(ip("::ffff:192.0.2.1"), &HeaderMap::new()),
            ip("192.0.2.1")
        );
    }
}
