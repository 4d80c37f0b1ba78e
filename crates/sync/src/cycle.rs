//! One sync cycle: core's planner decides, this executes (HTTP through [`Client`], the
//! vault through [`Vault`]), until everything is on the server, a failure asks for a
//! retry later, or a halt asks for a person. How it ended is recorded in the vault
//! (`sync_record`: the status row, and a `sync.error` / `sync.halt` event once per new
//! code).
//!
//! The vault is reached only inside [`Vault::with`] calls, each short (a read of the
//! queue, a batch of events, storing a receipt); the network is used outside them, so
//! the app's lock on the session is never held across a request.

use std::time::Duration;

use clinic_vault_core::sync::plan::{Answer, Halt, LocalAt, Plan, Step};
use clinic_vault_core::sync::{BlobKind, BlobOp, CycleEnd, Device};
use clinic_vault_core::Session;
use clinic_vault_proto::EventBatch;
use rand::Rng;
use sha2::{Digest, Sha256};

use crate::client::{Client, Failure};
use crate::words;

/// Why a cycle could not run at all (nothing was recorded).
#[derive(Debug, thiserror::Error)]
pub enum CycleError {
    /// The vault was locked meanwhile (the app's session ended).
    #[error("the vault was locked")]
    Locked,
    /// The vault refused or failed (`not_enrolled` among them).
    #[error(transparent)]
    Core(#[from] clinic_vault_core::Error),
}

/// Access to the unlocked vault, one short call at a time.
pub trait Vault {
    /// Runs `f` on the session; [`CycleError::Locked`] when there is none any more.
    fn with<R>(
        &mut self,
        f: impl FnOnce(&mut Session) -> clinic_vault_core::Result<R>,
    ) -> Result<R, CycleError>;
}

impl Vault for &mut Session {
    fn with<R>(
        &mut self,
        f: impl FnOnce(&mut Session) -> clinic_vault_core::Result<R>,
    ) -> Result<R, CycleError> {
        Ok(f(self)?)
    }
}

/// How a cycle ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    /// Everything queued is on the server.
    Synced,
    /// It failed; the next cycle after `wait`.
    Retry {
        /// The stable code.
        code: String,
        /// A sentence.
        message: String,
        /// How long to wait (backoff with full jitter, at least a `Retry-After`).
        wait: Duration,
    },
    /// Stopped until a person acts; nothing was dropped from the queue.
    Halted {
        /// The stable code.
        code: String,
        /// A sentence.
        message: String,
        /// The local audit trail is damaged (cut or rewritten).
        corrupt: bool,
    },
}

/// What a cycle did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Events sent (in batches).
    pub events_sent: u64,
    /// Of those, the server had not held before.
    pub events_new: u64,
    /// Batches sent.
    pub batches: u64,
    /// Scans uploaded (or found already on the server).
    pub scans_sent: u64,
    /// Their bytes.
    pub scan_bytes: u64,
    /// Blob deletions done.
    pub deletions: u64,
    /// The head the server last answered with.
    pub server_seq: Option<u64>,
    /// How it ended.
    pub end: End,
}

impl Report {
    fn new() -> Report {
        Report {
            events_sent: 0,
            events_new: 0,
            batches: 0,
            scans_sent: 0,
            scan_bytes: 0,
            deletions: 0,
            server_seq: None,
            end: End::Synced,
        }
    }
}

