//! The audit review operations on a session: list, head, verify the chain.

use super::{self as audit, AuditFilter, ChainReport, ListedEvent};
use crate::error::Result;
use crate::vault::session::op;
use crate::vault::Session;
use clinic_vault_proto::Action;

impl Session {
    /// Audit events in chain order, with their hashes and local detail.
    pub fn audit_list(&mut self, filter: &AuditFilter) -> Result<Vec<ListedEvent>> {
        self.run(op(Action::AuditList, None), |ctx| {
            audit::list(ctx.tx, filter)
        })
    }

    /// The current sync server's signed receipt kept in the vault, if any (shown beside
    /// the head; `audit verify` checks it).
    pub fn audit_anchor(&mut self) -> Result<Option<crate::sync::Anchor>> {
        self.run(op(Action::AuditHead, None), |ctx| {
            crate::sync::vault::current_anchor(ctx.tx)
        })
    }

    /// The chain head as `(seq, hex hash)`.
    pub fn audit_head(&mut self) -> Result<(u64, String)> {
        let vault_id = self.p.vault_id.clone();
        self.run(op(Action::AuditHead, None), |ctx| {
            audit::head(ctx.tx, &vault_id)
        })
    }

    /// Recomputes the chain; `corrupt` names the first bad event.
    pub fn audit_verify(&mut self, expect_head: Option<&str>) -> Result<ChainReport> {
        let vault_id = self.p.vault_id.clone();
        let device_id = self.p.device_id.clone();
        self.run(op(Action::AuditVerify, None), |ctx| {
            let expect = expect_head.map(audit::parse_head).transpose()?;
            let mut report = audit::verify(ctx.tx, &vault_id, expect)?;
            report.server_receipts =
                crate::sync::vault::check_receipts(ctx.tx, &vault_id, &device_id)?;
            Ok(report)
        })
    }
}
