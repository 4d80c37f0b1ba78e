//! The hash-chained audit trail inside `vault.db`. `append` is the single place that
//! writes an event; it runs inside the caller's transaction, reading the chain head
//! there, so the event commits or rolls back with the change it records.

mod ops;

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use clinic_vault_proto::{chain_hash, genesis_hash, Action, AuditEvent, Hash32, Outcome};

use crate::error::{Error, Result};
use crate::invalid::{Invalid, Rule};

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
    let record = AuditEvent {
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
    };
    let canonical = record
        .canonical_bytes()
        .map_err(|_| Error::Internal("audit event could not be encoded".into()))?;
    let hash = chain_hash(&prev_hash, &canonical);
    conn.prepare_cached(
        "INSERT INTO audit_events (seq, id, time_us, device_id, actor, role, action, resource_type,
             resource_id, patient_id, outcome, changed_fields, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
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
    ])?;
    if let Some(detail) = event.detail {
        conn.execute(
            "INSERT INTO audit_detail (seq, detail) VALUES (?1, ?2)",
            params![seq as i64, detail.to_string()],
        )?;
    }
    if !event.search_hits.is_empty() {
        let mut stmt = conn.prepare_cached(
            "INSERT OR IGNORE INTO audit_search_hits (seq, patient_id) VALUES (?1, ?2)",
        )?;
        for patient_id in &event.search_hits {
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
    /// The exact fields the hash covers.
    pub event: AuditEvent,
    /// Local detail, if any (never synced).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<serde_json::Value>,
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

fn row_to_event(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    let changed: String = r.get(11)?;
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
        },
        prev_hash: r.get(12)?,
        hash: r.get(13)?,
    })
}

const COLUMNS: &str =
    "seq, id, time_us, device_id, actor, role, action, resource_type, resource_id,
    patient_id, outcome, changed_fields, prev_hash, hash";

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
    let mut detail_stmt = conn.prepare("SELECT detail FROM audit_detail WHERE seq = ?1")?;
    let mut out = Vec::new();
    for row in rows {
        let row = row?;
        let detail: Option<String> = detail_stmt
            .query_row([row.event.seq as i64], |r| r.get(0))
            .optional()?;
        out.push(ListedEvent {
            seq: row.event.seq,
            prev_hash: hex(&row.prev_hash),
            hash: hex(&row.hash),
            event: row.event,
            detail: detail.and_then(|d| serde_json::from_str(&d).ok()),
        });
    }
    Ok(out)
}

/// The chain head as `(seq, hex hash)`; `(0, genesis)` for an empty chain.
pub(crate) fn head(conn: &Connection, vault_id: &str) -> Result<(u64, String)> {
    let (seq, hash) = head_hash(conn, vault_id)?;
    Ok((seq, hex(&hash)))
}

/// A verified chain.
#[derive(Debug, Clone, Serialize)]
pub struct ChainReport {
    /// Events checked.
    pub n_events: u64,
    /// `SEQ:HASH` of the last event.
    pub head: String,
    /// The anchor that was checked, if one was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub anchored_at: Option<u64>,
}

/// Parses `SEQ:HASH`.
pub fn parse_head(text: &str) -> Result<(u64, String)> {
    let bad = || Error::from(Invalid::quoting("expect_head", Rule::NotAChainHead, text));
    let (seq, hash) = text.trim().split_once(':').ok_or_else(bad)?;
    let seq: u64 = seq.parse().map_err(|_| bad())?;
    let hash = hash.to_ascii_lowercase();
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad());
    }
    Ok((seq, hash))
}

/// Recomputes the whole chain from the stored fields; `corrupt` names the first bad
/// position. With `expect_head`, the event at that sequence must have that hash.
pub(crate) fn verify(
    conn: &Connection,
    vault_id: &str,
    expect_head: Option<(u64, String)>,
) -> Result<ChainReport> {
    let mut prev = genesis_hash(vault_id);
    let mut expected_seq = 1u64;
    let mut anchor_seen = false;
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM audit_events ORDER BY seq"))?;
    let rows = stmt.query_map([], row_to_event)?;
    for row in rows {
        let row = row?;
        let seq = row.event.seq;
        let broken =
            |why: &str| Error::Corrupt(format!("audit chain broken at event {seq}: {why}"));
        if seq != expected_seq {
            return Err(Error::Corrupt(format!(
                "audit chain broken at event {expected_seq}: missing (next stored event is {seq})"
            )));
        }
        if row.prev_hash != prev {
            return Err(broken("its link to the previous event does not match"));
        }
        let canonical = row
            .event
            .canonical_bytes()
            .map_err(|_| broken("its fields cannot be encoded"))?;
        let hash = chain_hash(&prev, &canonical);
        if row.hash != hash {
            return Err(broken("its content does not match its hash"));
        }
        if let Some((anchor_seq, anchor_hash)) = &expect_head {
            if *anchor_seq == seq {
                if hex(&hash) != *anchor_hash {
                    return Err(broken("it differs from the expected head"));
                }
                anchor_seen = true;
            }
        }
        prev = hash;
        expected_seq += 1;
    }
    let n_events = expected_seq - 1;
    if let Some((anchor_seq, _)) = &expect_head {
        if !anchor_seen {
            return Err(Error::Corrupt(format!(
                "audit chain broken at event {}: the expected head {anchor_seq} is beyond the chain's end ({n_events} events: events were deleted)",
                n_events + 1
            )));
        }
    }
    Ok(ChainReport {
        n_events,
        head: format!("{n_events}:{}", hex(&prev)),
        anchored_at: expect_head.map(|(s, _)| s),
    })
}
