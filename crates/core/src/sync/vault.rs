//! The vault's side of sync (schema 6): the device identity, the outbox and the anchor.
//!
//! - **Events**: the outbox is the chain itself. Every event after the head the current
//!   server acknowledged is waiting; each was appended in the unit of the change it
//!   records, so the queue is exactly what committed, whatever crashed when.
//! - **Blobs**: `sync_blobs`, a queue of uploads (inserted by the import's unit, beside
//!   the scan's row) and deletions (by an erasure's unit), oldest first. An operation
//!   leaves the queue in a unit of its own once the server confirmed it.
//! - **Anchor**: the latest signed receipt of each server (by its key), verified before
//!   it is kept and checked again by `audit verify` offline. Whoever holds the data key
//!   can replace a stored receipt; only asking the server closes the chain's tail.
//!
//! Reads here run outside any unit (WAL readers); writes run in the session's
//! `system_unit` (no permission check, no event of its own) or, for the admin's
//! actions, its `run`.

use std::path::PathBuf;

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use clinic_vault_proto::ed25519_dalek::{SigningKey, VerifyingKey};
use clinic_vault_proto::{
    parse_public_key, public_key_hex, Action, ChainedEvent, EnrollAnswer, EnrollRequest,
    RequestToSign, SignedHead, SigningError,
};

use super::error::SyncError;

/// The label of the device key's derivation ([`Session::sync_begin_enroll`]).
const DEVICE_KEY_LABEL: &[u8] = b"clinic-vault sync device key v1\0";
use super::plan::{LocalAt, Queue};
use crate::audit::{self, NewEvent, NOBODY};
use crate::error::{Error, Result};
use crate::vault::session::op;
use crate::vault::Session;

/// This workstation's registration with its sync server, with the key that signs its
/// requests (never shown, never leaves the process).
pub struct Device {
    /// The device id every event carries and every request names.
    pub device_id: String,
    /// The vault's id (the chain's genesis).
    pub vault_id: String,
    /// The server's base URL (`https://…`, or `http://` to loopback only).
    pub server_url: String,
    /// A CA certificate file (PEM) to trust instead of the system's roots.
    pub ca_file: Option<PathBuf>,
    /// The name the server's admin gave this workstation's token.
    pub workstation: String,
    /// The server's key: its head receipts verify under it.
    pub server_key: VerifyingKey,
    /// When it was enrolled (µs since the epoch).
    pub enrolled_us: i64,
    signing_key: SigningKey,
}

impl std::fmt::Debug for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Device")
            .field("device_id", &self.device_id)
            .field("server_url", &self.server_url)
            .field("workstation", &self.workstation)
            .finish_non_exhaustive()
    }
}

impl Device {
    /// The signature header's value for `request`.
    pub fn sign(&self, request: &RequestToSign<'_>) -> std::result::Result<String, SigningError> {
        request.sign(&self.signing_key)
    }

    /// The device's public key, 64 lowercase hex digits.
    pub fn public_key_hex(&self) -> String {
        public_key_hex(&self.signing_key.verifying_key())
    }

    /// The server's key, 64 lowercase hex digits.
    pub fn server_key_hex(&self) -> String {
        public_key_hex(&self.server_key)
    }
}

/// A key pair made for an enrollment that has not reached the server yet.
pub struct PendingEnrollment {
    device_id: String,
    vault_id: String,
    signing_key: SigningKey,
}

impl std::fmt::Debug for PendingEnrollment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingEnrollment")
            .field("device_id", &self.device_id)
            .finish_non_exhaustive()
    }
}

impl PendingEnrollment {
    /// The `POST /v1/enroll` body for `token`.
    pub fn request(&self, token: &str) -> EnrollRequest {
        EnrollRequest {
            token: token.to_string(),
            vault_id: self.vault_id.clone(),
            device_id: self.device_id.clone(),
            public_key: public_key_hex(&self.signing_key.verifying_key()),
        }
    }

    /// The device id the request names.
    pub fn device_id(&self) -> &str {
        &self.device_id
    }

    /// Signs the enrollment request with the key it enrolls.
    pub fn sign(&self, request: &RequestToSign<'_>) -> std::result::Result<String, SigningError> {
        request.sign(&self.signing_key)
    }
}

