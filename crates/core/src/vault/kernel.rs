//! The one audited unit of work. [`Writer::unit`] is the only code in core that opens
//! a write transaction on `vault.db` (a test reads every other source file to hold
//! that): with the writer lock held it opens `BEGIN IMMEDIATE`, runs the body, appends
//! the body's events to the chain (whose head it reads inside the transaction), moves
//! the latest time seen forward, stages a key-slot change, commits, and only then runs
//! the typed post-commit [`Effect`]s, still under the writer lock. A body that fails
//! leaves nothing behind: the transaction rolls back and no effect runs.
//!
//! Every audited path sits on it: an operation on a [`super::Session`], the end of
//! every entry path (unlock, first login, recovery), `init` and lock. A new domain adds
//! what must follow a commit as a new [`Effect`] variant, never a new transaction.

use rusqlite::{Connection, TransactionBehavior};

use super::keystate::{self, KeyState};
use super::VaultPaths;
use crate::audit::{self, ChainContext, NewEvent};
use crate::db;
use crate::error::{Error, Result};
use crate::journal;
use crate::keyslots::{self, KeyslotFile};
use crate::lockfile::{SessionLock, WriterLock};

/// Whose chain a unit writes: the vault and this device.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ChainIds<'a> {
    pub vault_id: &'a str,
    pub device_id: &'a str,
}

/// What runs after a unit commits, in order, while the writer lock is still held. A
/// crash between the commit and an effect is safe by construction: each effect either
/// is repeated by the next unlock (key slots roll forward from the recorded state) or
/// loses nothing that was acknowledged (the journal's counters only grow back).
#[derive(Debug)]
pub(crate) enum Effect {
    /// Write the first `keyslots` file of a vault being created. Until it exists the
    /// directory is a half-created vault that the next `init` cleans up.
    CreateKeySlotsFile(Vec<u8>),
    /// The `keyslots` file read at the start of an entry: if nothing was published, and
    /// it lags the state the database records (a crash between the steps of an earlier
    /// change), rewrite it from that state.
    RollForwardKeySlots(KeyslotFile),
    /// Rewrite the pre-unlock journal with these lines (after an entry folded it).
    RewriteJournal(Vec<journal::Line>),
    /// Move a scan file staged by this unit into `scans/` (its row committed). A crash
    /// before it is settled by the next unit (`scans::files::settle`).
    PlaceScan {
        /// The scan's id: the staged file's name.
        scan_id: String,
        /// Its content hash: the stored file's name.
        content_hash: String,
    },
    /// Give a decrypted export its name (its audit event committed); refused if the
    /// name was taken meanwhile.
    PublishExport(crate::scans::export::StagedExport),
}

/// The writer lock on `vault.lock`, held for the life of a unit and its effects.
#[derive(Debug)]
pub(crate) struct Writer<'p> {
    paths: &'p VaultPaths,
    _lock: WriterLock,
}

impl<'p> Writer<'p> {
    /// Blocks until the writer lock is ours.
    pub(crate) fn acquire(paths: &'p VaultPaths) -> Result<Self> {
        Ok(Writer {
            _lock: WriterLock::acquire(&paths.lock())?,
            paths,
        })
    }

