//! The workstation's sync in the app (issue 14, DESIGN §7): a background worker that
//! runs `clinic_vault_sync::run_cycle` while a session is unlocked, and the status the
//! window shows (`sync_status`, the `sync-status` event).
//!
//! The worker reaches the vault only through [`AppState::session_at`], pinned to the
//! session it began in: each call is short (core's cycle never holds the vault across a
//! request), so commands are never kept waiting on the network, and a cycle begun in
//! one session stops at its next vault call once the app locks or another user unlocks
//! (`Locked`). Nothing is lost then: what waits is in the vault's outbox.
//!
//! When it runs: at once when a session begins, when someone presses "Sync now", after
//! an enrollment or a forget; when synced, as soon as something new waits (checked every
//! [`TICK`]) and every [`RECHECK`] anyway; after a failure, when the planner's backoff
//! says; after a halt, only when a person asks.

use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use clinic_vault_core::sync::plan::Plan;
use clinic_vault_core::Session;
use clinic_vault_sync::{CycleError, End, EnrollError, Target, Vault};
use serde::{Deserialize, Serialize};

use crate::error::{CmdResult, IpcError};
use crate::state::{lock_or_recover, AppState};

/// How often the worker looks at the local queue (a short read under the session lock).
pub const TICK: Duration = Duration::from_secs(2);
/// How often a synced workstation asks the server anyway (one signed `GET /v1/head`).
pub const RECHECK: Duration = Duration::from_secs(60);
/// The least time between two `sync-status` events while a long cycle sends.
const PROGRESS_EVERY: Duration = Duration::from_millis(250);
/// After a failure of the vault itself (not the network), the next try.
const VAULT_RETRY: Duration = Duration::from_secs(60);

/// Failure codes that mean the server could not be reached at all.
const OFFLINE_CODES: &[&str] = &["server_unreachable", "server_timeout"];

/// Where sync stands, as the UI's `SyncState` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncState {
    /// No server registered.
    NotEnrolled,
    /// Everything the last cycle found was sent.
    Synced,
    /// A cycle is running.
    Syncing,
    /// Backing off after a failure that is not "offline" (429, 5xx, a refused TLS…).
    Waiting,
    /// The server could not be reached; retrying.
    Offline,
    /// Stopped until an admin acts.
    Halted,
}

/// A point of the audit chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainPoint {
    /// Sequence number.
    pub seq: u64,
    /// Hash (64 hex digits).
    pub hash: String,
}

/// The server's receipt this vault keeps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnchorView {
    /// Sequence number.
    pub seq: u64,
    /// Hash.
    pub hash: String,
    /// The server's time in the receipt (µs).
    pub server_time_us: i64,
}

/// The last error, as the vault's status row keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncErrorView {
    /// Stable code.
    pub code: String,
    /// A sentence (the sync crate's words).
    pub message: String,
    /// When (µs).
    pub at_us: i64,
}

/// What `sync_status` answers and `sync-status` carries (ui/src/lib/ipc.ts
/// `SyncStatus`). Names a server and a workstation, never patient data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncStatus {
    /// Where it stands.
    pub state: SyncState,
    /// The server, when enrolled.
    pub server_url: Option<String>,
    /// The name the server gave this workstation.
    pub workstation: Option<String>,
    /// This workstation's device id.
    pub device_id: String,
    /// Audit events the server has not acknowledged.
    pub events_waiting: u64,
    /// Scan uploads and deletions waiting.
    pub scans_waiting: u64,
    /// The last cycle that ended with everything sent (µs).
    pub last_success_us: Option<i64>,
    /// When the worker tries again (offline, waiting).
    pub next_attempt_us: Option<i64>,
    /// Until a cycle succeeds.
    pub last_error: Option<SyncErrorView>,
    /// The local chain's head.
    pub local_head: ChainPoint,
    /// The server's receipt.
    pub anchor: Option<AnchorView>,
}

/// How an admin enrolls (ipc.ts `EnrollRequest`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum EnrollRequest {
    /// The admin page's `cvenroll1:` code.
    Code {
        /// The code.
        code: String,
    },
    /// The server's address and a token.
    Parts {
        /// `https://…`
        url: String,
        /// The token.
        token: String,
    },
    /// The code the run script handed the app ([`Control::offer`]).
    Offered {
        /// Always true.
        offered: bool,
    },
}

/// What the worker will do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Nothing known yet in this session: run at once.
    Fresh,
    /// No server registered: wait for an enrollment.
    NotEnrolled,
    /// Synced: run when something waits, or at `recheck`.
    Synced { recheck: Instant },
    /// A failure: run at `until` (shown as `next_attempt_us`).
    Waiting { until: Instant, at_us: i64 },
    /// Stopped until a person asks.
    Halted,
}