/// Runs one cycle for the enrolled device. `plan` carries the backoff and batch size
/// from one cycle to the next; `progress` is called after every step that sent
/// something.
pub fn run_cycle<V: Vault>(
    vault: &mut V,
    plan: &mut Plan,
    progress: &mut dyn FnMut(&Report),
) -> Result<Report, CycleError> {
    let device = vault.with(|s| {
        s.sync_device()?
            .ok_or_else(|| clinic_vault_core::sync::error::SyncError::NotEnrolled.into())
    })?;
    let mut report = Report::new();
    let client = match Client::new(&device.server_url, device.ca_file.as_deref()) {
        Ok(client) => client,
        Err(e) => {
            let message = words::client_error(&e);
            return finish(vault, report, halted(e.code().to_string(), message, false));
        }
    };
    // The last failure, for the sentence of a retry.
    let mut failure: Option<(String, String)> = None;
    let mut answer: Option<Answer> = None;
    loop {
        let queue = vault.with(|s| Ok(s.sync_outbox()?.queue()))?;
        let (next, step) = plan.next(&queue, answer.as_ref());
        *plan = next;
        let outcome = match step {
            Step::AskHead => ask_head(vault, &client, &device, &mut report),
            Step::SendEvents { from_seq, to_seq } => {
                let outcome = send_events(vault, &client, &device, from_seq, to_seq, &mut report);
                progress(&report);
                outcome
            }
            Step::SendBlob => {
                let outcome = send_blob(vault, &client, &device, &mut report);
                progress(&report);
                match outcome {
                    Err(Stop::Halt(end)) => return finish(vault, report, end),
                    other => other,
                }
            }
            Step::Synced => return finish(vault, report, End::Synced),
            Step::Retry { min_ms, max_ms, .. } => {
                let wait = Duration::from_millis(rand::thread_rng().gen_range(min_ms..=max_ms));
                let (code, message) = failure.take().unwrap_or_else(|| {
                    (
                        "server_unreachable".into(),
                        words::unreachable(client.base()),
                    )
                });
                return finish(
                    vault,
                    report,
                    End::Retry {
                        code,
                        message,
                        wait,
                    },
                );
            }
            Step::Halt(halt) => {
                let end = halt_end(&halt, client.base());
                let first_time = vault.with(|s| {
                    let out = s.sync_outbox()?;
                    Ok(out.last_error.map(|e| e.code)
                        != Some(match &end {
                            End::Halted { code, .. } => code.clone(),
                            _ => String::new(),
                        }))
                })?;
                let report_from = match halt {
                    Halt::Diverged { seq } => Some(seq.max(1)),
                    Halt::LocalChainCut { .. } => Some(queue.head_seq + 1),
                    _ => None,
                };
                let report = finish(vault, report, end)?;
                // A damaged local trail is also told to the server, once: the events
                // from the point of difference, which it refuses as a fork and records
                // as an alert (the halt's own `sync.halt` event is among them).
                if first_time {
                    if let Some(from) = report_from {
                        tell_server(vault, &client, &device, from)?;
                    }
                }
                return Ok(report);
            }
        };
        answer = Some(match outcome {
            Ok(answer) => answer,
            Err(Stop::Failed(f)) => {
                failure = Some((f.code(), words::failure(&f, client.base())));
                f.answer()
            }
            Err(Stop::Halt(end)) => return finish(vault, report, end),
            Err(Stop::Vault(e)) => return Err(e),
        });
    }
}

/// Why a step did not give the planner an answer of its own.
enum Stop {
    /// The call failed: the planner hears `Failure::answer`.
    Failed(Failure),
    /// The cycle ends here.
    Halt(End),
    /// The vault failed or was locked.
    Vault(CycleError),
}

impl From<CycleError> for Stop {
    fn from(e: CycleError) -> Self {
        Stop::Vault(e)
    }
}

fn halted(code: String, message: String, corrupt: bool) -> End {
    End::Halted {
        code,
        message,
        corrupt,
    }
}

fn finish<V: Vault>(vault: &mut V, mut report: Report, end: End) -> Result<Report, CycleError> {
    let record = match &end {
        End::Synced => CycleEnd::Synced,
        End::Retry { code, message, .. } => CycleEnd::Failed {
            code: code.clone(),
            message: message.clone(),
            halted: false,
        },
        End::Halted { code, message, .. } => CycleEnd::Failed {
            code: code.clone(),
            message: message.clone(),
            halted: true,
        },
    };
    vault.with(|s| s.sync_record(&record))?;
    report.end = end;
    Ok(report)
}

fn halt_end(halt: &Halt, base: &str) -> End {
    let (code, corrupt) = match halt {
        Halt::LocalChainCut { .. } => ("local_chain_cut".to_string(), true),
        Halt::Diverged { .. } => ("chain_diverged".to_string(), true),
        Halt::ServerBehind { .. } => ("server_behind".to_string(), false),
        Halt::NotAccepted { code } => (code.clone(), false),
        Halt::Refused { code, .. } => (code.clone(), false),
    };
    halted(code, words::halt(halt, base), corrupt)
}

