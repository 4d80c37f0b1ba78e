//! The hash-chained audit trail inside `vault.db`. `append_all` is the single place that
//! writes events; it runs inside the caller's transaction, reading the chain head
//! there, so the event commits or rolls back with the change it records. Every event it
//! writes is v2: its hash covers a salted digest of its local detail (`audit_detail`)
//! and search hits (`audit_search_hits`), whose salt sits in `audit_salts`; events
//! written before schema version 3 stay v1. `verify` (in `verify.rs`) checks both, and
//! accepts a v2 event's missing detail only where an `audit.redact` event (`redact.rs`)
//! names it.

mod ops;
pub(crate) mod redact;
#[cfg(test)]
mod tests;
mod verify;

pub use redact::{Redacted, RedactionReason};
pub(crate) use verify::verify;
pub use verify::{parse_head, ChainReport};

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use clinic_vault_proto::{
    canonical_detail_digest, chain_hash, genesis_hash, Action, AuditEvent, CanonicalDetail, Hash32,
    Outcome, FORMAT_V2, SALT_LEN,
};

use crate::error::{Error, Result};

/// Placeholder actor/role for events with no unlocked user.
pub const NOBODY: &str = "-";

/// What a caller records; the rest (id, time, device, sequence, hashes) is filled in.
#[derive(Debug, Clone)]
pub(crate) struct NewEvent {
    pub actor: String,
    pub role: String,
    pub action: Action,
    pub resource_id: Option<String>,
    pub patient_id: Option<String>,
    pub outcome: Outcome,
    pub changed_fields: Vec<&'static str>,
    /// Local-only detail (never synced), e.g. why an attempt failed.
    pub detail: Option<serde_json::Value>,
    /// Time of the event; `None` means now.
    pub time_us: Option<i64>,
    /// Patients a search showed (local detail, so `audit list --patient` finds it).
    pub search_hits: Vec<String>,
}

impl NewEvent {
    pub(crate) fn new(actor: &str, role: &str, action: Action) -> Self {
        NewEvent {
            actor: actor.to_string(),
            role: role.to_string(),
            action,
            resource_id: None,
            patient_id: None,
            outcome: Outcome::Success,
            changed_fields: Vec::new(),
            detail: None,
            time_us: None,
            search_hits: Vec::new(),
        }
    }
    pub(crate) fn resource(mut self, id: impl Into<String>) -> Self {
        self.resource_id = Some(id.into());
        self
    }
    pub(crate) fn outcome(mut self, outcome: Outcome) -> Self {
        self.outcome = outcome;
        self
    }
    pub(crate) fn fields(mut self, fields: &[&'static str]) -> Self {
        self.changed_fields = fields.to_vec();
        self
    }
    pub(crate) fn detail(mut self, detail: serde_json::Value) -> Self {
        self.detail = Some(detail);
        self
    }
    pub(crate) fn at(mut self, time_us: i64) -> Self {
        self.time_us = Some(time_us);
        self
    }
}

/// Identity of the chain being written.
pub(crate) struct ChainContext<'a> {
    pub vault_id: &'a str,
    pub device_id: &'a str,
    pub now_us: i64,
}

fn head_hash(conn: &Connection, vault_id: &str) -> Result<(u64, Hash32)> {
    let head: Option<(i64, Vec<u8>)> = conn
        .prepare_cached("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    match head {
        None => Ok((0, genesis_hash(vault_id))),
        Some((seq, hash)) => {
            let hash: Hash32 = hash
                .try_into()
                .map_err(|_| Error::Corrupt(format!("audit event {seq} has a malformed hash")))?;
            Ok((seq as u64, hash))
        }
    }
}

/// Appends `events` in order inside the caller's open transaction, reading the chain
/// head once; returns the last sequence number written.
pub(crate) fn append_all(
    conn: &Connection,
    ctx: &ChainContext<'_>,
    events: Vec<NewEvent>,
) -> Result<Option<u64>> {
    if events.is_empty() {
        return Ok(None);
    }
    let mut head = head_hash(conn, ctx.vault_id)?;
    for event in events {
        head = append_after(conn, ctx, head, event)?;
    }
    Ok(Some(head.0))
}

