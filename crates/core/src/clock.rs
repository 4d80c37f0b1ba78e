//! Time as core sees it: a port the shell provides. Two readings: wall-clock time
//! (what audit events, TOTP and expiry dates use; anyone who can change the PC's settings
//! can move it) and monotonic elapsed time that keeps counting while the PC is suspended
//! and that nobody can set (what idle and session timers measure). Tests inject a manual
//! clock; process-level tests use the file clock, which exists only with the
//! `test-hooks` feature and therefore never in a release build.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// A source of time.
pub trait Clock: Send + Sync {
    /// Wall-clock time: microseconds since the Unix epoch (UTC).
    fn now_us(&self) -> i64;
    /// Elapsed time: microseconds on a monotonic clock that counts time spent suspended
    /// (`CLOCK_BOOTTIME` on Linux) and that setting the wall clock does not move. Its
    /// origin is arbitrary: only the difference of two readings means anything.
    fn monotonic_us(&self) -> i64;
}

/// The operating system's clocks.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_us(&self) -> i64 {
        let since = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        i64::try_from(since.as_micros()).unwrap_or(i64::MAX)
    }

    fn monotonic_us(&self) -> i64 {
        os::monotonic_us()
    }
}

/// The monotonic clock that counts suspend, per platform.
mod os {
    /// `CLOCK_BOOTTIME`: like `CLOCK_MONOTONIC`, plus the time spent suspended.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    pub(super) fn monotonic_us() -> i64 {
        read(libc::CLOCK_BOOTTIME).unwrap_or_else(fallback_us)
    }

    /// Darwin's `CLOCK_MONOTONIC` keeps counting while the machine sleeps
    /// (`CLOCK_UPTIME_RAW` is the one that stops).
    #[cfg(target_vendor = "apple")]
    pub(super) fn monotonic_us() -> i64 {
        read(libc::CLOCK_MONOTONIC).unwrap_or_else(fallback_us)
    }

    /// Elsewhere, the standard library's monotonic clock (on Windows it counts sleep).
    #[cfg(not(any(target_os = "linux", target_os = "android", target_vendor = "apple")))]
    pub(super) fn monotonic_us() -> i64 {
        fallback_us()
    }

    #[cfg(any(target_os = "linux", target_os = "android", target_vendor = "apple"))]
    fn read(clock: libc::clockid_t) -> Option<i64> {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `clock_gettime` writes one `timespec` through a pointer to a live local.
        let rc = unsafe { libc::clock_gettime(clock, &mut ts) };
        if rc != 0 {
            return None;
        }
        // `time_t` and `c_long` are i64 on 64-bit targets and narrower on some others.
        #[allow(clippy::unnecessary_cast)]
        let (secs, nanos) = (ts.tv_sec as i64, ts.tv_nsec as i64);
        secs.checked_mul(1_000_000)?.checked_add(nanos / 1_000)
    }

    /// Microseconds since the first call, on `std::time::Instant`. Only reached where
    /// the clock above is missing (Linux before 2.6.39): the timers keep running, though
    /// they may not count a suspend, which the app locks at anyway.
    pub(super) fn fallback_us() -> i64 {
        static ORIGIN: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
        let elapsed = ORIGIN.get_or_init(std::time::Instant::now).elapsed();
        i64::try_from(elapsed.as_micros()).unwrap_or(i64::MAX)
    }
}

/// A clock that only moves when told to. Wall-clock time and elapsed time move
/// separately, so a test can set the wall clock back while time goes on. Elapsed time
/// starts at 0, far from any wall-clock time, so code that mixes the two fails its tests.
#[derive(Debug, Default)]
pub struct ManualClock {
    wall_us: AtomicI64,
    elapsed_us: AtomicI64,
}

impl ManualClock {
    /// A clock whose wall time stands at `now_us` (elapsed time at 0).
    pub fn new(now_us: i64) -> Self {
        ManualClock {
            wall_us: AtomicI64::new(now_us),
            elapsed_us: AtomicI64::new(0),
        }
    }

    /// Time passes: wall-clock and elapsed time both move by `delta_us`. A negative
    /// delta sets the wall clock back and leaves elapsed time where it is (it never
    /// runs backwards).
    pub fn advance_us(&self, delta_us: i64) {
        self.wall_us.fetch_add(delta_us, Ordering::SeqCst);
        self.advance_elapsed_us(delta_us);
    }

    /// Sets the wall clock, as someone changing the PC's date and time would; elapsed
    /// time does not move.
    pub fn set_us(&self, now_us: i64) {
        self.wall_us.store(now_us, Ordering::SeqCst);
    }

