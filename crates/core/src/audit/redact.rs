//! The redaction rule: the only legitimate way local audit detail leaves the vault.
//! GDPR erasure and retention will remove the local detail of old events; they do it
//! here, inside their own unit of work, and the unit records one `audit.redact` event
//! whose `resource_id` (covered by the chain hash and seen by the server) names every
//! event it stripped (`SeqList`'s written form, e.g. `3,7-9`). `verify` then accepts
//! exactly those events without their local rows.
//!
//! The salt goes with the detail: once the detail is gone, nobody, not even whoever
//! holds the vault, can test a guess of what it said against the digest that stays in
//! the chain. A redaction removes everything local of an event (detail, search hits,
//! salt) or nothing; a changed detail is never accepted.

use rusqlite::params;
use serde::Serialize;

use clinic_vault_proto::{Action, SeqList};

use crate::error::Result;
use crate::invalid::{Invalid, Rule};
use crate::vault::session::{op, OpCtx};
use crate::vault::Session;

/// Why local audit detail is removed; kept in the redaction's own local detail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedactionReason {
    /// A patient's GDPR erasure.
    Erasure,
    /// The retention period of the audit detail ran out.
    Retention,
}

impl RedactionReason {
    /// `erasure` or `retention`.
    pub fn wire_name(self) -> &'static str {
        match self {
            RedactionReason::Erasure => "erasure",
            RedactionReason::Retention => "retention",
        }
    }
}

/// What a redaction removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Redacted {
    /// The events named, in the written form of the redaction's `resource_id`.
    pub events: String,
    /// Detail rows removed.
    pub n_details: u64,
    /// Search-hit rows removed.
    pub n_search_hits: u64,
    /// Salts removed (v1 events have none).
    pub n_salts: u64,
}

/// Removes the local detail, search hits and salts of the events in `named` inside the
/// caller's unit, and records the `audit.redact` event that names them. Every named
/// event must already be in the chain.
pub(crate) fn redact_in(
    ctx: &mut OpCtx<'_, '_>,
    named: &SeqList,
    reason: RedactionReason,
) -> Result<Redacted> {
    let n_events: i64 =
        ctx.tx
            .query_row("SELECT coalesce(max(seq), 0) FROM audit_events", [], |r| {
                r.get(0)
            })?;
    if named.last() > n_events as u64 {
        return Err(Invalid::quoting(
            "events",
            Rule::NotInChain {
                n_events: n_events as u64,
            },
            &named.last().to_string(),
        )
        .into());
    }
    let mut removed = [0u64; 3];
    for (first, last) in named.runs() {
        for (table_idx, table) in ["audit_detail", "audit_search_hits", "audit_salts"]
            .iter()
            .enumerate()
        {
            removed[table_idx] +=
                ctx.tx
                    .prepare_cached(&format!("DELETE FROM {table} WHERE seq BETWEEN ?1 AND ?2"))?
                    .execute(params![first as i64, last as i64])? as u64;
        }
    }
    let events = named.to_string();
    let event = ctx.event(Action::AuditRedact);
    event.resource_id = Some(events.clone());
    event.detail = Some(serde_json::json!({ "reason": reason.wire_name() }));
    Ok(Redacted {
        events,
        n_details: removed[0],
        n_search_hits: removed[1],
        n_salts: removed[2],
    })
}

impl Session {
    /// Removes the local detail, search hits and salts of the events `seqs` as one
    /// audited unit (`audit.redact`, admin only). Erasure and retention will call
    /// [`redact_in`] inside their own units; this is the same on its own.
    #[allow(dead_code)] // GDPR erasure and retention (next issues) call it; tests do now.
    pub(crate) fn redact_audit_detail(
        &mut self,
        seqs: &[u64],
        reason: RedactionReason,
    ) -> Result<Redacted> {
        if seqs.is_empty() {
            return Err(Invalid::new("events", Rule::Required).into());
        }
        // `from_seqs` refuses only a 0, which no event has.
        let named = SeqList::from_seqs(seqs)
            .ok_or_else(|| Invalid::quoting("events", Rule::NotInChain { n_events: 0 }, "0"))?;
        self.run(op(Action::AuditRedact, Some(&named.to_string())), |ctx| {
            redact_in(ctx, &named, reason)
        })
    }
}
