//! The limit on failed admin logins: [`MAX_FAILED_LOGINS`] per client and
//! [`MAX_FAILED_LOGINS_ALL`] from all clients together within [`LOGIN_WINDOW_US`], in
//! memory (per process). Past it a login is answered 429 without its token checked.

use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

/// Failed logins one client may make within [`LOGIN_WINDOW_US`].
pub const MAX_FAILED_LOGINS: usize = 5;
/// Failed logins all clients together may make within [`LOGIN_WINDOW_US`].
pub const MAX_FAILED_LOGINS_ALL: usize = 50;
/// The window failed logins are counted in: five minutes.
pub const LOGIN_WINDOW_US: i64 = 300_000_000;

/// Who is logging in, for the failed-login limit: the peer address when the server
/// was started with connection info, else every client counts as one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientIp(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|info| info.0.ip()),
        ))
    }
}

/// Failed logins in the last [`LOGIN_WINDOW_US`], per client and in all.
#[derive(Debug, Default)]
pub struct LoginLimiter(Mutex<Failures>);

#[derive(Debug, Default)]
struct Failures {
    by_client: HashMap<ClientIp, VecDeque<i64>>,
    all: VecDeque<i64>,
}

fn prune(times: &mut VecDeque<i64>, now_us: i64) {
    while times
        .front()
        .is_some_and(|t| now_us.saturating_sub(*t) >= LOGIN_WINDOW_US)
    {
        times.pop_front();
    }
}

fn retry_after(times: &VecDeque<i64>, now_us: i64) -> u64 {
    let oldest = times.front().copied().unwrap_or(now_us);
    let wait_us = oldest
        .saturating_add(LOGIN_WINDOW_US)
        .saturating_sub(now_us);
    (wait_us.max(0) as u64).div_ceil(1_000_000).max(1)
}

impl LoginLimiter {
    /// `Err(seconds to wait)` when this client, or all clients together, failed too often
    /// in the window: the token is then not even checked.
    pub fn check(&self, client: ClientIp, now_us: i64) -> Result<(), u64> {
        let mut failures = self.0.lock().unwrap_or_else(|e| e.into_inner());
        prune(&mut failures.all, now_us);
        if failures.all.len() >= MAX_FAILED_LOGINS_ALL {
            return Err(retry_after(&failures.all, now_us));
        }
        failures.by_client.retain(|_, times| {
            prune(times, now_us);
            !times.is_empty()
        });
        match failures.by_client.get(&client) {
            Some(times) if times.len() >= MAX_FAILED_LOGINS => Err(retry_after(times, now_us)),
            _ => Ok(()),
        }
    }

    /// Counts a failed login.
    pub fn failed(&self, client: ClientIp, now_us: i64) {
        let mut failures = self.0.lock().unwrap_or_else(|e| e.into_inner());
        failures.all.push_back(now_us);
        failures
            .by_client
            .entry(client)
            .or_default()
            .push_back(now_us);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_logins_are_limited_per_client_and_in_all() {
        let limiter = LoginLimiter::default();
        let a = ClientIp(Some(IpAddr::from([10, 0, 0, 1])));
        for _ in 0..MAX_FAILED_LOGINS {
            assert_eq!(limiter.check(a, 0), Ok(()));
            limiter.failed(a, 0);
        }
        assert_eq!(limiter.check(a, 1_000_000), Err(299));
        assert_eq!(limiter.check(ClientIp(None), 0), Ok(()), "another client");
        assert_eq!(
            limiter.check(a, LOGIN_WINDOW_US),
            Ok(()),
            "the window passed"
        );
        for n in 0..MAX_FAILED_LOGINS_ALL {
            limiter.failed(
                ClientIp(Some(IpAddr::from([10, 1, 0, n as u8]))),
                LOGIN_WINDOW_US,
            );
        }
        assert!(
            limiter.check(ClientIp(None), LOGIN_WINDOW_US).is_err(),
            "all clients"
        );
    }
}
