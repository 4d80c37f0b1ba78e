//! The shell's state: the unlocked core session (if any) with its timers, a first login
//! or recovery waiting for its authenticator code (with a deadline), and what the app
//! put on the clipboard. Keys and PHI stay here, in Rust; locking drops the session (core
//! zeroizes its keys) and tells the UI to unmount every view.

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};

use clinic_vault_core::settings::Settings;
use clinic_vault_core::{CoreConfig, Password, Session};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::autolock::{EnrollmentDeadline, LockReason, QuickOnLock, Timers};
use crate::error::{CmdResult, IpcError};
use clinic_vault_core::quick::QuickUnlockSettings;

/// The system clipboard, behind a port so command tests can use a fake.
pub trait Clipboard: Send + Sync {
    /// Puts text on the clipboard.
    fn set(&self, text: &str) -> Result<(), String>;
    /// The clipboard's current text, if any.
    fn get(&self) -> Option<String>;
    /// Empties the clipboard.
    fn clear(&self);
}

/// What the shell tells the window without being asked (`lib.rs` emits each as its
/// event: `session-locked`, `enrollment-expired`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShellEvent {
    /// The session was locked, or a pending enrollment forgotten by a lock.
    Locked(LockReason),
    /// A first login's or recovery's enrollment waited too long and was wiped.
    EnrollmentExpired(ExpiredEnrollment),
}

/// Receives the shell's events.
pub type Notifier = Box<dyn Fn(&ShellEvent) + Send + Sync>;

/// An unlocked session and its timers.
#[derive(Debug)]
pub struct Active {
    /// The core session (keys live inside it).
    pub session: Session,
    /// Idle and session-limit timers.
    pub timers: Timers,
    /// Scans saved outside the vault in this session (capped: [`EXPORTS_PER_SESSION`]).
    pub exports: u32,
    /// The vault's quick-unlock settings, read at unlock and kept current by the admin's
    /// changes in this session.
    pub quick: QuickUnlockSettings,
}

/// The most scan copies one session may save outside the vault: a page gone wrong (or
/// made to go wrong) cannot empty the vault into the Downloads folder; a clinician who
/// needs more locks and unlocks again.
pub const EXPORTS_PER_SESSION: u32 = 20;

/// Which screen an enrollment belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EnrollmentKind {
    /// A new user replaced their one-time password.
    FirstLogin,
    /// An admin used the recovery key.
    Recovery,
}

/// A first login or recovery waiting for the new authenticator's first code.
pub struct PendingEnrollment {
    /// Who enrolls.
    pub user: String,
    /// Their new password (zeroized on drop).
    pub password: Password,
    /// First login or recovery.
    pub kind: EnrollmentKind,
    /// When it is wiped if nobody touches the screen.
    pub deadline: EnrollmentDeadline,
}

/// An enrollment that waited longer than the idle timeout: its password is gone. Sent
/// to the UI with the `enrollment-expired` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExpiredEnrollment {
    /// Who was enrolling (user names are not secret: the unlock screen lists them).
    pub user: String,
    /// First login or recovery.
    pub kind: EnrollmentKind,
    /// The idle timeout it had.
    pub idle_lock_secs: u32,
    /// What the unlock screen says (also the error of a code typed afterwards).
    pub message: String,
}

