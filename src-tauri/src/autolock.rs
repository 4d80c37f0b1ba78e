//! When to lock on its own: the idle timer (from real input the UI reports) and the
//! absolute session limit, and when a first login's or recovery's enrollment expires.
//! Pure decisions here, on elapsed time (core's monotonic clock, which counts suspend and
//! which setting the wall clock does not move); the watchdog thread in `lib.rs` asks
//! twice a second, so tests and the test clock hook drive it.

use clinic_vault_core::settings::Settings;
use serde::Serialize;

/// Why the vault was locked; sent to the UI with the `session-locked` event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LockReason {
    /// The Lock button or Ctrl+L.
    Manual,
    /// No input for the idle timeout.
    Idle,
    /// The absolute session limit since unlock.
    SessionLimit,
    /// The desktop session was locked (logind `Lock`).
    OsLock,
    /// The PC is going to sleep (logind `PrepareForSleep`).
    Suspend,
    /// "Switch user": another user unlocks on this PC.
    SwitchUser,
    /// "Lock and require password": the user's PIN is wiped.
    RequirePassword,
    /// The app is closing.
    Exit,
}

impl LockReason {
    /// The name the audit trail and the UI use.
    pub fn as_str(self) -> &'static str {
        match self {
            LockReason::Manual => "manual",
            LockReason::Idle => "idle",
            LockReason::SessionLimit => "session_limit",
            LockReason::OsLock => "os_lock",
            LockReason::Suspend => "suspend",
            LockReason::SwitchUser => "switch_user",
            LockReason::RequirePassword => "require_password",
            LockReason::Exit => "exit",
        }
    }

    /// What a lock for this reason does about quick unlock (issue 18). Stepping away
    /// (Lock, idle, the OS screen lock, another user switching in) keeps the user's
    /// data key wrapped under their PIN, if they set one; the session limit and "Lock
    /// and require password" wipe the user's; suspend, hibernate and exit wipe every
    /// user's held on this PC.
    pub fn quick_unlock(self) -> QuickOnLock {
        match self {
            LockReason::Manual | LockReason::Idle | LockReason::OsLock | LockReason::SwitchUser => {
                QuickOnLock::Arm
            }
            LockReason::SessionLimit | LockReason::RequirePassword => QuickOnLock::WipeUser,
            LockReason::Suspend | LockReason::Exit => QuickOnLock::WipeAll,
        }
    }
}

/// What a lock does about the PINs held for quick unlock ([`LockReason::quick_unlock`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuickOnLock {
    /// Keep the current data key wrapped under the user's PIN.
    Arm,
    /// Wipe the user's wrapped key: their next unlock needs the password and code.
    WipeUser,
    /// Wipe every user's wrapped key held in this process.
    WipeAll,
}

/// Elapsed time from `since_us` to `now_us` on the monotonic clock. A reading earlier
/// than `since_us` can only be one taken just before a concurrent input was recorded
/// (the clock itself never runs backwards), so it counts as no time at all.
fn elapsed_us(since_us: i64, now_us: i64) -> i64 {
    now_us.saturating_sub(since_us).max(0)
}

fn secs_to_us(secs: u32) -> i64 {
    i64::from(secs) * 1_000_000
}

/// The timing facts of an unlocked session, in monotonic microseconds
/// ([`clinic_vault_core::Clock::monotonic_us`]), never wall-clock time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timers {
    /// When the session was unlocked.
    pub unlocked_at_us: i64,
    /// The latest real user input.
    pub last_input_at_us: i64,
    /// The limits in force.
    pub settings: Settings,
}

impl Timers {
    /// Fresh timers at unlock.
    pub fn start(now_us: i64, settings: Settings) -> Self {
        Timers {
            unlocked_at_us: now_us,
            last_input_at_us: now_us,
            settings,
        }
    }

    /// Records input.
    pub fn input(&mut self, now_us: i64) {
        self.last_input_at_us = self.last_input_at_us.max(now_us);
    }