fn ask_head<V: Vault>(
    vault: &mut V,
    client: &Client,
    device: &Device,
    report: &mut Report,
) -> Result<Answer, Stop> {
    let head = client.head(device).map_err(Stop::Failed)?;
    let receipt = &head.receipt;
    if head.verify(&device.server_key).is_err()
        || receipt.device_id != device.device_id
        || receipt.vault_id != device.vault_id
    {
        return Err(Stop::Failed(Failure::Unavailable {
            code: "bad_receipt",
            detail: "the head it answered is not signed for this workstation".into(),
        }));
    }
    report.server_seq = Some(receipt.seq);
    let (seq, hash) = (receipt.seq, receipt.hash.clone());
    let local = vault.with(|s| {
        let local = s.sync_local_at(seq, &hash)?;
        // A head the local chain holds is a receipt worth keeping (the anchor only
        // ever moves up).
        if local == LocalAt::Same && seq > 0 {
            s.sync_store_receipt(device, &head)?;
        }
        Ok(local)
    })?;
    Ok(Answer::Head { seq, local })
}

fn send_events<V: Vault>(
    vault: &mut V,
    client: &Client,
    device: &Device,
    from_seq: u64,
    to_seq: u64,
    report: &mut Report,
) -> Result<Answer, Stop> {
    let events = vault.with(|s| s.sync_events(from_seq, to_seq))?;
    let n_events = events.len() as u64;
    let answer = client
        .send_batch(device, &EventBatch { events })
        .map_err(Stop::Failed)?;
    report.events_sent += n_events;
    report.batches += 1;
    if answer.head.receipt.seq != answer.held_seq {
        return Err(Stop::Failed(Failure::Unavailable {
            code: "server_garbage",
            detail: "its receipt names another head than its answer".into(),
        }));
    }
    report.events_new += answer.n_stored;
    report.server_seq = Some(answer.held_seq);
    let stored = vault.with(|s| match s.sync_store_receipt(device, &answer.head) {
        Ok(_) => Ok(Ok(())),
        Err(clinic_vault_core::Error::Sync(e)) => Ok(Err(e)),
        Err(e) => Err(e),
    })?;
    use clinic_vault_core::sync::error::SyncError;
    match stored {
        Ok(()) => Ok(Answer::Stored {
            held_seq: answer.held_seq,
        }),
        // The server holds another event at its head than this vault.
        Err(SyncError::Diverged { seq }) => Ok(Answer::Refused {
            code: "chain_fork".into(),
            seq: Some(seq),
        }),
        Err(_) => Err(Stop::Failed(Failure::Unavailable {
            code: "bad_receipt",
            detail: "the receipt of the batch is not signed for this workstation".into(),
        })),
    }
}

/// How many uploads are in flight at once: while the server stores one scan, the next
/// is read, checked and sent.
pub const UPLOADS_IN_FLIGHT: usize = 2;

