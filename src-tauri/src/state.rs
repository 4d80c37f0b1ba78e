//! The shell's state: the unlocked core session (if any) with its timers, a first login
//! or recovery waiting for its authenticator code, and what the app put on the
//! clipboard. Keys and PHI stay here, in Rust; locking drops the session (core zeroizes
//! its keys) and tells the UI to unmount every view.

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};

use clinic_vault_core::settings::Settings;
use clinic_vault_core::{CoreConfig, Password, Session};
use sha2::{Digest, Sha256};

use crate::autolock::{LockReason, Timers};
use crate::error::{CmdResult, IpcError};

/// The system clipboard, behind a port so command tests can use a fake.
pub trait Clipboard: Send + Sync {
    /// Puts text on the clipboard.
    fn set(&self, text: &str) -> Result<(), String>;
    /// The clipboard's current text, if any.
    fn get(&self) -> Option<String>;
    /// Empties the clipboard.
    fn clear(&self);
}

/// Receives lock notifications (the shell emits `session-locked` to the window).
pub type LockNotifier = Box<dyn Fn(LockReason) + Send + Sync>;

/// An unlocked session and its timers.
#[derive(Debug)]
pub struct Active {
    /// The core session (keys live inside it).
    pub session: Session,
    /// Idle and session-limit timers.
    pub timers: Timers,
}

/// A first login or recovery waiting for the new authenticator's first code.
pub struct PendingEnrollment {
    /// Who enrolls.
    pub user: String,
    /// Their new password (zeroized on drop).
    pub password: Password,
}

#[derive(Default)]
struct Inner {
    active: Option<Active>,
    pending: Option<PendingEnrollment>,
    /// SHA-256 of the text the app last put on the clipboard.
    clipboard: Option<[u8; 32]>,
}

/// Everything the commands share.
pub struct AppState {
    /// The vault directory.
    pub vault_dir: PathBuf,
    /// Core's configuration (clock, KDF, database settings).
    pub cfg: CoreConfig,
    inner: Mutex<Inner>,
    notifier: Mutex<Option<LockNotifier>>,
    clipboard: Box<dyn Clipboard>,
}

impl AppState {
    /// State for a vault directory.
    pub fn new(vault_dir: PathBuf, cfg: CoreConfig, clipboard: Box<dyn Clipboard>) -> Self {
        AppState {
            vault_dir,
            cfg,
            inner: Mutex::new(Inner::default()),
            notifier: Mutex::new(None),
            clipboard,
        }
    }

    /// Where lock notifications go.
    pub fn set_notifier(&self, notifier: LockNotifier) {
        *lock_or_recover(&self.notifier) = Some(notifier);
    }

    /// The current wall-clock time from core's clock (the test clock hook in test
    /// builds): for messages and core, never for the timers.
    pub fn now_us(&self) -> i64 {
        self.cfg.clock.now_us()
    }

    /// Elapsed time from core's clock (monotonic, counts suspend): what every timer of
    /// the shell measures.
    pub fn elapsed_us(&self) -> i64 {
        self.cfg.clock.monotonic_us()
    }

    /// Maps a core error with the PC's current time.
    pub fn core_err(&self, err: clinic_vault_core::Error) -> IpcError {
        IpcError::from_core(err, self.now_us())
    }

    /// Runs `f` on the unlocked session; `locked` when there is none. A core error that
    /// ends the session (the account was disabled meanwhile) is returned as it is; the
    /// next command finds the session still there and core refuses again.
    pub fn with_session<T>(
        &self,
        f: impl FnOnce(&mut Session) -> clinic_vault_core::Result<T>,
    ) -> CmdResult<T> {
        self.with_active(|active| f(&mut active.session).map_err(|e| self.core_err(e)))
    }

    /// Like [`AppState::with_session`], with access to the timers too.
    pub fn with_active<T>(&self, f: impl FnOnce(&mut Active) -> CmdResult<T>) -> CmdResult<T> {
        let mut inner = lock_or_recover(&self.inner);
        let active = inner.active.as_mut().ok_or_else(IpcError::locked)?;
        f(active)
    }