struct Worker {
    mode: Mode,
    /// The session `mode` belongs to.
    epoch: Option<u64>,
    syncing: bool,
    /// Someone asked for a cycle now.
    kicked: bool,
    /// The registration changed: the planner's backoff and batch size start over.
    reset: bool,
}

/// The worker's shared half, kept in [`AppState`].
pub struct Control {
    worker: Mutex<Worker>,
    wake: Condvar,
    /// An enrollment code for a sync server on this computer (set once, from
    /// `CLINICVAULT_SYNC_OFFER` by the run script).
    offer: std::sync::OnceLock<Target>,
    notifier: Mutex<Option<StatusNotifier>>,
}

/// Receives each new status (`lib.rs` emits it as `sync-status`).
pub type StatusNotifier = Box<dyn Fn(&SyncStatus) + Send + Sync>;

impl std::fmt::Debug for Control {
    // Not the offered code: it holds an enrollment token.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let w = lock_or_recover(&self.worker);
        f.debug_struct("Control")
            .field("mode", &w.mode)
            .field("syncing", &w.syncing)
            .field("offered_server", &self.offered_server())
            .finish_non_exhaustive()
    }
}

impl Default for Control {
    fn default() -> Self {
        Control {
            worker: Mutex::new(Worker {
                mode: Mode::Fresh,
                epoch: None,
                syncing: false,
                kicked: false,
                reset: false,
            }),
            wake: Condvar::new(),
            offer: std::sync::OnceLock::new(),
            notifier: Mutex::new(None),
        }
    }
}

impl Control {
    /// Offers the server in `code` to the admin (`enroll_device({offered: true})`).
    /// A code that does not parse is refused here, in words for the IT admin.
    pub fn offer(&self, code: &str) -> Result<(), String> {
        let target = Target::from_code(code).map_err(|e| e.to_string())?;
        let _ = self.offer.set(target);
        Ok(())
    }

    /// The offered server's address.
    pub fn offered_server(&self) -> Option<String> {
        self.offer.get().map(|t| t.url().to_string())
    }

    /// Where status changes go.
    pub fn set_notifier(&self, notifier: StatusNotifier) {
        *lock_or_recover(&self.notifier) = Some(notifier);
    }

    /// Asks for a cycle now (`reset`: the registration changed).
    pub fn kick(&self, reset: bool) {
        let mut w = lock_or_recover(&self.worker);
        w.kicked = true;
        w.reset |= reset;
        self.wake.notify_all();
    }

    /// Waits up to `timeout` for a kick; answers whether there was one, and whether
    /// the registration changed.
    fn wait(&self, timeout: Duration) -> (bool, bool) {
        let w = lock_or_recover(&self.worker);
        let (mut w, _) = self
            .wake
            .wait_timeout_while(w, timeout, |w| !w.kicked)
            .unwrap_or_else(|p| p.into_inner());
        let out = (w.kicked, w.reset);
        w.kicked = false;
        w.reset = false;
        out
    }

    fn notify(&self, status: &SyncStatus) {
        if let Some(notify) = lock_or_recover(&self.notifier).as_ref() {
            notify(status);
        }
    }

    /// The status of the unlocked session `epoch` (`locked` if it ended).
    fn status_at(&self, state: &AppState, epoch: u64) -> CmdResult<SyncStatus> {
        let (mode, syncing) = {
            let w = lock_or_recover(&self.worker);
            if w.epoch == Some(epoch) {
                (w.mode, w.syncing)
            } else {
                (Mode::Fresh, false)
            }
        };
        let read = state
            .session_at(epoch, |s| {
                Ok((
                    s.device_id().to_string(),
                    s.sync_device()?,
                    s.sync_outbox()?,
                ))
            })
            .ok_or_else(IpcError::locked)?;
        let (device_id, device, out) = read.map_err(|e| state.core_err(e))?;
        let last_error = out.last_error.as_ref().map(|e| SyncErrorView {
            code: e.code.clone(),
            message: e.message.clone(),
            at_us: e.at_us,
        });
        let failing_state = |code: Option<&str>| match code {
            Some(code) if OFFLINE_CODES.contains(&code) => SyncState::Offline,
            Some(_) => SyncState::Waiting,
            None => SyncState::Synced,
        };
        let error_code = last_error.as_ref().map(|e| e.code.as_str());
        let (state_now, next_attempt_us) = match (&device, mode) {
            (None, _) => (SyncState::NotEnrolled, None),
            (Some(_), _) if syncing => (SyncState::Syncing, None),
            (Some(_), Mode::Halted) => (SyncState::Halted, None),
            (Some(_), Mode::Waiting { at_us, .. }) => (
                match failing_state(error_code) {
                    SyncState::Synced => SyncState::Waiting,
                    other => other,
                },
                Some(at_us),
            ),
            (Some(_), _) => (failing_state(error_code), None),
        };
        Ok(SyncStatus {
            state: state_now,
            server_url: device.as_ref().map(|d| d.server_url.clone()),
            workstation: device.as_ref().map(|d| d.workstation.clone()),
            device_id,
            events_waiting: out.events_waiting(),
            scans_waiting: out.blobs_waiting,
            last_success_us: out.last_success_us,
            next_attempt_us,
            last_error,
            local_head: ChainPoint {
                seq: out.head_seq,
                hash: out.head_hash.clone(),
            },
            anchor: out.anchor.as_ref().map(|a| AnchorView {
                seq: a.seq,
                hash: a.hash.clone(),
                server_time_us: a.server_time_us,
            }),
        })
    }

