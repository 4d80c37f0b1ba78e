//! Checking a whole vault on a session: every page authenticates, the WAL is sound, the
//! key-slot file matches the record, the audit chain recomputes.

use serde::Serialize;

use super::session::op;
use super::{keystate, Session};
use crate::audit::{self, ChainReport};
use crate::db;
use crate::error::{Error, Result};
use crate::keyslots;
use clinic_vault_proto::Action;

/// The result of `verify`.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    /// Pages that authenticated (the whole file).
    pub pages: u64,
    /// The audit chain's check.
    pub audit: ChainReport,
}

impl Session {
    /// Authenticates every page of the vault (SQLCipher HMACs), checks the structure,
    /// the key slots and the audit chain. `corrupt` names what failed.
    pub fn verify(&mut self) -> Result<VerifyReport> {
        let vault_id = self.p.vault_id.clone();
        let paths = self.p.paths.clone();
        self.run(op(Action::VaultVerify, None), |ctx| {
            let problems = db::integrity_problems(ctx.tx)?;
            if !problems.is_empty() {
                return Err(Error::Corrupt(format!(
                    "vault.db failed its page check: {}",
                    problems.join("; ")
                )));
            }
            crate::wal::check(&paths.db().with_extension("db-wal"))?;
            let file = keyslots::read(&paths.keyslots())?;
            keystate::load(ctx.tx)?.check_file(&file)?;
            let pages: i64 = ctx.tx.query_row("PRAGMA page_count", [], |r| r.get(0))?;
            let audit = audit::verify(ctx.tx, &vault_id, None)?;
            Ok(VerifyReport {
                pages: pages as u64,
                audit,
            })
        })
    }
}
