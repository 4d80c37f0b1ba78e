//! The vault as someone who holds its data key sees it (feature `test-hooks`, never in
//! a release build): process-level tamper tests use [`KeyHolder`] to edit `vault.db`
//! past every rule core keeps, as a person who knows one password could, and then check
//! that `verify` finds what they did. It reads no environment and writes no event.

use std::path::Path;

use rusqlite::Connection;

use crate::db;
use crate::error::{Error, Result};
use crate::keyslots;
use crate::secrets::Password;

/// An open `vault.db`, keyed with the data key, unmigrated and unaudited.
#[derive(Debug)]
pub struct KeyHolder {
    conn: Connection,
}

impl KeyHolder {
    /// Opens the vault in `dir` with the data key that `user`'s key slot yields for
    /// `password`. Nothing is migrated, checked or recorded.
    pub fn open(dir: &Path, user: &str, password: &str) -> Result<KeyHolder> {
        let file = keyslots::read(&dir.join("keyslots"))?;
        let slot = file
            .user_slot(user)
            .ok_or_else(|| Error::Internal(format!("no key slot for {user}")))?;
        let password = Password::from_str_copy(password);
        let key = slot
            .open_private_key(&file.vault_id, password.expose_bytes())?
            .ok_or_else(|| Error::Internal("the password does not open the slot".into()))?;
        let dek = slot
            .open_dek(&file.vault_id, &key)
            .ok_or_else(|| Error::Internal("the slot's data key does not open".into()))?;
        Ok(KeyHolder {
            conn: db::open_keyed(&dir.join("vault.db"), &dek)?,
        })
    }

    /// Runs `sql` (one or more statements) as is.
    pub fn execute(&self, sql: &str) -> Result<()> {
        Ok(self.conn.execute_batch(sql)?)
    }

    /// The first column of the first row of `sql`, as an integer.
    pub fn query_i64(&self, sql: &str) -> Result<i64> {
        Ok(self.conn.query_row(sql, [], |r| r.get(0))?)
    }
}
