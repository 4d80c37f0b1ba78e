//! Time as a port: the server reads the clock through [`Clock`], so tests can hold it
//! still or move it (timestamp windows, nonce pruning, token expiry).

use std::sync::atomic::{AtomicI64, Ordering};

/// Where the server reads the time.
pub trait Clock: Send + Sync + std::fmt::Debug + 'static {
    /// Microseconds since the Unix epoch, UTC.
    fn now_us(&self) -> i64;
}

/// The system's wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_us(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
    }
}

/// A clock that moves only when told (tests).
#[derive(Debug, Default)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    /// A clock at `now_us`.
    pub fn at(now_us: i64) -> ManualClock {
        ManualClock(AtomicI64::new(now_us))
    }

    /// Moves it by `delta_us`.
    pub fn advance(&self, delta_us: i64) {
        self.0.fetch_add(delta_us, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_us(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}