/// The server's signed head this vault keeps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Anchor {
    /// The sequence number it acknowledged.
    pub seq: u64,
    /// The hash of that event (64 hex digits).
    pub hash: String,
    /// The server's time in the receipt.
    pub server_time_us: i64,
    /// The server's key (64 hex digits).
    pub server_key: String,
}

/// The last error a sync cycle ended with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LastError {
    /// A stable code (`unreachable`, `tls`, `device_revoked`, `server_behind`, …).
    pub code: String,
    /// A plain sentence for the person at the desk or the IT admin.
    pub message: String,
    /// When (µs since the epoch).
    pub at_us: i64,
}

/// What is waiting, and what the last cycles found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outbox {
    /// The local chain's head sequence number.
    pub head_seq: u64,
    /// Its hash.
    pub head_hash: String,
    /// The current server's receipt, if it acknowledged anything.
    pub anchor: Option<Anchor>,
    /// Blob operations waiting.
    pub blobs_waiting: u64,
    /// When a cycle last ended with everything on the server.
    pub last_success_us: Option<i64>,
    /// The last cycle's error, until a cycle succeeds.
    pub last_error: Option<LastError>,
}

impl Outbox {
    /// The planner's view of it.
    pub fn queue(&self) -> Queue {
        Queue {
            head_seq: self.head_seq,
            anchored_seq: self.anchor.as_ref().map_or(0, |a| a.seq),
            blobs_waiting: self.blobs_waiting,
        }
    }

    /// Events the current server has not acknowledged.
    pub fn events_waiting(&self) -> u64 {
        self.head_seq - self.queue().anchored_seq.min(self.head_seq)
    }
}

/// A queued blob operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BlobKind {
    /// Send the encrypted file.
    Upload,
    /// Release the server's copy.
    Delete,
}

impl BlobKind {
    fn as_str(self) -> &'static str {
        match self {
            BlobKind::Upload => "upload",
            BlobKind::Delete => "delete",
        }
    }
}

/// The oldest queued blob operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobOp {
    /// Its place in the queue.
    pub pk: i64,
    /// What to do.
    pub kind: BlobKind,
    /// The encrypted file's SHA-256 (its name in `scans/` and its address on the server).
    pub content_hash: String,
}

/// How a sync cycle ended, for the status row and the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CycleEnd {
    /// Everything queued is on the server.
    Synced,
    /// It failed; `halted` when it stopped until a person acts (a `sync.halt` event),
    /// else it retries (a `sync.error` event). Either is recorded once per new code.
    Failed {
        /// A stable code.
        code: String,
        /// A plain sentence.
        message: String,
        /// Stopped until a person acts.
        halted: bool,
    },
}

/// One server receipt `audit verify` checked against the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReceiptCheck {
    /// The server's key.
    pub server_key: String,
    /// The head it signed.
    pub seq: u64,
    /// Its hash.
    pub hash: String,
    /// The server's time in the receipt.
    pub server_time_us: i64,
}

/// Queues a blob operation inside the caller's unit.
pub(crate) fn queue_blob(
    tx: &Connection,
    kind: BlobKind,
    content_hash: &str,
    now_us: i64,
) -> Result<()> {
    tx.prepare_cached("INSERT INTO sync_blobs (op, content_hash, queued_us) VALUES (?1, ?2, ?3)")?
        .execute(params![kind.as_str(), content_hash, now_us])?;
    Ok(())
}

fn read_device(conn: &Connection, vault_id: &str, device_id: &str) -> Result<Option<Device>> {
    let row = conn
        .query_row(
            "SELECT server_url, ca_file, workstation, server_key, signing_key, enrolled_us
               FROM sync_device WHERE id = 1",
            [],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    zeroize::Zeroizing::new(r.get::<_, Vec<u8>>(4)?),
                    r.get::<_, i64>(5)?,
                ))
            },
        )
        .optional()?;
    let Some((server_url, ca_file, workstation, server_key, secret, enrolled_us)) = row else {
        return Ok(None);
    };
    let corrupt =
        |what: &str| Error::Corrupt(format!("the sync registration's {what} is malformed"));
    let server_key = parse_public_key(&server_key).map_err(|_| corrupt("server key"))?;
    let secret: zeroize::Zeroizing<[u8; 32]> = zeroize::Zeroizing::new(
        secret
            .as_slice()
            .try_into()
            .map_err(|_| corrupt("device key"))?,
    );
    let signing_key = SigningKey::from_bytes(&secret);
    Ok(Some(Device {
        device_id: device_id.to_string(),
        vault_id: vault_id.to_string(),
        server_url,
        ca_file: ca_file.map(PathBuf::from),
        workstation,
        server_key,
        enrolled_us,
        signing_key,
    }))
}

