//! Time as core sees it: a port the shell provides. Tests inject a manual clock;
//! process-level tests use the file clock, which exists only with the `test-hooks`
//! feature and therefore never in a release build.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// A source of wall-clock time in microseconds since the Unix epoch (UTC).
pub trait Clock: Send + Sync {
    /// Now, in microseconds since the Unix epoch.
    fn now_us(&self) -> i64;
}

/// The operating system's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_us(&self) -> i64 {
        let since = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        i64::try_from(since.as_micros()).unwrap_or(i64::MAX)
    }
}

/// A clock that only moves when told to.
#[derive(Debug, Default)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    /// A clock standing at `now_us`.
    pub fn new(now_us: i64) -> Self {
        ManualClock(AtomicI64::new(now_us))
    }
    /// Moves the clock by `delta_us` (negative goes back).
    pub fn advance_us(&self, delta_us: i64) {
        self.0.fetch_add(delta_us, Ordering::SeqCst);
    }
    /// Sets the clock.
    pub fn set_us(&self, now_us: i64) {
        self.0.store(now_us, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_us(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// The clock a process (CLI, app) should use: the system clock, or in test builds the
/// file named by `CLINICVAULT_TEST_CLOCK_FILE` when that variable is set.
pub fn process_clock() -> Arc<dyn Clock> {
    #[cfg(feature = "test-hooks")]
    if let Some(path) = std::env::var_os("CLINICVAULT_TEST_CLOCK_FILE") {
        return Arc::new(test_hooks::FileClock(path.into()));
    }
    Arc::new(SystemClock)
}

#[cfg(feature = "test-hooks")]
mod test_hooks {
    use super::Clock;

    /// Reads the time (decimal microseconds) from a file at every call.
    pub(super) struct FileClock(pub(super) std::path::PathBuf);

    impl Clock for FileClock {
        fn now_us(&self) -> i64 {
            std::fs::read_to_string(&self.0)
                .ok()
                .and_then(|s| s.trim().parse().ok())
                .expect("CLINICVAULT_TEST_CLOCK_FILE holds microseconds")
        }
    }
}

/// Seconds from microseconds, rounding down.
pub(crate) fn us_to_secs(us: i64) -> i64 {
    us.div_euclid(1_000_000)
}

/// `YYYY-MM-DD HH:MM:SS` (UTC) for messages and listings.
pub fn format_utc(us: i64) -> String {
    let secs = us.div_euclid(1_000_000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's civil-from-days algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats_utc_times() {
        assert_eq!(super::format_utc(0), "1970-01-01 00:00:00");
        assert_eq!(
            super::format_utc(1_111_111_109_000_000),
            "2005-03-18 01:58:29"
        );
        assert_eq!(
            super::format_utc(951_782_400_000_000),
            "2000-02-29 00:00:00"
        );
    }
}