fn append_after(
    conn: &Connection,
    ctx: &ChainContext<'_>,
    head: (u64, Hash32),
    event: NewEvent,
) -> Result<(u64, Hash32)> {
    let (head_seq, prev_hash) = head;
    let seq = head_seq + 1;
    let mut record = AuditEvent {
        id: uuid::Uuid::now_v7().to_string(),
        time_us: event.time_us.unwrap_or(ctx.now_us),
        device_id: ctx.device_id.to_string(),
        seq,
        actor: event.actor,
        role: event.role,
        action: event.action.wire_name().to_string(),
        resource_type: event.action.resource_type().wire_name().to_string(),
        resource_id: event.resource_id,
        patient_id: event.patient_id,
        outcome: event.outcome.wire_name().to_string(),
        changed_fields: event.changed_fields.iter().map(|s| s.to_string()).collect(),
        format: None,
        detail_digest: None,
    };
    // Every event is v2: a fresh salt and the digest of its detail and hits (also when
    // it has neither, so that adding one later is caught).
    let salt: [u8; SALT_LEN] = crate::crypto::random_array();
    let mut hits = event.search_hits;
    hits.sort_unstable();
    hits.dedup();
    let unencodable = |_| Error::Internal("audit event could not be encoded".into());
    let detail = event
        .detail
        .as_ref()
        .map(CanonicalDetail::encode)
        .transpose()
        .map_err(unencodable)?;
    let digest = canonical_detail_digest(&salt, detail.as_ref(), &hits);
    record.set_v2(&digest);
    let canonical = record
        .canonical_bytes()
        .map_err(|_| Error::Internal("audit event could not be encoded".into()))?;
    let hash = chain_hash(&prev_hash, &canonical);
    conn.prepare_cached(
        "INSERT INTO audit_events (seq, id, time_us, device_id, actor, role, action, resource_type,
             resource_id, patient_id, outcome, changed_fields, prev_hash, hash, format, detail_digest)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
    )?
    .execute(params![
        seq as i64,
        record.id,
        record.time_us,
        record.device_id,
        record.actor,
        record.role,
        record.action,
        record.resource_type,
        record.resource_id,
        record.patient_id,
        record.outcome,
        serde_json::to_string(&record.changed_fields).expect("strings serialize"),
        prev_hash.as_slice(),
        hash.as_slice(),
        FORMAT_V2,
        digest.as_slice(),
    ])?;
    conn.prepare_cached("INSERT INTO audit_salts (seq, salt) VALUES (?1, ?2)")?
        .execute(params![seq as i64, salt.as_slice()])?;
    if let Some(detail) = &detail {
        // Stored in its canonical text: the bytes the digest covers.
        conn.prepare_cached("INSERT INTO audit_detail (seq, detail) VALUES (?1, ?2)")?
            .execute(params![seq as i64, detail.as_str()])?;
    }
    if !hits.is_empty() {
        let mut stmt =
            conn.prepare_cached("INSERT INTO audit_search_hits (seq, patient_id) VALUES (?1, ?2)")?;
        for patient_id in &hits {
            stmt.execute(params![seq as i64, patient_id])?;
        }
    }
    crate::crashpoint::hit("audit.appended");
    Ok((seq, hash))
}

/// One stored event with its chain links, as `audit list` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ListedEvent {
    /// Sequence number.
    pub seq: u64,
    /// Hex SHA-256 of the previous event (or the genesis hash).
    pub prev_hash: String,
    /// Hex SHA-256 of this event: `SHA-256(prev_hash ‖ canonical(event))`.
    pub hash: String,
    /// The exact fields the hash covers (a v2 event's include its format and digest).
    pub event: AuditEvent,
    /// Local detail, if any (never synced).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<serde_json::Value>,
    /// The patients the event's search showed, in the digest's order (local, never synced).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub search_hits: Vec<String>,
    /// Hex salt of a v2 event's detail digest (local, never synced): with the detail and
    /// the hits it recomputes `event.detail_digest`. Gone after a redaction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub salt: Option<String>,
    /// The `audit.redact` event that removed this event's local detail, if one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redacted_by: Option<u64>,
}

/// Which events to list.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only events whose actor is this user name.
    pub actor: Option<String>,
    /// Only events with this action.
    pub action: Option<String>,
    /// Only the last N matching events.
    pub limit: Option<u32>,
    /// Only events about this patient, including the searches that showed them.
    pub patient: Option<crate::records::PatientId>,
    /// Only events at or after this time (µs since the epoch).
    pub since_us: Option<i64>,
    /// Only events before this time (µs since the epoch).
    pub until_us: Option<i64>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

struct Row {
    event: AuditEvent,
    prev_hash: Vec<u8>,
    hash: Vec<u8>,
}