    /// The current session's status.
    pub fn status(&self, state: &AppState) -> CmdResult<SyncStatus> {
        self.status_at(state, state.epoch())
    }

    fn set(&self, epoch: u64, f: impl FnOnce(&mut Worker)) {
        let mut w = lock_or_recover(&self.worker);
        if w.epoch != Some(epoch) {
            w.epoch = Some(epoch);
            w.mode = Mode::Fresh;
            w.syncing = false;
        }
        f(&mut w);
    }

    fn publish(&self, state: &AppState, epoch: u64) {
        if let Ok(status) = self.status_at(state, epoch) {
            self.notify(&status);
        }
    }
}

/// The vault as the cycle sees it: the app's session `epoch`, one short call at a time.
struct AppVault<'a> {
    state: &'a AppState,
    epoch: u64,
}

impl Vault for AppVault<'_> {
    fn with<R>(
        &mut self,
        f: impl FnOnce(&mut Session) -> clinic_vault_core::Result<R>,
    ) -> Result<R, CycleError> {
        match self.state.session_at(self.epoch, f) {
            None => Err(CycleError::Locked),
            Some(result) => Ok(result?),
        }
    }
}

/// Starts the worker thread over the app's managed [`AppState`].
pub fn spawn<R: tauri::Runtime>(handle: tauri::AppHandle<R>) -> std::io::Result<()> {
    use tauri::Manager;
    std::thread::Builder::new()
        .name("sync".into())
        .spawn(move || worker(&handle.state::<AppState>()))
        .map(|_| ())
}

fn worker(state: &AppState) {
    let control = &state.sync;
    let mut plan = Plan::default();
    let mut first = true;
    loop {
        let (kicked, reset) = if first {
            (false, false)
        } else {
            control.wait(TICK)
        };
        first = false;
        if reset {
            plan = Plan::default();
        }
        if !state.is_unlocked() {
            continue;
        }
        let epoch = state.epoch();
        let mode = {
            let w = lock_or_recover(&control.worker);
            if w.epoch == Some(epoch) {
                w.mode
            } else {
                Mode::Fresh
            }
        };
        let now = Instant::now();
        let due = kicked
            || match mode {
                Mode::Fresh => true,
                Mode::NotEnrolled | Mode::Halted => false,
                Mode::Waiting { until, .. } => now >= until,
                Mode::Synced { recheck } => now >= recheck || something_waits(state, epoch),
            };
        if !due {
            continue;
        }
        let enrolled = match state.session_at(epoch, |s| s.sync_device()) {
            None => continue,
            Some(Ok(device)) => device.is_some(),
            Some(Err(_)) => false,
        };
        if !enrolled {
            let changed = mode != Mode::NotEnrolled;
            control.set(epoch, |w| w.mode = Mode::NotEnrolled);
            if changed || kicked {
                control.publish(state, epoch);
            }
            continue;
        }
        control.set(epoch, |w| w.syncing = true);
        control.publish(state, epoch);
        let mut vault = AppVault { state, epoch };
        let mut last_progress = Instant::now();
        let result = clinic_vault_sync::run_cycle(&mut vault, &mut plan, &mut |_| {
            if last_progress.elapsed() >= PROGRESS_EVERY {
                last_progress = Instant::now();
                control.publish(state, epoch);
            }
        });
        let next = match result {
            Ok(report) => match report.end {
                End::Synced => Mode::Synced {
                    recheck: Instant::now() + RECHECK,
                },
                End::Retry { wait, .. } => Mode::Waiting {
                    until: Instant::now() + wait,
                    at_us: state.now_us() + wait.as_micros() as i64,
                },
                End::Halted { .. } => Mode::Halted,
            },
            // The session ended meanwhile: the next one starts afresh.
            Err(CycleError::Locked) => continue,
            Err(CycleError::Core(e)) => {
                eprintln!(
                    "clinic-vault: sync: the vault failed ({}); trying again in {} s",
                    e.code(),
                    VAULT_RETRY.as_secs()
                );
                Mode::Waiting {
                    until: Instant::now() + VAULT_RETRY,
                    at_us: state.now_us() + VAULT_RETRY.as_micros() as i64,
                }
            }
        };
        control.set(epoch, |w| {
            w.syncing = false;
            w.mode = next;
        });
        control.publish(state, epoch);
    }
}