#[derive(Default)]
struct Inner {
    active: Option<Active>,
    pending: Option<PendingEnrollment>,
    /// The latest enrollment that expired, so that a code typed after it is told so.
    expired: Option<ExpiredEnrollment>,
    /// The settings of the latest session this app held. A pending enrollment gets their
    /// idle timeout: before unlock the vault's own setting cannot be read.
    known_settings: Option<Settings>,
    /// The user of the session the latest lock took, so that "Lock and require password"
    /// arriving just after a lock the shell made on its own (idle, the OS lock) still
    /// wipes their PIN.
    last_locked: Option<String>,
    /// SHA-256 of the text the app last put on the clipboard.
    clipboard: Option<[u8; 32]>,
    /// The scan open in the viewer, decrypted (zeroized when dropped: on close, on
    /// another scan, on lock).
    viewer: Option<(
        u64,
        std::sync::Arc<clinic_vault_core::scans::view::ScanView>,
    )>,
    /// How many scans were opened in this process: each opening's page URLs are new,
    /// so a page cached by the webview is never one of a later opening.
    openings: u64,
    /// Which session this is: bumped by every unlock and every lock, so that work begun
    /// in one session (a page being scanned, a scan being decrypted) never lands in
    /// another.
    epoch: u64,
    /// How many times scanned pages were discarded: a page still being scanned when its
    /// pages are discarded (the user left the patient) lands nowhere.
    discards: u64,
    /// Pages from the desk scanner waiting to be imported as one scan, for this
    /// patient (zeroized when dropped).
    acquired: Option<Acquired>,
    /// Files dropped on the window from the desktop, until the page imports them into
    /// the open patient or another drop, a lock or an unlock replaces them.
    dropped: Option<Dropped>,
}

/// Files dropped on the window: the paths stay in Rust; the page gets a token and the
/// file names, and imports them one by one ([`AppState::dropped_path`]), so it can
/// import only what the user really dropped.
#[derive(Debug)]
struct Dropped {
    token: String,
    epoch: u64,
    paths: Vec<PathBuf>,
}

/// A drop as the page is told of it (`files-dropped`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DroppedFiles {
    /// Names the drop: [`AppState::dropped_path`] wants it back.
    pub token: String,
    /// The files' names, in the order of the drop (shown in the import's progress).
    pub names: Vec<String>,
    /// Where on the window they were dropped, from its top left, in GTK's widget pixels
    /// (the page's CSS pixels at the app's zoom).
    pub x: f64,
    /// The same, down.
    pub y: f64,
}

/// Pages scanned at the desk, not yet imported.
#[derive(Debug)]
pub struct Acquired {
    /// The patient they are for.
    pub patient_id: String,
    /// The resolution they were scanned at.
    pub dpi: u32,
    /// The pages, in order.
    pub pages: Vec<clinic_vault_core::scans::acquire::RawPage>,
    /// Each page's preview (a small JPEG, zeroized on drop), made once when scanned.
    pub previews: Vec<zeroize::Zeroizing<Vec<u8>>>,
    /// Each page's size once compressed, bytes: their sum is the scan's size, checked
    /// against the import limit as pages are added.
    pub sizes: Vec<u64>,
}

/// A scanned page ready to join the others.
#[derive(Debug)]
pub struct ScannedPage {
    /// The page.
    pub page: clinic_vault_core::scans::acquire::RawPage,
    /// Its preview.
    pub preview: zeroize::Zeroizing<Vec<u8>>,
    /// Its compressed size, bytes.
    pub size: u64,
}

impl Inner {
    /// Wipes the pending enrollment if its deadline passed at `now_us` (elapsed time).
    fn expire_pending(&mut self, now_us: i64) -> Option<ExpiredEnrollment> {
        if !self.pending.as_ref()?.deadline.expired(now_us) {
            return None;
        }
        // Dropping it zeroizes the password.
        let pending = self.pending.take()?;
        let idle_lock_secs = pending.deadline.idle_lock_secs;
        let expired = ExpiredEnrollment {
            user: pending.user.clone(),
            kind: pending.kind,
            idle_lock_secs,
            message: crate::error::enrollment_expired_message(pending.kind, idle_lock_secs),
        };
        self.expired = Some(expired.clone());
        Some(expired)
    }
}