/// A stored row as the event it claims to be: format 1 without the v2 members, any
/// other format and any stored digest as they are, so that `verify` judges them.
fn row_to_event(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    let changed: String = r.get(11)?;
    let format: i64 = r.get(14)?;
    let digest: Option<Vec<u8>> = r.get(15)?;
    Ok(Row {
        event: AuditEvent {
            seq: r.get::<_, i64>(0)? as u64,
            id: r.get(1)?,
            time_us: r.get(2)?,
            device_id: r.get(3)?,
            actor: r.get(4)?,
            role: r.get(5)?,
            action: r.get(6)?,
            resource_type: r.get(7)?,
            resource_id: r.get(8)?,
            patient_id: r.get(9)?,
            outcome: r.get(10)?,
            changed_fields: serde_json::from_str(&changed)
                .unwrap_or_else(|_| vec!["<unreadable>".into()]),
            format: (format != 1).then(|| u32::try_from(format).unwrap_or(u32::MAX)),
            detail_digest: digest.map(|d| hex(&d)),
        },
        prev_hash: r.get(12)?,
        hash: r.get(13)?,
    })
}

const COLUMNS: &str =
    "seq, id, time_us, device_id, actor, role, action, resource_type, resource_id,
    patient_id, outcome, changed_fields, prev_hash, hash, format, detail_digest";

/// Lists events in chain order.
pub(crate) fn list(conn: &Connection, filter: &AuditFilter) -> Result<Vec<ListedEvent>> {
    let sql = format!(
        "SELECT * FROM (SELECT {COLUMNS} FROM audit_events
           WHERE (?1 IS NULL OR actor = ?1) AND (?2 IS NULL OR action = ?2)
             AND (?4 IS NULL OR patient_id = ?4 OR seq IN (SELECT seq FROM audit_search_hits WHERE patient_id = ?4))
             AND (?5 IS NULL OR time_us >= ?5) AND (?6 IS NULL OR time_us < ?6)
           ORDER BY seq DESC LIMIT ?3) ORDER BY seq"
    );
    let limit = filter.limit.map_or(-1, i64::from);
    let redacted = verify::redactions(conn)?;
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(
        params![
            filter.actor,
            filter.action,
            limit,
            filter.patient,
            filter.since_us,
            filter.until_us
        ],
        row_to_event,
    )?;
    let mut local = verify::LocalReader::new(conn)?;
    let mut out = Vec::new();
    for row in rows {
        let row = row?;
        let seq = row.event.seq;
        let stored = local.read(seq)?;
        out.push(ListedEvent {
            seq,
            prev_hash: hex(&row.prev_hash),
            hash: hex(&row.hash),
            event: row.event,
            detail: stored.detail.and_then(|d| serde_json::from_str(&d).ok()),
            search_hits: stored.search_hits,
            salt: stored.salt.map(|s| hex(&s)),
            redacted_by: redacted
                .iter()
                .find(|(_, named)| named.contains(seq))
                .map(|(by, _)| *by),
        });
    }
    Ok(out)
}

/// The chain head as `(seq, hex hash)`; `(0, genesis)` for an empty chain.
pub(crate) fn head(conn: &Connection, vault_id: &str) -> Result<(u64, String)> {
    let (seq, hash) = head_hash(conn, vault_id)?;
    Ok((seq, hex(&hash)))
}

/// The stored events `from_seq..=to_seq` with their stored hashes, as a device sends
/// them to the sync server (its chain as written: the server recomputes every hash).
pub(crate) fn chained_range(
    conn: &Connection,
    from_seq: u64,
    to_seq: u64,
) -> Result<Vec<clinic_vault_proto::ChainedEvent>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM audit_events WHERE seq BETWEEN ?1 AND ?2 ORDER BY seq"
    ))?;
    let rows = stmt.query_map(params![from_seq as i64, to_seq as i64], row_to_event)?;
    let mut out = Vec::with_capacity(to_seq.saturating_sub(from_seq) as usize + 1);
    for row in rows {
        let row = row?;
        out.push(clinic_vault_proto::ChainedEvent {
            event: row.event,
            hash: hex(&row.hash),
        });
    }
    Ok(out)
}

/// The stored hash of event `seq` (the genesis hash for 0), or `None` past the end.
pub(crate) fn hash_at(conn: &Connection, vault_id: &str, seq: u64) -> Result<Option<String>> {
    if seq == 0 {
        return Ok(Some(hex(&genesis_hash(vault_id))));
    }
    let hash: Option<Vec<u8>> = conn
        .prepare_cached("SELECT hash FROM audit_events WHERE seq = ?1")?
        .query_row([seq as i64], |r| r.get(0))
        .optional()?;
    Ok(hash.map(|h| hex(&h)))
}