    /// Runs `body` as one audited unit of work on `conn` (see the module docs). After
    /// the commit, `committed` names the crash point the crash tests reach there.
    pub(crate) fn unit<T>(
        &self,
        conn: &mut Connection,
        ids: ChainIds<'_>,
        now_us: i64,
        committed: Option<&'static str>,
        body: impl FnOnce(&mut Unit<'_>) -> Result<T>,
    ) -> Result<T> {
        self.unit_tracked(conn, ids, now_us, committed, &mut false, body)
    }

    /// [`Writer::unit`], also telling through `did_commit` whether the transaction
    /// committed: an error with `did_commit` set came from a post-commit effect, so the
    /// change and its events are in the vault and must not be recorded as a failure.
    pub(crate) fn unit_tracked<T>(
        &self,
        conn: &mut Connection,
        ids: ChainIds<'_>,
        now_us: i64,
        committed: Option<&'static str>,
        did_commit: &mut bool,
        body: impl FnOnce(&mut Unit<'_>) -> Result<T>,
    ) -> Result<T> {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // What a crashed import left in staging, settled under the writer lock before
        // anything reads the scans.
        crate::scans::files::settle(&tx, self.paths);
        let recorded = keystate::load_if_present(&tx)?;
        let mut unit = Unit {
            tx: &tx,
            now_us,
            vault_id: ids.vault_id,
            device_id: ids.device_id,
            events: Vec::new(),
            recorded,
            edited_slots: None,
            effects: Vec::new(),
            seen_cap_us: None,
            clock_accepted: false,
        };
        let out = body(&mut unit)?;
        let Unit {
            events,
            recorded,
            edited_slots,
            effects,
            seen_cap_us,
            clock_accepted,
            ..
        } = unit;
        let chain = ChainContext {
            vault_id: ids.vault_id,
            device_id: ids.device_id,
            now_us,
        };
        audit::append_all(&tx, &chain, events)?;
        let latest: i64 = db::meta(&tx, "latest_seen_us")?.parse().unwrap_or(0);
        let seen = seen_cap_us.map_or(now_us, |cap| now_us.min(cap));
        if seen > latest || clock_accepted {
            db::set_meta(&tx, "latest_seen_us", &seen.to_string())?;
        }
        let mut publish = recorded.as_ref().is_some_and(|k| k.pending.is_some());
        if let (Some(recorded), Some(mut next)) = (&recorded, edited_slots) {
            if !next.same_content(recorded.effective()) {
                next.generation = recorded.effective().generation + 1;
                keystate::stage(&tx, &next)?;
                publish = true;
            }
        }
        tx.commit()?;
        *did_commit = true;
        if let Some(point) = committed {
            crate::crashpoint::hit(point);
        }
        if publish {
            keystate::publish(self.paths, conn)?;
        }
        for effect in effects {
            self.apply(effect, publish, recorded.as_ref())?;
        }
        Ok(out)
    }

    fn apply(&self, effect: Effect, published: bool, recorded: Option<&KeyState>) -> Result<()> {
        match effect {
            Effect::CreateKeySlotsFile(bytes) => {
                keyslots::write_atomic(&self.paths.keyslots(), &bytes)?;
                crate::crashpoint::hit("init.keyslots_written");
                // The vault is complete: from now on a database without keyslots here
                // is a lost file, never a half-created vault.
                match std::fs::remove_file(self.paths.init_marker()) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(Error::io("removing the init marker", e)),
                }
                std::fs::File::open(self.paths.root())
                    .and_then(|d| d.sync_all())
                    .map_err(|e| Error::io("syncing the vault directory", e))
            }
            Effect::RollForwardKeySlots(file) => match recorded {
                Some(state) if !published && !file.same_content(state.effective()) => {
                    keyslots::write_atomic(&self.paths.keyslots(), &state.effective().to_bytes())
                }
                _ => Ok(()),
            },
            Effect::RewriteJournal(lines) => journal::rewrite(&self.paths.journal(), &lines),
            Effect::PlaceScan {
                scan_id,
                content_hash,
            } => crate::scans::files::place(self.paths, &scan_id, &content_hash),
            Effect::PublishExport(staged) => staged.publish(),
        }
    }

    /// Runs `f` on `conn` outside any unit, under the writer lock, for the one change
    /// that cannot be a transaction: `PRAGMA rekey`. The caller holds the session lock
    /// exclusively (see [`exclusively`]).
    pub(crate) fn raw<T>(
        &self,
        conn: &Connection,
        f: impl FnOnce(&Connection) -> Result<T>,
    ) -> Result<T> {
        f(conn)
    }
}

/// Runs `f` on `owner` while no other session has the vault open: the session lock
/// (found in `owner` by `lock`) is upgraded to exclusive, refused with `conflict` while
/// another session holds it, and downgraded afterwards whatever `f` returned.
/// Data-key rotation needs it; backups will.
pub(crate) fn exclusively<S, T>(
    owner: &mut S,
    lock: impl Fn(&S) -> &SessionLock,
    f: impl FnOnce(&mut S) -> Result<T>,
) -> Result<T> {
    lock(owner).upgrade_exclusive()?;
    let result = f(owner);
    let relock = lock(owner).downgrade_shared();
    match (result, relock) {
        (Ok(out), Ok(())) => Ok(out),
        (Err(e), _) | (Ok(_), Err(e)) => Err(e),
    }
}

/// One unit of work in progress: the open transaction and what will be appended.
pub(crate) struct Unit<'t> {
    /// The open `BEGIN IMMEDIATE` transaction.
    pub tx: &'t Connection,
    /// The unit's time (µs since the epoch): every event defaults to it.
    pub now_us: i64,
    /// The vault's id.
    pub vault_id: &'t str,
    /// This device's id.
    pub device_id: &'t str,
    events: Vec<NewEvent>,
    recorded: Option<KeyState>,
    edited_slots: Option<KeyslotFile>,
    effects: Vec<Effect>,
    seen_cap_us: Option<i64>,
    clock_accepted: bool,
}

impl Unit<'_> {
    /// The latest time seen moves at most to `cap_us` in this unit (a session's unlock
    /// time plus its longest life), so one operation at a clock that jumped ahead
    /// cannot lock every user out for the length of the jump.
    pub(crate) fn cap_latest_seen(&mut self, cap_us: i64) {
        self.seen_cap_us = Some(cap_us);
    }

    /// The latest time seen becomes this unit's time, even if that is earlier (the
    /// recovery key accepted the PC's clock as correct).
    pub(crate) fn accept_clock(&mut self) {
        self.clock_accepted = true;
    }

    /// Records an event; it is appended to the chain when the body succeeds.
    pub(crate) fn record(&mut self, event: NewEvent) -> &mut NewEvent {
        self.events.push(event);
        self.events.last_mut().expect("just pushed")
    }

    /// The key slots to edit. A change is staged in this unit's transaction and
    /// published (file written, then promoted) after it commits.
    pub(crate) fn slots_mut(&mut self) -> Result<&mut KeyslotFile> {
        if self.edited_slots.is_none() {
            let recorded = self.recorded.as_ref().ok_or_else(no_slot_record)?;
            self.edited_slots = Some(recorded.effective().clone());
        }
        Ok(self.edited_slots.as_mut().expect("just set"))
    }

    /// Runs `effect` after the commit.
    pub(crate) fn after_commit(&mut self, effect: Effect) {
        self.effects.push(effect);
    }
}

fn no_slot_record() -> Error {
    Error::Corrupt("the vault database holds no key-slot record".into())
}