/// Sends the oldest queued blob operation; when it is an upload, also the uploads queued
/// right after it (up to [`UPLOADS_IN_FLIGHT`], distinct scans, none past a deletion, so
/// a deletion is never sent before an upload it follows). Each confirmed one leaves the
/// queue; the first failure is the answer.
fn send_blob<V: Vault>(
    vault: &mut V,
    client: &Client,
    device: &Device,
    report: &mut Report,
) -> Result<Answer, Stop> {
    let ops = vault.with(|s| s.sync_next_blobs(UPLOADS_IN_FLIGHT))?;
    let Some(first) = ops.first() else {
        return Ok(Answer::BlobDone);
    };
    if first.kind == BlobKind::Delete {
        client
            .delete_blob(device, &first.content_hash)
            .map_err(Stop::Failed)?;
        report.deletions += 1;
        vault.with(|s| s.sync_blob_done(first.pk))?;
        return Ok(Answer::BlobDone);
    }
    let mut uploads: Vec<(&BlobOp, std::path::PathBuf)> = Vec::new();
    for op in &ops {
        if op.kind != BlobKind::Upload
            || uploads
                .iter()
                .any(|(u, _)| u.content_hash == op.content_hash)
        {
            break;
        }
        let path = vault.with(|s| Ok(s.sync_blob_file(&op.content_hash)))?;
        uploads.push((op, path));
    }
    let outcomes: Vec<Result<u64, Upload>> = std::thread::scope(|scope| {
        let running: Vec<_> = uploads
            .iter()
            .map(|(op, path)| scope.spawn(move || upload(client, device, op, path)))
            .collect();
        running
            .into_iter()
            .map(|t| {
                t.join().unwrap_or_else(|_| {
                    Err(Upload::Failed(Failure::Unavailable {
                        code: "server_garbage",
                        detail: "the upload stopped unexpectedly".into(),
                    }))
                })
            })
            .collect()
    });
    let mut first_failure = None;
    for ((op, _), outcome) in uploads.iter().zip(outcomes) {
        match outcome {
            Ok(size) => {
                vault.with(|s| s.sync_blob_done(op.pk))?;
                report.scans_sent += 1;
                report.scan_bytes += size;
            }
            Err(Upload::Unreadable(e)) => {
                // An erasure may have taken the scan (and its upload) meanwhile.
                let queued = vault.with(|s| s.sync_next_blobs(UPLOADS_IN_FLIGHT))?;
                if queued.iter().any(|o| o.pk == op.pk) {
                    first_failure.get_or_insert(Stop::Halt(halted(
                        "scan_file_missing".into(),
                        words::scan_file(&op.content_hash, &e.to_string()),
                        false,
                    )));
                }
            }
            Err(Upload::Damaged) => {
                first_failure.get_or_insert(Stop::Halt(halted(
                    "scan_file_damaged".into(),
                    words::scan_file(&op.content_hash, "its content does not match its name"),
                    false,
                )));
            }
            Err(Upload::Failed(failure)) => {
                first_failure.get_or_insert(Stop::Failed(failure));
            }
        }
    }
    match first_failure {
        Some(stop) => Err(stop),
        None => Ok(Answer::BlobDone),
    }
}

/// Why one upload did not go through.
enum Upload {
    /// The scan's file could not be read.
    Unreadable(std::io::Error),
    /// The file does not hash to its name.
    Damaged,
    /// The server refused or could not be reached.
    Failed(Failure),
}

/// Reads the scan's file, checks it hashes to its address (that hash is also the one
/// the request's signature takes) and uploads it; its size when the server holds it.
fn upload(
    client: &Client,
    device: &Device,
    op: &BlobOp,
    path: &std::path::Path,
) -> Result<u64, Upload> {
    let bytes = std::fs::read(path).map_err(Upload::Unreadable)?;
    let digest: [u8; 32] = Sha256::digest(&bytes).into();
    let actual: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    if actual != op.content_hash {
        return Err(Upload::Damaged);
    }
    let receipt = client
        .put_blob(device, &op.content_hash, &bytes, digest)
        .map_err(Upload::Failed)?;
    if receipt.hash != op.content_hash || receipt.size != bytes.len() as u64 {
        return Err(Upload::Failed(Failure::Unavailable {
            code: "server_garbage",
            detail: "its receipt names another scan".into(),
        }));
    }
    Ok(bytes.len() as u64)
}

/// Sends the events from `from` on (one batch at most), for the server to refuse and
/// raise as an alert; its answer changes nothing here.
fn tell_server<V: Vault>(
    vault: &mut V,
    client: &Client,
    device: &Device,
    from: u64,
) -> Result<(), CycleError> {
    let head_seq = vault.with(|s| Ok(s.sync_outbox()?.head_seq))?;
    if from > head_seq {
        return Ok(());
    }
    let to = head_seq.min(from + clinic_vault_core::sync::plan::MAX_BATCH - 1);
    let events = vault.with(|s| s.sync_events(from, to))?;
    // Refused as a fork (and raised as an alert) is the expected answer.
    let _answer = client.send_batch(device, &EventBatch { events });
    Ok(())
}