fn read_anchor(conn: &Connection, server_key: &str) -> Result<Option<Anchor>> {
    let row = conn
        .prepare_cached("SELECT seq, hash, receipt FROM sync_receipts WHERE server_key = ?1")?
        .query_row([server_key], |r| {
            Ok((
                r.get::<_, i64>(0)? as u64,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })
        .optional()?;
    Ok(row.map(|(seq, hash, receipt)| Anchor {
        seq,
        hash,
        server_time_us: serde_json::from_str::<SignedHead>(&receipt)
            .map_or(0, |h| h.receipt.server_time_us),
        server_key: server_key.to_string(),
    }))
}

/// Checks every stored receipt against the chain (after `audit::verify` passed): each
/// must verify under its server's key, name this vault and device, and name an event
/// the chain holds with that hash.
pub(crate) fn check_receipts(
    conn: &Connection,
    vault_id: &str,
    device_id: &str,
) -> Result<Vec<ReceiptCheck>> {
    let mut stmt =
        conn.prepare("SELECT server_key, seq, hash, receipt FROM sync_receipts ORDER BY seq")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, i64>(1)? as u64,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (server_key, seq, hash, receipt) = row?;
        let bad = |why: &str| {
            Error::Corrupt(format!(
                "the server's receipt for event {seq} does not hold: {why}"
            ))
        };
        let head: SignedHead =
            serde_json::from_str(&receipt).map_err(|_| bad("it is not a receipt"))?;
        let key = parse_public_key(&server_key).map_err(|_| bad("its server key is malformed"))?;
        head.verify(&key)
            .map_err(|_| bad("its signature does not verify"))?;
        if head.receipt.seq != seq || head.receipt.hash != hash {
            return Err(bad("it is not the head stored beside it"));
        }
        if head.receipt.vault_id != vault_id || head.receipt.device_id != device_id {
            return Err(bad("it names another vault or device"));
        }
        match audit::hash_at(conn, vault_id, seq)? {
            Some(local) if local == hash => {}
            Some(_) => {
                return Err(Error::Corrupt(format!(
                    "audit chain broken at event {seq}: it differs from the head the server acknowledged (the chain was rewritten)"
                )))
            }
            None => {
                return Err(Error::Corrupt(format!(
                    "audit chain broken at event {seq}: the server acknowledged it and it is gone (events were deleted)"
                )))
            }
        }
        out.push(ReceiptCheck {
            server_key,
            seq,
            hash,
            server_time_us: head.receipt.server_time_us,
        });
    }
    Ok(out)
}

/// Forgets the last error (a new registration starts clean).
fn clear_error(tx: &Connection) -> Result<()> {
    tx.execute(
        "UPDATE sync_status SET last_error_code = NULL, last_error_message = NULL,
             last_error_us = NULL, audited_error = NULL WHERE id = 1",
        [],
    )?;
    Ok(())
}

/// The current server's anchor (for `audit head`).
pub(crate) fn current_anchor(conn: &Connection) -> Result<Option<Anchor>> {
    let key: Option<String> = conn
        .query_row("SELECT server_key FROM sync_device WHERE id = 1", [], |r| {
            r.get(0)
        })
        .optional()?;
    match key {
        Some(key) => read_anchor(conn, &key),
        None => Ok(None),
    }
}

impl Session {
    /// The workstation's registration, if it is enrolled. Not audited: it holds no
    /// patient data, and the worker reads it every cycle.
    pub fn sync_device(&self) -> Result<Option<Device>> {
        let (vault_id, device_id) = self.chain_ids();
        read_device(self.connection(), vault_id, device_id)
    }

    /// What is waiting and how the last cycles ended. Not audited.
    pub fn sync_outbox(&self) -> Result<Outbox> {
        let conn = self.connection();
        let (vault_id, _) = self.chain_ids();
        let (head_seq, head_hash) = audit::head(conn, vault_id)?;
        let anchor = current_anchor(conn)?;
        let blobs_waiting: i64 =
            conn.query_row("SELECT count(*) FROM sync_blobs", [], |r| r.get(0))?;
        let (last_success_us, code, message, at_us) = conn.query_row(
            "SELECT last_success_us, last_error_code, last_error_message, last_error_us
               FROM sync_status WHERE id = 1",
            [],
            |r| {
                Ok((
                    r.get::<_, Option<i64>>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, Option<i64>>(3)?,
                ))
            },
        )?;
        let last_error = match (code, message, at_us) {
            (Some(code), Some(message), Some(at_us)) => Some(LastError {
                code,
                message,
                at_us,
            }),
            _ => None,
        };
        Ok(Outbox {
            head_seq,
            head_hash,
            anchor,
            blobs_waiting: blobs_waiting as u64,
            last_success_us,
            last_error,
        })
    }

    /// The events `from_seq..=to_seq`, as sent.
    pub fn sync_events(&self, from_seq: u64, to_seq: u64) -> Result<Vec<ChainedEvent>> {
        audit::chained_range(self.connection(), from_seq, to_seq)
    }

    /// How the local chain compares with a head the server holds.
    pub fn sync_local_at(&self, seq: u64, hash: &str) -> Result<LocalAt> {
        let (vault_id, _) = self.chain_ids();
        Ok(match audit::hash_at(self.connection(), vault_id, seq)? {
            None => LocalAt::Missing,
            Some(local) if local == hash => LocalAt::Same,
            Some(_) => LocalAt::Differs,
        })
    }

    /// The oldest queued blob operation.
    pub fn sync_next_blob(&self) -> Result<Option<BlobOp>> {
        Ok(self.sync_next_blobs(1)?.pop())
    }

    /// The first `limit` blob operations waiting, in the order they were queued.
    pub fn sync_next_blobs(&self, limit: usize) -> Result<Vec<BlobOp>> {
        let mut statement = self
            .connection()
            .prepare_cached("SELECT pk, op, content_hash FROM sync_blobs ORDER BY pk LIMIT ?1")?;
        let rows = statement.query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        let mut ops = Vec::new();
        for row in rows {
            let (pk, op, content_hash) = row?;
            ops.push(BlobOp {
                pk,
                kind: if op == "delete" {
                    BlobKind::Delete
                } else {
                    BlobKind::Upload
                },
                content_hash,
            });
        }
        Ok(ops)
    }

    /// The encrypted file of a queued upload (as stored: the server never sees more).
    pub fn sync_blob_file(&self, content_hash: &str) -> PathBuf {
        self.paths().scans().join(content_hash)
    }

    /// The blob operation `pk` was confirmed by the server: it leaves the queue.
    pub fn sync_blob_done(&mut self, pk: i64) -> Result<()> {
        self.system_unit(|unit| {
            unit.tx
                .prepare_cached("DELETE FROM sync_blobs WHERE pk = ?1")?
                .execute([pk])?;
            Ok(())
        })
    }

    /// Verifies a head receipt from `device`'s server and keeps it as the anchor when
    /// it is the highest so far. `bad_receipt` when it does not verify or is not ours,
    /// `chain_diverged` when the local chain does not hold that head.
    pub fn sync_store_receipt(&mut self, device: &Device, head: &SignedHead) -> Result<Anchor> {
        let receipt = &head.receipt;
        head.verify(&device.server_key)
            .map_err(|_| SyncError::BadReceipt("its signature does not verify"))?;
        if receipt.device_id != device.device_id || receipt.vault_id != device.vault_id {
            return Err(SyncError::BadReceipt("it names another device or vault").into());
        }
        if self.sync_local_at(receipt.seq, &receipt.hash)? != LocalAt::Same {
            return Err(SyncError::Diverged { seq: receipt.seq }.into());
        }
        let server_key = device.server_key_hex();
        let text = serde_json::to_string(head)
            .map_err(|_| Error::Internal("a receipt could not be encoded".into()))?;
        let anchor = Anchor {
            seq: receipt.seq,
            hash: receipt.hash.clone(),
            server_time_us: receipt.server_time_us,
            server_key: server_key.clone(),
        };
        self.system_unit(|unit| {
            unit.tx
                .prepare_cached(
                    "INSERT INTO sync_receipts (server_key, seq, hash, receipt, stored_us)
                     VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (server_key) DO UPDATE SET
                         seq = excluded.seq, hash = excluded.hash,
                         receipt = excluded.receipt, stored_us = excluded.stored_us
                     WHERE excluded.seq >= sync_receipts.seq",
                )?
                .execute(params![
                    server_key,
                    receipt.seq as i64,
                    receipt.hash,
                    text,
                    unit.now_us
                ])?;
            Ok(())
        })?;
        Ok(anchor)
    }

    /// Records how a cycle ended. A failure whose code differs from the last one
    /// recorded is also an audit event (`sync.halt` or `sync.error`, actor `-`), so a
    /// failure that repeats every minute is in the trail once.
    pub fn sync_record(&mut self, end: &CycleEnd) -> Result<()> {
        let (_, device_id) = self.chain_ids();
        let device_id = device_id.to_string();
        self.system_unit(|unit| {
            match end {
                CycleEnd::Synced => {
                    unit.tx.execute(
                        "UPDATE sync_status SET last_success_us = ?1, last_error_code = NULL,
                             last_error_message = NULL, last_error_us = NULL, audited_error = NULL
                          WHERE id = 1",
                        [unit.now_us],
                    )?;
                }
                CycleEnd::Failed {
                    code,
                    message,
                    halted,
                } => {
                    let audited: Option<String> = unit.tx.query_row(
                        "SELECT audited_error FROM sync_status WHERE id = 1",
                        [],
                        |r| r.get(0),
                    )?;
                    unit.tx.execute(
                        "UPDATE sync_status SET last_error_code = ?1, last_error_message = ?2,
                             last_error_us = ?3, audited_error = ?1 WHERE id = 1",
                        params![code, message, unit.now_us],
                    )?;
                    if audited.as_deref() != Some(code.as_str()) {
                        let action = if *halted {
                            Action::SyncHalt
                        } else {
                            Action::SyncError
                        };
                        let event = NewEvent::new(NOBODY, NOBODY, action)
                            .resource(device_id.clone())
                            .outcome(clinic_vault_proto::Outcome::Failure)
                            .detail(serde_json::json!({ "error": code }));
                        unit.record(event);
                    }
                }
            }
            Ok(())
        })
    }

    /// The first half of an enrollment (admins only; a denial is audited): the key pair
    /// for the request. Nothing is stored until [`Session::sync_finish_enroll`].
    ///
    /// The key is derived from the data key, the vault id and the device id
    /// (HMAC-SHA256, its own label), not drawn at random: an enrollment whose answer
    /// was lost (the network dropped it, the app locked or crashed before the answer
    /// was stored) is asked again with the same key, and the server, which already
    /// holds this device under that key, answers it again instead of refusing the
    /// device as taken. Only the data key's holder can derive it; after a data key
    /// rotation a re-enrollment brings a new key, which a server that knows the device
    /// refuses (`device_exists`).
    pub fn sync_begin_enroll(&mut self) -> Result<PendingEnrollment> {
        use hmac::{Hmac, Mac};
        let (vault_id, device_id) = self.chain_ids();
        let (vault_id, device_id) = (vault_id.to_string(), device_id.to_string());
        // The permission check (and a denial's event); a success records nothing yet.
        self.run(op(Action::DeviceEnroll, Some(&device_id)), |_| Ok(()))?;
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(self.p.dek.expose_bytes())
            .expect("HMAC takes any key length");
        mac.update(DEVICE_KEY_LABEL);
        for part in [&vault_id, &device_id] {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part.as_bytes());
        }
        let secret: zeroize::Zeroizing<[u8; 32]> =
            zeroize::Zeroizing::new(mac.finalize().into_bytes().into());
        Ok(PendingEnrollment {
            device_id,
            vault_id,
            signing_key: SigningKey::from_bytes(&secret),
        })
    }

    /// The server accepted the enrollment: keep the registration (replacing an earlier
    /// one) and record `device.enroll`. With a server this vault holds no receipt of,
    /// every live scan is queued for upload again.
    pub fn sync_finish_enroll(
        &mut self,
        pending: PendingEnrollment,
        server_url: &str,
        ca_file: Option<&std::path::Path>,
        answer: &EnrollAnswer,
    ) -> Result<Device> {
        if answer.device_id != pending.device_id {
            return Err(SyncError::BadReceipt("the enrollment names another device").into());
        }
        let server_key = parse_public_key(&answer.server_public_key)
            .map_err(|_| SyncError::BadReceipt("the server's key is malformed"))?;
        let ca_text = ca_file.map(|p| p.to_string_lossy().into_owned());
        let secret = zeroize::Zeroizing::new(pending.signing_key.to_bytes());
        let device_id = pending.device_id.clone();
        self.run(op(Action::DeviceEnroll, Some(&device_id)), |ctx| {
            ctx.tx.execute(
                "INSERT INTO sync_device (id, server_url, ca_file, workstation, server_key,
                     signing_key, enrolled_us)
                 VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (id) DO UPDATE SET server_url = excluded.server_url,
                     ca_file = excluded.ca_file, workstation = excluded.workstation,
                     server_key = excluded.server_key, signing_key = excluded.signing_key,
                     enrolled_us = excluded.enrolled_us",
                params![
                    server_url,
                    ca_text,
                    answer.workstation,
                    answer.server_public_key,
                    secret.as_slice(),
                    ctx.now_us
                ],
            )?;
            // A server this vault never synced with holds none of its scans: every
            // live scan waits for its upload again (uploads are idempotent, and a
            // server that does hold one answers that it did).
            let known: i64 = ctx.tx.query_row(
                "SELECT count(*) FROM sync_receipts WHERE server_key = ?1",
                [&answer.server_public_key],
                |r| r.get(0),
            )?;
            if known == 0 {
                ctx.tx
                    .execute("DELETE FROM sync_blobs WHERE op = 'upload'", [])?;
                ctx.tx.execute(
                    "INSERT INTO sync_blobs (op, content_hash, queued_us)
                     SELECT 'upload', content_hash, ?1 FROM scans WHERE tombstone = 0 ORDER BY pk",
                    [ctx.now_us],
                )?;
            }
            clear_error(ctx.tx)?;
            let event = ctx.event(Action::DeviceEnroll);
            event.resource_id = Some(device_id.clone());
            event.detail = Some(serde_json::json!({
                "server": server_url,
                "workstation": answer.workstation,
            }));
            Ok(())
        })?;
        Ok(Device {
            device_id: pending.device_id,
            vault_id: pending.vault_id,
            server_url: server_url.to_string(),
            ca_file: ca_file.map(PathBuf::from),
            workstation: answer.workstation.clone(),
            server_key,
            enrolled_us: self.now_us(),
            signing_key: pending.signing_key,
        })
    }

    /// Forget the sync server (admins only, `device.forget`): the workstation stops
    /// syncing; the queue and the receipts stay in the vault.
    pub fn sync_forget(&mut self) -> Result<()> {
        let (_, device_id) = self.chain_ids();
        let device_id = device_id.to_string();
        self.run(op(Action::DeviceForget, Some(&device_id)), |ctx| {
            let server: Option<String> = ctx
                .tx
                .query_row("SELECT server_url FROM sync_device WHERE id = 1", [], |r| {
                    r.get(0)
                })
                .optional()?;
            let Some(server) = server else {
                return Err(SyncError::NotEnrolled.into());
            };
            ctx.tx.execute("DELETE FROM sync_device WHERE id = 1", [])?;
            clear_error(ctx.tx)?;
            let event = ctx.event(Action::DeviceForget);
            event.resource_id = Some(device_id.clone());
            event.detail = Some(serde_json::json!({ "server": server }));
            Ok(())
        })
    }
}