    /// Whether a session is unlocked.
    pub fn is_unlocked(&self) -> bool {
        lock_or_recover(&self.inner).active.is_some()
    }

    /// Installs a freshly unlocked session with its timers starting now, locking any
    /// previous one first (quick switch).
    pub fn install(&self, session: Session, settings: Settings) {
        let timers = Timers::start(self.elapsed_us(), settings);
        let previous = {
            let mut inner = lock_or_recover(&self.inner);
            inner.pending = None;
            inner.active.replace(Active { session, timers })
        };
        if let Some(old) = previous {
            let _ = old.session.lock_because(Some("switch_user"));
        }
    }

    /// Keeps a first login's or recovery's new password until the code arrives.
    pub fn set_pending(&self, pending: Option<PendingEnrollment>) {
        lock_or_recover(&self.inner).pending = pending;
    }

    /// Takes the pending enrollment.
    pub fn take_pending(&self) -> Option<PendingEnrollment> {
        lock_or_recover(&self.inner).pending.take()
    }

    /// Records real user input.
    pub fn input(&self) {
        let now = self.elapsed_us();
        if let Some(active) = lock_or_recover(&self.inner).active.as_mut() {
            active.timers.input(now);
        }
    }

    /// Locks if a timer is due; returns the reason when it did.
    pub fn check_timers(&self) -> Option<LockReason> {
        let now = self.elapsed_us();
        let due = lock_or_recover(&self.inner)
            .active
            .as_ref()
            .and_then(|a| a.timers.due(now))?;
        self.lock(due).then_some(due)
    }

    /// Locks: drops the session (core records the lock and zeroizes the keys), forgets
    /// a pending enrollment, clears the clipboard if it still holds what the app put
    /// there, and notifies the UI. Returns whether a session was unlocked.
    pub fn lock(&self, reason: LockReason) -> bool {
        let active = {
            let mut inner = lock_or_recover(&self.inner);
            inner.pending = None;
            inner.active.take()
        };
        self.clear_copied();
        let was_unlocked = active.is_some();
        if let Some(active) = active {
            // A failure to record the lock must not keep the vault open: the session is
            // dropped (and its keys zeroized) either way.
            let _ = active.session.lock_because(Some(reason.as_str()));
        }
        if was_unlocked {
            if let Some(notify) = lock_or_recover(&self.notifier).as_ref() {
                notify(reason);
            }
        }
        was_unlocked
    }

    /// Copies text for the user, remembering it so that locking can clear it.
    /// Allowed while unlocked, and during a first login's or recovery's enrollment (the
    /// setup key).
    pub fn copy(&self, text: &str) -> CmdResult<()> {
        let allowed = {
            let inner = lock_or_recover(&self.inner);
            inner.active.is_some() || inner.pending.is_some()
        };
        if !allowed {
            return Err(IpcError::locked());
        }
        self.clipboard
            .set(text)
            .map_err(|e| IpcError::internal(format!("Could not use the clipboard: {e}.")))?;
        lock_or_recover(&self.inner).clipboard = Some(digest(text));
        Ok(())
    }
}

impl std::fmt::Debug for PendingEnrollment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingEnrollment")
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("vault_dir", &self.vault_dir)
            .field("unlocked", &self.is_unlocked())
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// Empties the clipboard if it still holds what the app last put there.
    pub fn clear_copied(&self) {
        let copied = lock_or_recover(&self.inner).clipboard.take();
        if let Some(hash) = copied {
            if self
                .clipboard
                .get()
                .is_some_and(|text| digest(&text) == hash)
            {
                self.clipboard.clear();
            }
        }
    }

    /// Abandons a first login's or recovery's enrollment.
    pub fn cancel_pending(&self) {
        lock_or_recover(&self.inner).pending = None;
        self.clear_copied();
    }
}

fn digest(text: &str) -> [u8; 32] {
    Sha256::digest(text.as_bytes()).into()
}

/// A poisoned mutex means a command panicked mid-way; the state itself (an optional
/// session) is still coherent, so carry on rather than wedge the app.
fn lock_or_recover<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