/// Whether events or scans wait to be sent (a short read).
fn something_waits(state: &AppState, epoch: u64) -> bool {
    state
        .session_at(epoch, |s| s.sync_outbox())
        .and_then(Result::ok)
        .is_some_and(|out| out.events_waiting() > 0 || out.blobs_waiting > 0)
}

/// The `IpcError` code for a sync code (the UI reads `code`; unknown server codes are
/// `sync_refused`, with the server's code in the sentence).
fn ipc_code(code: &str) -> &'static str {
    const KNOWN: &[&str] = &[
        "invalid_input",
        "forbidden",
        "locked",
        "bad_server_url",
        "ca_file_unusable",
        "server_unreachable",
        "server_timeout",
        "tls_failed",
        "server_error",
        "server_garbage",
        "bad_receipt",
        "rate_limited",
        "stale_timestamp",
        "enroll_token_unknown",
        "enroll_token_spent",
        "enroll_token_expired",
        "device_exists",
        "not_enrolled",
    ];
    KNOWN
        .iter()
        .find(|k| **k == code)
        .copied()
        .unwrap_or("sync_refused")
}

fn sync_error(code: &str, message: String) -> IpcError {
    IpcError {
        code: ipc_code(code),
        message,
        retry_after_secs: None,
        pc_time_utc: None,
        field: None,
    }
}

/// Enrolls this workstation (admins only), pinned to the session it began in.
pub fn enroll(state: &AppState, req: EnrollRequest) -> CmdResult<SyncStatus> {
    let epoch = state.epoch();
    state
        .session_at(epoch, |_| ())
        .ok_or_else(IpcError::locked)?;
    let unusable = |what: &str, e: &dyn std::fmt::Display| {
        sync_error(
            "invalid_input",
            format!("{what} cannot be used: {e}. Copy it again from the server's admin page."),
        )
    };
    let target = match req {
        EnrollRequest::Code { code } => {
            Target::from_code(&code).map_err(|e| unusable("This enrollment code", &e))?
        }
        EnrollRequest::Parts { url, token } => Target::from_parts(&url, &token)
            .map_err(|e| unusable("This server address and token", &e))?,
        EnrollRequest::Offered { offered: true } => match state.sync.offer.get() {
            Some(target) => target.clone(),
            None => {
                return Err(IpcError::invalid(
                    "No sync server is offered on this computer: paste the enrollment code from the server's admin page.",
                ))
            }
        },
        EnrollRequest::Offered { offered: false } => {
            return Err(IpcError::invalid("Say which server to enroll with."))
        }
    };
    let mut vault = AppVault { state, epoch };
    clinic_vault_sync::enroll(&mut vault, &target, None).map_err(|e| match e {
        EnrollError::Vault(CycleError::Core(e)) => state.core_err(e),
        EnrollError::Vault(CycleError::Locked) => IpcError::locked(),
        EnrollError::Client(c) => sync_error(c.code(), clinic_vault_sync::words::client_error(&c)),
        other => sync_error(&other.code(), other.to_string()),
    })?;
    state.sync.kick(true);
    state.sync.status_at(state, epoch)
}

/// Forgets the sync server (admins only).
pub fn forget(state: &AppState) -> CmdResult<SyncStatus> {
    let epoch = state.epoch();
    state
        .session_at(epoch, |s| s.sync_forget())
        .ok_or_else(IpcError::locked)?
        .map_err(|e| state.core_err(e))?;
    state.sync.kick(true);
    state.sync.status_at(state, epoch)
}

/// `sync_status` (any role).
#[tauri::command(async)]
pub fn sync_status(state: tauri::State<'_, AppState>) -> CmdResult<SyncStatus> {
    state.sync.status(&state)
}

/// `sync_now` (any role): wakes the worker and answers at once.
#[tauri::command(async)]
pub fn sync_now(state: tauri::State<'_, AppState>) -> CmdResult<SyncStatus> {
    let status = state.sync.status(&state)?;
    state.sync.kick(false);
    Ok(status)
}

/// `enroll_device` (admins).
#[tauri::command(async)]
pub fn enroll_device(
    state: tauri::State<'_, AppState>,
    req: EnrollRequest,
) -> CmdResult<SyncStatus> {
    enroll(&state, req)
}

/// `forget_server` (admins).
#[tauri::command(async)]
pub fn forget_server(state: tauri::State<'_, AppState>) -> CmdResult<SyncStatus> {
    forget(&state)
}
