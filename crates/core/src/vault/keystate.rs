//! The authoritative key-slot state inside `vault.db` and the three-step protocol that
//! keeps the `keyslots` file in step with it: stage the new content as pending in the
//! same transaction as the change, write the file atomically, promote. A crash between
//! steps is rolled forward by the next unlock, which accepts a slot recorded either as
//! current or as pending, and nothing else.

use rusqlite::{params, Connection, OptionalExtension};

use crate::error::{Error, Result};
use crate::keyslots::{self, KeyslotFile, Slot};

use super::VaultPaths;

/// What `vault.db` says the key slots are.
#[derive(Debug, Clone)]
pub(crate) struct KeyState {
    pub current: KeyslotFile,
    pub pending: Option<KeyslotFile>,
}

impl KeyState {
    /// The content the file should have once every recorded change is published.
    pub(crate) fn effective(&self) -> &KeyslotFile {
        self.pending.as_ref().unwrap_or(&self.current)
    }

    /// Whether `slot` is exactly as recorded (current or pending).
    pub(crate) fn records(&self, slot: &Slot) -> bool {
        let hash = slot.identity_hash();
        std::iter::once(&self.current)
            .chain(self.pending.as_ref())
            .flat_map(|f| f.slots.iter())
            .any(|s| s.slot_id == slot.slot_id && s.identity_hash() == hash)
    }

    /// Checks the file read from disk against the recorded state; a file that is
    /// merely behind (a crash before publishing) is fine, anything else is `corrupt`.
    pub(crate) fn check_file(&self, file: &KeyslotFile) -> Result<()> {
        if file.vault_id != self.current.vault_id {
            return Err(Error::Corrupt(
                "the keyslots file belongs to another vault".into(),
            ));
        }
        let newest = self.effective().generation;
        if file.generation > newest {
            return Err(Error::Corrupt(
                "the keyslots file is newer than the vault database records (swapped files?)"
                    .into(),
            ));
        }
        for recorded in std::iter::once(&self.current).chain(self.pending.as_ref()) {
            if file.generation == recorded.generation && !file.same_content(recorded) {
                return Err(Error::Corrupt(
                    "the keyslots file differs from what the vault database records".into(),
                ));
            }
        }
        Ok(())
    }
}

fn parse(bytes: Vec<u8>) -> Result<KeyslotFile> {
    KeyslotFile::from_bytes(&bytes).map_err(|_| {
        Error::Corrupt("the key-slot record inside the vault database is damaged".into())
    })
}

/// Reads the recorded state.
pub(crate) fn load(conn: &Connection) -> Result<KeyState> {
    load_if_present(conn)?
        .ok_or_else(|| Error::Corrupt("the vault database holds no key-slot record".into()))
}

/// Reads the recorded state, or `None` while a vault is being created (before `init`
/// records its first key slots).
pub(crate) fn load_if_present(conn: &Connection) -> Result<Option<KeyState>> {
    let row: Option<(Vec<u8>, Option<Vec<u8>>)> = conn
        .prepare_cached("SELECT content, pending_content FROM keyslots_state WHERE id = 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    row.map(|(content, pending)| {
        Ok(KeyState {
            current: parse(content)?,
            pending: pending.map(parse).transpose()?,
        })
    })
    .transpose()
}

/// Records `next` as pending inside the caller's transaction. Its generation must be
/// one more than the newest recorded.
pub(crate) fn stage(conn: &Connection, next: &KeyslotFile) -> Result<()> {
    conn.execute(
        "UPDATE keyslots_state SET pending_generation = ?1, pending_content = ?2 WHERE id = 1",
        params![next.generation as i64, next.to_bytes()],
    )?;
    Ok(())
}

/// Writes the pending content to the file and promotes it. The caller holds the
/// writer lock and has committed the transaction that staged it.
pub(crate) fn publish(paths: &VaultPaths, conn: &Connection) -> Result<()> {
    let state = load(conn)?;
    let Some(pending) = state.pending else {
        return Ok(());
    };
    crate::crashpoint::hit("keystate.before_file");
    keyslots::write_atomic(&paths.keyslots(), &pending.to_bytes())?;
    crate::crashpoint::hit("keystate.before_promote");
    conn.execute(
        "UPDATE keyslots_state SET generation = pending_generation, content = pending_content,
             pending_generation = NULL, pending_content = NULL WHERE id = 1",
        [],
    )?;
    Ok(())
}