    /// Whether the session must lock at `now_us`, and why. The session limit wins when
    /// both are due.
    pub fn due(&self, now_us: i64) -> Option<LockReason> {
        if elapsed_us(self.unlocked_at_us, now_us) >= secs_to_us(self.settings.session_limit_secs) {
            return Some(LockReason::SessionLimit);
        }
        if elapsed_us(self.last_input_at_us, now_us) >= secs_to_us(self.settings.idle_lock_secs) {
            return Some(LockReason::Idle);
        }
        None
    }
}

/// How long a first login's or recovery's enrollment may wait for its first code: the
/// idle timeout, counted from the latest input on its screen (monotonic microseconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnrollmentDeadline {
    /// The latest real user input (or when the enrollment began).
    pub last_input_at_us: i64,
    /// The idle timeout that applies.
    pub idle_lock_secs: u32,
}

impl EnrollmentDeadline {
    /// A deadline starting at `now_us`.
    pub fn start(now_us: i64, idle_lock_secs: u32) -> Self {
        EnrollmentDeadline {
            last_input_at_us: now_us,
            idle_lock_secs,
        }
    }

    /// Records input: the deadline moves on, as the idle timer does.
    pub fn input(&mut self, now_us: i64) {
        self.last_input_at_us = self.last_input_at_us.max(now_us);
    }

    /// Whether the enrollment has waited too long at `now_us`.
    pub fn expired(&self, now_us: i64) -> bool {
        elapsed_us(self.last_input_at_us, now_us) >= secs_to_us(self.idle_lock_secs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: i64 = 1_000_000;
    const T0: i64 = 1_767_225_600 * S;

    fn timers() -> Timers {
        Timers::start(T0, Settings::default())
    }

    #[test]
    fn idle_lock_after_five_minutes_without_input_by_default() {
        let t = timers();
        assert_eq!(t.due(T0 + 299 * S), None);
        assert_eq!(t.due(T0 + 300 * S), Some(LockReason::Idle));
    }

    #[test]
    fn input_postpones_the_idle_lock_but_not_the_session_limit() {
        let mut t = timers();
        let mut now = T0;
        while now + 240 * S < T0 + 12 * 3600 * S {
            now += 240 * S;
            assert_eq!(t.due(now), None, "at {}", (now - T0) / S);
            t.input(now);
        }
        assert_eq!(t.due(T0 + 12 * 3600 * S), Some(LockReason::SessionLimit));
    }

    #[test]
    fn settings_change_the_limits() {
        let t = Timers::start(
            T0,
            Settings {
                idle_lock_secs: 60,
                session_limit_secs: 3600,
            },
        );
        assert_eq!(t.due(T0 + 59 * S), None);
        assert_eq!(t.due(T0 + 60 * S), Some(LockReason::Idle));
    }

    #[test]
    fn a_reading_before_the_last_input_is_no_time_and_never_moves_input_back() {
        let mut t = timers();
        t.input(T0 + 100 * S);
        t.input(T0 + 50 * S);
        assert_eq!(t.last_input_at_us, T0 + 100 * S);
        assert_eq!(t.due(T0 + 99 * S), None);
        // Nothing earlier than a recorded input is a reason to lock: elapsed time cannot
        // be set back, so the old rule "a clock set back by more than the idle timeout
        // locks" has nothing left to catch.
        assert_eq!(t.due(T0 - 400 * S), None);
        assert_eq!(t.due(T0 + 400 * S), Some(LockReason::Idle));
    }

    #[test]
    fn an_enrollment_expires_after_the_idle_timeout_and_input_extends_it() {
        let mut d = EnrollmentDeadline::start(T0, 300);
        assert!(!d.expired(T0 + 299 * S));
        d.input(T0 + 200 * S);
        assert!(!d.expired(T0 + 499 * S));
        assert!(d.expired(T0 + 500 * S));
        let short = EnrollmentDeadline::start(T0, 60);
        assert!(short.expired(T0 + 60 * S));
    }
}