    /// Only elapsed time moves, as if the wall clock had been held still meanwhile. A
    /// negative delta is ignored: elapsed time never runs backwards.
    pub fn advance_elapsed_us(&self, delta_us: i64) {
        self.elapsed_us.fetch_add(delta_us.max(0), Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_us(&self) -> i64 {
        self.wall_us.load(Ordering::SeqCst)
    }

    fn monotonic_us(&self) -> i64 {
        self.elapsed_us.load(Ordering::SeqCst)
    }
}

/// The clock a process (CLI, app) should use: the system clock, or in test builds the
/// file named by `CLINICVAULT_TEST_CLOCK_FILE` when that variable is set.
pub fn process_clock() -> Arc<dyn Clock> {
    #[cfg(feature = "test-hooks")]
    if let Some(path) = std::env::var_os("CLINICVAULT_TEST_CLOCK_FILE") {
        return Arc::new(test_hooks::FileClock::new(path.into()));
    }
    Arc::new(SystemClock)
}

#[cfg(feature = "test-hooks")]
mod test_hooks {
    use std::sync::atomic::{AtomicI64, Ordering};

    use super::Clock;

    /// Reads the time from a file at every call: `WALL_US` or `WALL_US ELAPSED_US`
    /// (decimal microseconds, separated by white space). With one number, elapsed time
    /// follows the wall clock. Either way elapsed time never runs backwards in this
    /// process: a smaller reading than one already seen counts as no time passing, as
    /// on a real monotonic clock.
    pub(super) struct FileClock {
        path: std::path::PathBuf,
        latest_elapsed_us: AtomicI64,
    }

    impl FileClock {
        pub(super) fn new(path: std::path::PathBuf) -> Self {
            FileClock {
                path,
                latest_elapsed_us: AtomicI64::new(i64::MIN),
            }
        }

        fn read(&self) -> (i64, i64) {
            let text = std::fs::read_to_string(&self.path)
                .expect("CLINICVAULT_TEST_CLOCK_FILE can be read");
            parse(&text).expect("CLINICVAULT_TEST_CLOCK_FILE holds WALL_US [ELAPSED_US]")
        }
    }

    /// `(wall, elapsed)` from the file's text.
    pub(super) fn parse(text: &str) -> Option<(i64, i64)> {
        let mut fields = text.split_whitespace().map(str::parse::<i64>);
        let wall = fields.next()?.ok()?;
        let elapsed = match fields.next() {
            None => wall,
            Some(field) => field.ok()?,
        };
        fields.next().is_none().then_some((wall, elapsed))
    }

    impl Clock for FileClock {
        fn now_us(&self) -> i64 {
            self.read().0
        }

        fn monotonic_us(&self) -> i64 {
            let (_, elapsed) = self.read();
            self.latest_elapsed_us
                .fetch_max(elapsed, Ordering::SeqCst)
                .max(elapsed)
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn the_file_clock_reads_one_or_two_times_and_elapsed_time_never_goes_back() {
            assert_eq!(parse("5\n"), Some((5, 5)));
            assert_eq!(parse("5 7\n"), Some((5, 7)));
            assert_eq!(parse("5 x"), None);
            assert_eq!(parse("5 7 9"), None);
            let dir = tempfile::tempdir().expect("tempdir");
            let path = dir.path().join("clock");
            let clock = FileClock::new(path.clone());
            std::fs::write(&path, "1000 50").expect("write");
            assert_eq!((clock.now_us(), clock.monotonic_us()), (1000, 50));
            // The wall clock set back while time goes on.
            std::fs::write(&path, "400 80").expect("write");
            assert_eq!((clock.now_us(), clock.monotonic_us()), (400, 80));
            // One number: elapsed time follows the wall clock, but never backwards.
            std::fs::write(&path, "70").expect("write");
            assert_eq!((clock.now_us(), clock.monotonic_us()), (70, 80));
            std::fs::write(&path, "90").expect("write");
            assert_eq!(clock.monotonic_us(), 90);
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
    use super::{Clock, ManualClock, SystemClock};

    const S: i64 = 1_000_000;

    #[test]
    fn a_manual_clocks_wall_time_and_elapsed_time_move_independently() {
        let clock = ManualClock::new(1_767_225_600 * S);
        let (wall0, elapsed0) = (clock.now_us(), clock.monotonic_us());
        clock.advance_us(60 * S);
        assert_eq!(clock.now_us() - wall0, 60 * S);
        assert_eq!(clock.monotonic_us() - elapsed0, 60 * S);
        // The wall clock is set back an hour: elapsed time stays.
        clock.advance_us(-3600 * S);
        assert_eq!(clock.now_us() - wall0, -3540 * S);
        assert_eq!(clock.monotonic_us() - elapsed0, 60 * S);
        clock.set_us(wall0 + 86_400 * S);
        assert_eq!(clock.monotonic_us() - elapsed0, 60 * S);
        // Time goes on with the wall clock held still; elapsed time never goes back.
        clock.advance_elapsed_us(300 * S);
        clock.advance_elapsed_us(-600 * S);
        assert_eq!(clock.now_us(), wall0 + 86_400 * S);
        assert_eq!(clock.monotonic_us() - elapsed0, 360 * S);
    }

    /// `/proc/uptime` is the boot clock in seconds: it counts time spent suspended, which
    /// `CLOCK_MONOTONIC` (and so `std::time::Instant`) does not.
    #[cfg(target_os = "linux")]
    #[test]
    fn the_system_clocks_elapsed_time_is_the_boot_clock_that_counts_suspend() {
        fn monotonic_us() -> i64 {
            let mut ts = libc::timespec {
                tv_sec: 0,
                tv_nsec: 0,
            };
            // SAFETY: writes one `timespec` through a pointer to a live local.
            assert_eq!(
                unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) },
                0
            );
            ts.tv_sec * S + ts.tv_nsec / 1_000
        }
        let uptime = |text: String| -> f64 {
            text.split_whitespace()
                .next()
                .and_then(|t| t.parse().ok())
                .expect("uptime")
        };
        let before = uptime(std::fs::read_to_string("/proc/uptime").expect("/proc/uptime"));
        let mono = monotonic_us();
        let boot = SystemClock.monotonic_us();
        let after = uptime(std::fs::read_to_string("/proc/uptime").expect("/proc/uptime"));
        let boot_secs = boot as f64 / 1e6;
        assert!(
            before - 0.02 <= boot_secs && boot_secs <= after + 0.02,
            "{before} <= {boot_secs} <= {after}"
        );
        assert!(boot >= mono, "the boot clock includes the monotonic clock");
        assert!(SystemClock.monotonic_us() >= boot);
    }

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