/// Everything the commands share.
pub struct AppState {
    /// The vault directory.
    pub vault_dir: PathBuf,
    /// Core's configuration (clock, KDF, database settings).
    pub cfg: CoreConfig,
    inner: Mutex<Inner>,
    notifier: Mutex<Option<Notifier>>,
    clipboard: Box<dyn Clipboard>,
    export_dir: std::sync::OnceLock<PathBuf>,
    /// The per-run key the page sends with a `cvscan:` upload (`scans::upload`).
    upload_key: [u8; 32],
    /// Held by [`AppState::lock`] while the locked session is recorded and its data key
    /// wrapped under the PIN (an Argon2id derivation): the page is told of the lock at
    /// once, and asking who can quick-unlock waits for the wrapping to finish.
    lock_work: Mutex<()>,
    /// The sync worker's shared half (`sync.rs`).
    pub sync: crate::sync::Control,
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
            export_dir: std::sync::OnceLock::new(),
            upload_key: rand::random(),
            lock_work: Mutex::new(()),
            sync: crate::sync::Control::default(),
        }
    }

    /// The per-run key of the `cvscan:` upload, as the page sends it (hex).
    pub fn upload_key_hex(&self) -> String {
        self.upload_key.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Whether `sent` is the per-run upload key (constant time).
    pub fn is_upload_key(&self, sent: &str) -> bool {
        use subtle::ConstantTimeEq;
        sent.len() == 64 && bool::from(sent.as_bytes().ct_eq(self.upload_key_hex().as_bytes()))
    }

    /// Sends exported scans to `dir` instead of the user's Downloads folder (set once,
    /// from `CLINICVAULT_EXPORT_DIR`; later calls change nothing).
    pub fn set_export_dir(&self, dir: PathBuf) {
        let _ = self.export_dir.set(dir);
    }

    /// The folder set by [`AppState::set_export_dir`], if any.
    pub fn export_dir(&self) -> Option<&PathBuf> {
        self.export_dir.get()
    }

    /// Where the shell's events go.
    pub fn set_notifier(&self, notifier: Notifier) {
        *lock_or_recover(&self.notifier) = Some(notifier);
    }

    fn notify(&self, event: &ShellEvent) {
        if let Some(notify) = lock_or_recover(&self.notifier).as_ref() {
            notify(event);
        }
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

    /// Which session this is now (bumped by every lock and unlock): an unlock reads it
    /// before its slow part and installs its session only if nothing locked meanwhile
    /// ([`AppState::install`]).
    pub fn epoch(&self) -> u64 {
        lock_or_recover(&self.inner).epoch
    }

    /// Installs a freshly unlocked session with its timers starting now (the session
    /// limit counted from its last full unlock: a PIN session carries that of the
    /// password unlock it came from), locking any previous one first (quick switch).
    /// `since`: the [`AppState::epoch`] read before the unlock began. If the app locked
    /// meanwhile (the PC went to sleep, the screen locked, the user switched), the new
    /// session is locked at once instead (`locked`): an unlock typed before a suspend
    /// must not leave the vault open after it.
    pub fn install(
        &self,
        session: Session,
        settings: Settings,
        quick: QuickUnlockSettings,
        since: u64,
    ) -> CmdResult<()> {
        let mut timers = Timers::start(self.elapsed_us(), settings);
        timers.unlocked_at_us = session.full_unlock_mono_us().min(timers.unlocked_at_us);
        let previous = {
            let mut inner = lock_or_recover(&self.inner);
            if inner.epoch != since {
                drop(inner);
                let _ = session.lock_because(Some("locked_during_unlock"));
                return Err(IpcError::locked());
            }
            // A PIN session whose limit (counted from the password unlock) has passed
            // is not opened at all.
            if timers.due(self.elapsed_us()) == Some(LockReason::SessionLimit) {
                drop(inner);
                let user = session.user_name().to_string();
                let _ = session.lock_because(Some(LockReason::SessionLimit.as_str()));
                self.cfg.quick.wipe_named(&user);
                return Err(IpcError {
                    code: "quick_unlock_unavailable",
                    message: "The session has reached its time limit since your password unlock: unlock with your password and code.".into(),
                    retry_after_secs: None,
                    pc_time_utc: None,
                    field: None,
                });
            }
            inner.pending = None;
            inner.expired = None;
            inner.known_settings = Some(settings);
            // What the previous user had open is theirs: gone with their session.
            inner.viewer = None;
            inner.acquired = None;
            inner.dropped = None;
            inner.epoch += 1;
            inner.active.replace(Active {
                session,
                timers,
                exports: 0,
                quick,
            })
        };
        if let Some(old) = previous {
            let _ = old.session.lock_and_arm(LockReason::SwitchUser.as_str());
        }
        Ok(())
    }

    /// The users who can quick-unlock now, in name order. Waits for a lock that is
    /// still wrapping its user's data key, so a user just locked is listed.
    pub fn armed_users(&self) -> Vec<clinic_vault_core::quick::ArmedUser> {
        let _settled = lock_or_recover(&self.lock_work);
        self.cfg.quick.armed_users(self.elapsed_us())
    }

    /// Quick unlock: locks whoever is unlocked (keeping their PIN armed: a switch),
    /// then opens `user`'s session with their PIN through core's audited entry path.
    /// Returns the session with the [`AppState::epoch`] it began in.
    pub fn quick_unlock(
        &self,
        user: &str,
        pin: &[u8],
    ) -> clinic_vault_core::Result<(Session, u64)> {
        let since = self.lock_before_unlock(LockReason::SwitchUser);
        let _settled = lock_or_recover(&self.lock_work);
        clinic_vault_core::vault::quick_unlock(&self.vault_dir, user, pin, &self.cfg)
            .map(|session| (session, since))
    }

    /// Keeps a first login's or recovery's new password until the code arrives, for at
    /// most the idle timeout without input on its screen.
    pub fn begin_enrollment(&self, user: String, password: Password, kind: EnrollmentKind) {
        let now = self.elapsed_us();
        let mut inner = lock_or_recover(&self.inner);
        let idle_lock_secs = inner.known_settings.unwrap_or_default().idle_lock_secs;
        inner.expired = None;
        inner.pending = Some(PendingEnrollment {
            user,
            password,
            kind,
            deadline: EnrollmentDeadline::start(now, idle_lock_secs),
        });
    }

    /// Takes the pending enrollment to finish it. One whose deadline has passed is wiped
    /// here too (the watchdog may not have run yet): `enrollment_expired`.
    pub fn take_pending(&self) -> CmdResult<PendingEnrollment> {
        let now = self.elapsed_us();
        let (pending, expired_now, expired) = {
            let mut inner = lock_or_recover(&self.inner);
            let expired_now = inner.expire_pending(now);
            (inner.pending.take(), expired_now, inner.expired.clone())
        };
        if let Some(expired) = expired_now {
            self.after_expiry(expired);
        }
        match (pending, expired) {
            (Some(pending), _) => Ok(pending),
            (None, Some(expired)) => Err(IpcError::enrollment_expired(expired.message)),
            (None, None) => Err(IpcError::invalid(
                "There is no enrollment waiting for a code: start again.",
            )),
        }
    }

    /// Puts back an enrollment taken by [`AppState::take_pending`] (a wrong code may be
    /// retried), with its deadline as it was, unless another one began meanwhile.
    pub fn return_pending(&self, pending: PendingEnrollment) {
        let mut inner = lock_or_recover(&self.inner);
        if inner.pending.is_none() && inner.active.is_none() {
            inner.pending = Some(pending);
        }
    }

    /// Records real user input: it postpones the idle lock, or a pending enrollment's
    /// deadline.
    pub fn input(&self) {
        let now = self.elapsed_us();
        let mut inner = lock_or_recover(&self.inner);
        if let Some(active) = inner.active.as_mut() {
            active.timers.input(now);
        }
        if let Some(pending) = inner.pending.as_mut() {
            pending.deadline.input(now);
        }
    }

    /// Locks if a timer is due, or wipes an enrollment that waited too long; returns the
    /// event the window was sent.
    pub fn check_timers(&self) -> Option<ShellEvent> {
        let now = self.elapsed_us();
        let (due, expired) = {
            let mut inner = lock_or_recover(&self.inner);
            let due = inner.active.as_ref().and_then(|a| a.timers.due(now));
            (due, inner.expire_pending(now))
        };
        if let Some(expired) = expired {
            self.after_expiry(expired.clone());
            return Some(ShellEvent::EnrollmentExpired(expired));
        }
        let due = due?;
        self.lock(due).then_some(ShellEvent::Locked(due))
    }

    /// After an enrollment expired: the setup key may be on the clipboard; the page
    /// must drop the QR code and the key.
    fn after_expiry(&self, expired: ExpiredEnrollment) {
        self.clear_copied();
        self.notify(&ShellEvent::EnrollmentExpired(expired));
    }

    /// Locks: drops the session (core records the lock and zeroizes the keys), forgets
    /// a pending enrollment, clears the clipboard if it still holds what the app put
    /// there, and notifies the UI when there was a session or an enrollment on screen,
    /// before the lock's slower part (recording it, wrapping the data key under the PIN:
    /// [`LockReason::quick_unlock`] says what happens to quick unlock). Returns whether
    /// a session was unlocked.
    pub fn lock(&self, reason: LockReason) -> bool {
        self.lock_counted(reason).0
    }

    /// Locks as [`AppState::lock`] does before an unlock, and returns the epoch this lock
    /// set: any lock after it (a suspend while the unlock's key derivation runs, even one
    /// waiting for this lock to finish arming) moves the epoch on, and
    /// [`AppState::install`] then refuses the new session.
    pub fn lock_before_unlock(&self, reason: LockReason) -> u64 {
        self.lock_counted(reason).1
    }

    fn lock_counted(&self, reason: LockReason) -> (bool, u64) {
        let _work = lock_or_recover(&self.lock_work);
        let (active, had_pending, epoch) = {
            let mut inner = lock_or_recover(&self.inner);
            let had_pending = inner.pending.take().is_some();
            let active = inner.active.take();
            inner.viewer = None;
            inner.acquired = None;
            inner.dropped = None;
            inner.epoch += 1;
            if let Some(active) = &active {
                inner.known_settings = Some(active.timers.settings);
                inner.last_locked = Some(active.session.user_name().to_string());
            }
            (active, had_pending, inner.epoch)
        };
        self.clear_copied();
        let was_unlocked = active.is_some();
        let quick = reason.quick_unlock();
        // With nobody unlocked, a suspend still changes the unlock screen when it wipes
        // the PINs it offers.
        let wipes_offered = quick == QuickOnLock::WipeAll
            && !self.cfg.quick.armed_users(self.elapsed_us()).is_empty();
        if was_unlocked || had_pending || wipes_offered {
            self.notify(&ShellEvent::Locked(reason));
        }
        if let Some(active) = active {
            // Past the session limit a lock keeps no PIN, whatever its reason (the
            // watchdog may not have run yet): the next unlock needs the password.
            let quick = if quick == QuickOnLock::Arm
                && active.timers.due(self.elapsed_us()) == Some(LockReason::SessionLimit)
            {
                QuickOnLock::WipeUser
            } else {
                quick
            };
            // A failure to record the lock must not keep the vault open: the session is
            // dropped (and its keys zeroized) either way, and nothing is armed.
            let _ = match quick {
                QuickOnLock::Arm => active.session.lock_and_arm(reason.as_str()).map(drop),
                QuickOnLock::WipeUser if reason == LockReason::RequirePassword => {
                    active.session.lock_requiring_password()
                }
                QuickOnLock::WipeUser | QuickOnLock::WipeAll => {
                    let user = active.session.user_name().to_string();
                    let locked = active.session.lock_because(Some(reason.as_str()));
                    self.cfg.quick.wipe_named(&user);
                    locked
                }
            };
        } else if reason == LockReason::RequirePassword {
            // Nobody was unlocked: the shell locked on its own just before (idle, the OS
            // lock) and armed the PIN the user is now asking to wipe.
            let last = lock_or_recover(&self.inner).last_locked.clone();
            if let Some(user) = last {
                self.cfg.quick.wipe_named(&user);
            }
        }
        // The PC going to sleep or the app closing wipes every PIN held, whoever is
        // unlocked (or nobody).
        if quick == QuickOnLock::WipeAll {
            self.cfg.quick.wipe_all();
        }
        (was_unlocked, epoch)
    }

    /// Copies text for the user, remembering it so that locking can clear it.
    /// Allowed while unlocked, and during a first login's or recovery's enrollment (the
    /// setup key) until its deadline.
    pub fn copy(&self, text: &str) -> CmdResult<()> {
        let now = self.elapsed_us();
        let (allowed, expired) = {
            let mut inner = lock_or_recover(&self.inner);
            let expired = inner.expire_pending(now);
            (inner.active.is_some() || inner.pending.is_some(), expired)
        };
        if let Some(expired) = expired {
            self.after_expiry(expired);
        }
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
            .field("kind", &self.kind)
            .field("deadline", &self.deadline)
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
        {
            let mut inner = lock_or_recover(&self.inner);
            inner.pending = None;
            inner.expired = None;
        }
        self.clear_copied();
    }
}

impl AppState {
    /// Like [`AppState::with_session`], also answering which session ran `f` (its
    /// epoch), for work that finishes outside the lock and must land in the same one.
    pub fn with_session_epoch<T>(
        &self,
        f: impl FnOnce(&mut Session) -> clinic_vault_core::Result<T>,
    ) -> CmdResult<(T, u64)> {
        let mut inner = lock_or_recover(&self.inner);
        let epoch = inner.epoch;
        let active = inner.active.as_mut().ok_or_else(IpcError::locked)?;
        let out = f(&mut active.session).map_err(|e| self.core_err(e))?;
        Ok((out, epoch))
    }

    /// Like [`AppState::with_session_at`], with access to the timers and counters too.
    pub fn with_session_at_active<T>(
        &self,
        epoch: u64,
        f: impl FnOnce(&mut Active) -> CmdResult<T>,
    ) -> CmdResult<T> {
        let mut inner = lock_or_recover(&self.inner);
        if inner.epoch != epoch {
            return Err(IpcError::locked());
        }
        f(inner.active.as_mut().ok_or_else(IpcError::locked)?)
    }

    /// Runs `f` on the unlocked session if it is still session `epoch`; `locked`
    /// otherwise (the vault locked, or another user unlocked, meanwhile).
    pub fn with_session_at<T>(
        &self,
        epoch: u64,
        f: impl FnOnce(&mut Session) -> clinic_vault_core::Result<T>,
    ) -> CmdResult<T> {
        let mut inner = lock_or_recover(&self.inner);
        if inner.epoch != epoch {
            return Err(IpcError::locked());
        }
        let active = inner.active.as_mut().ok_or_else(IpcError::locked)?;
        f(&mut active.session).map_err(|e| self.core_err(e))
    }

    /// Runs `f` on the unlocked session if it is still session `epoch`, answering
    /// core's result as it is; `None` when that session ended. For the sync worker,
    /// which maps both itself (`sync.rs`).
    pub fn session_at<T>(&self, epoch: u64, f: impl FnOnce(&mut Session) -> T) -> Option<T> {
        let mut inner = lock_or_recover(&self.inner);
        if inner.epoch != epoch {
            return None;
        }
        inner.active.as_mut().map(|active| f(&mut active.session))
    }

    /// Opens `view` in the viewer (closing any other) if session `epoch` is still the
    /// unlocked one; returns the opening's number, part of its page URLs.
    pub fn set_viewer(
        &self,
        epoch: u64,
        view: clinic_vault_core::scans::view::ScanView,
    ) -> CmdResult<u64> {
        let mut inner = lock_or_recover(&self.inner);
        if inner.active.is_none() || inner.epoch != epoch {
            return Err(IpcError::locked());
        }
        inner.openings += 1;
        let opening = inner.openings;
        inner.viewer = Some((opening, std::sync::Arc::new(view)));
        Ok(opening)
    }

    /// The scan open in the viewer, if it is `scan_id` in opening `opening` and a
    /// session is unlocked. The caller decodes its pages without holding the state's
    /// lock, then asks [`AppState::still_viewing`] before handing a page out; a lock
    /// meanwhile drops the state's reference, and the last one zeroizes it.
    pub fn viewer(
        &self,
        scan_id: &str,
        opening: u64,
    ) -> Option<std::sync::Arc<clinic_vault_core::scans::view::ScanView>> {
        let inner = lock_or_recover(&self.inner);
        inner.active.as_ref()?;
        inner
            .viewer
            .as_ref()
            .filter(|(n, v)| *n == opening && v.scan_id.as_str() == scan_id)
            .map(|(_, v)| v.clone())
    }

    /// Whether `view` is still the one open in the viewer of an unlocked session.
    pub fn still_viewing(
        &self,
        view: &std::sync::Arc<clinic_vault_core::scans::view::ScanView>,
    ) -> bool {
        let inner = lock_or_recover(&self.inner);
        inner.active.is_some()
            && inner
                .viewer
                .as_ref()
                .is_some_and(|(_, v)| std::sync::Arc::ptr_eq(v, view))
    }

    /// Closes the viewer (its plaintext is zeroized).
    pub fn close_viewer(&self) {
        lock_or_recover(&self.inner).viewer = None;
    }

    /// Adds a scanned page for `patient_id` if session `epoch` is still the unlocked
    /// one and nothing was discarded since `discards` was read; pages for another patient or resolution are dropped first. Refused when the
    /// pages would exceed `max_bytes` together or `max_pages` in number. Returns how many
    /// pages wait now.
    pub fn add_acquired(
        &self,
        (epoch, discards): (u64, u64),
        patient_id: &str,
        dpi: u32,
        scanned: ScannedPage,
        max_bytes: u64,
        max_pages: usize,
    ) -> CmdResult<usize> {
        let mut inner = lock_or_recover(&self.inner);
        if inner.active.is_none() || inner.epoch != epoch {
            return Err(IpcError::locked());
        }
        if inner.discards != discards {
            return Err(IpcError::invalid(
                "The scan was discarded while this page was scanned.",
            ));
        }
        let keep = inner
            .acquired
            .as_ref()
            .is_some_and(|a| a.patient_id == patient_id && a.dpi == dpi);
        if !keep {
            inner.acquired = Some(Acquired {
                patient_id: patient_id.to_string(),
                dpi,
                pages: Vec::new(),
                previews: Vec::new(),
                sizes: Vec::new(),
            });
        }
        let acquired = inner
            .acquired
            .as_mut()
            .ok_or_else(|| IpcError::internal("The scanned pages were lost.".to_string()))?;
        let total: u64 = acquired.sizes.iter().sum::<u64>() + scanned.size;
        if acquired.pages.len() >= max_pages {
            return Err(IpcError::invalid(format!(
                "A scan holds at most {max_pages} pages. Import these pages first, then scan the rest as another scan."
            )));
        }
        if total > max_bytes {
            return Err(IpcError::invalid(format!(
                "This page would make the scan larger than the {} MB limit. Import the pages scanned so far, then scan the rest as another scan (or choose a lower resolution or grey).",
                max_bytes / 1_000_000
            )));
        }
        acquired.pages.push(scanned.page);
        acquired.previews.push(scanned.preview);
        acquired.sizes.push(scanned.size);
        Ok(acquired.pages.len())
    }

    /// The preview of scanned page `n` for `patient_id`, while unlocked.
    pub fn acquired_preview(
        &self,
        patient_id: &str,
        n: usize,
    ) -> Option<zeroize::Zeroizing<Vec<u8>>> {
        let inner = lock_or_recover(&self.inner);
        inner.active.as_ref()?;
        let acquired = inner
            .acquired
            .as_ref()
            .filter(|a| a.patient_id == patient_id)?;
        acquired
            .previews
            .get(n)
            .map(|p| zeroize::Zeroizing::new(p.to_vec()))
    }

    /// Takes the pages waiting for `patient_id` out of the state, with the session's
    /// epoch and the discard count (read together), to import them without holding the
    /// lock.
    pub fn take_acquired(&self, patient_id: &str) -> Option<(Acquired, u64, u64)> {
        let mut inner = lock_or_recover(&self.inner);
        inner.active.as_ref()?;
        if inner.acquired.as_ref()?.patient_id != patient_id {
            return None;
        }
        let (epoch, discards) = (inner.epoch, inner.discards);
        inner.acquired.take().map(|a| (a, epoch, discards))
    }

    /// Puts pages taken by [`AppState::take_acquired`] back (their import failed), in
    /// front of any page of the same patient scanned meanwhile, unless the session
    /// changed, the pages were discarded, or the desk moved on to another patient or
    /// resolution (then they are dropped, zeroized: the user was told the import failed).
    pub fn return_acquired(&self, mut acquired: Acquired, epoch: u64, discards: u64) {
        let mut inner = lock_or_recover(&self.inner);
        if inner.active.is_none() || inner.epoch != epoch || inner.discards != discards {
            return;
        }
        match inner.acquired.take() {
            None => inner.acquired = Some(acquired),
            Some(newer) if newer.patient_id == acquired.patient_id && newer.dpi == acquired.dpi => {
                acquired.pages.extend(newer.pages);
                acquired.previews.extend(newer.previews);
                acquired.sizes.extend(newer.sizes);
                inner.acquired = Some(acquired);
            }
            Some(other) => inner.acquired = Some(other),
        }
    }

    /// Keeps files dropped on the window (only while unlocked: a drop on the unlock
    /// screen imports nothing) and returns what the page is told; the previous drop is
    /// forgotten. Only absolute paths are kept (wry turns `file://` URIs into paths;
    /// anything else is dropped here).
    pub fn drop_files(&self, paths: &[PathBuf], x: f64, y: f64) -> Option<DroppedFiles> {
        let paths: Vec<PathBuf> = paths.iter().filter(|p| p.is_absolute()).cloned().collect();
        if paths.is_empty() {
            return None;
        }
        let mut inner = lock_or_recover(&self.inner);
        inner.active.as_ref()?;
        let token: String = rand::random::<[u8; 16]>()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let names = paths
            .iter()
            .map(|p| {
                p.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| p.display().to_string())
            })
            .collect();
        inner.dropped = Some(Dropped {
            token: token.clone(),
            epoch: inner.epoch,
            paths,
        });
        Some(DroppedFiles { token, names, x, y })
    }

    /// File `index` of the drop named `token`, with the session it was dropped in:
    /// `locked` after a lock or an unlock since, `invalid_input` for any other token or
    /// index.
    pub fn dropped_path(&self, token: &str, index: usize) -> CmdResult<(PathBuf, u64)> {
        use subtle::ConstantTimeEq;
        let inner = lock_or_recover(&self.inner);
        if inner.active.is_none() {
            return Err(IpcError::locked());
        }
        let dropped = inner
            .dropped
            .as_ref()
            .filter(|d| bool::from(d.token.as_bytes().ct_eq(token.as_bytes())))
            .ok_or_else(|| {
                IpcError::invalid("Those files are no longer waiting: drop them again.")
            })?;
        if dropped.epoch != inner.epoch {
            return Err(IpcError::locked());
        }
        let path = dropped
            .paths
            .get(index)
            .cloned()
            .ok_or_else(|| IpcError::invalid("There is no such dropped file."))?;
        Ok((path, dropped.epoch))
    }

    /// Forgets the files dropped (the page imported them, or the drop was not on a
    /// patient's scans).
    pub fn forget_dropped(&self) {
        lock_or_recover(&self.inner).dropped = None;
    }

    /// Forgets the scanned pages (zeroized), and any page still on its way.
    pub fn discard_acquired(&self) {
        let mut inner = lock_or_recover(&self.inner);
        inner.acquired = None;
        inner.discards += 1;
    }

    /// How many times pages were discarded so far (see [`AppState::add_acquired`]).
    pub fn discards(&self) -> u64 {
        lock_or_recover(&self.inner).discards
    }
}

fn digest(text: &str) -> [u8; 32] {
    Sha256::digest(text.as_bytes()).into()
}

/// A poisoned mutex means a command panicked mid-way; the state itself (an optional
/// session) is still coherent, so carry on rather than wedge the app.
pub(crate) fn lock_or_recover<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
