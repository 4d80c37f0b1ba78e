//! Recomputing the chain from what is stored. Every event must link to the one before
//! and hash to its stored hash. A v1 event (written before schema version 3) is hashed
//! over its twelve fields as it always was; its local detail is outside the chain. A v2
//! event's hash also covers `detail_digest`, which must equal the digest recomputed from
//! its salt, local detail and search hits, so a detail or hit row changed, added or
//! removed, or a salt changed, breaks the chain at that event. The one exception is the
//! redaction rule: a v2 event may have no salt, no detail and no hits at all when a
//! later, successful `audit.redact` event names it. A changed detail is never accepted.

use rusqlite::{CachedStatement, Connection, OptionalExtension, Rows};
use serde::Serialize;

use clinic_vault_proto::{
    canonical_detail_digest, chain_hash, genesis_hash, Action, CanonicalDetail, EventFormat,
    SeqList, SALT_LEN,
};

use super::{hex, row_to_event, COLUMNS};
use crate::error::{Error, Result};
use crate::invalid::{Invalid, Rule};

/// A verified chain.
#[derive(Debug, Clone, Serialize)]
pub struct ChainReport {
    /// Events checked.
    pub n_events: u64,
    /// Of which v1 (written before the v2 format; their local detail is not covered).
    pub n_v1_events: u64,
    /// Of which v2 (their local detail and search hits are covered).
    pub n_v2_events: u64,
    /// v2 events whose local detail a redaction removed.
    pub n_redacted: u64,
    /// `SEQ:HASH` of the last event.
    pub head: String,
    /// The anchor that was checked, if one was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub anchored_at: Option<u64>,
    /// The sync servers' signed receipts kept in the vault, each checked against the
    /// chain (its signature, and the event it names). Someone holding the data key could
    /// replace them: only asking the server closes the tail.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub server_receipts: Vec<crate::sync::ReceiptCheck>,
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

/// What the vault keeps locally for one event.
pub(super) struct Stored {
    /// The `audit_detail` text.
    pub detail: Option<String>,
    /// The `audit_search_hits` patient ids, in byte order.
    pub search_hits: Vec<String>,
    /// The `audit_salts` salt.
    pub salt: Option<Vec<u8>>,
}

/// Reads events' local rows with three cached statements (for `list`).
pub(super) struct LocalReader<'c> {
    detail: CachedStatement<'c>,
    hits: CachedStatement<'c>,
    salt: CachedStatement<'c>,
}

impl<'c> LocalReader<'c> {
    pub(super) fn new(conn: &'c Connection) -> Result<Self> {
        Ok(LocalReader {
            detail: conn.prepare_cached("SELECT detail FROM audit_detail WHERE seq = ?1")?,
            hits: conn.prepare_cached(
                "SELECT patient_id FROM audit_search_hits WHERE seq = ?1 ORDER BY patient_id",
            )?,
            salt: conn.prepare_cached("SELECT salt FROM audit_salts WHERE seq = ?1")?,
        })
    }

    pub(super) fn read(&mut self, seq: u64) -> Result<Stored> {
        let seq = seq as i64;
        let detail = self.detail.query_row([seq], |r| r.get(0)).optional()?;
        let search_hits = self
            .hits
            .query_map([seq], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        let salt = self.salt.query_row([seq], |r| r.get(0)).optional()?;
        Ok(Stored {
            detail,
            search_hits,
            salt,
        })
    }
}

/// The search hits in `(seq, patient_id)` order, handed out event by event.
struct HitCursor<'s> {
    rows: Rows<'s>,
    next: Option<(i64, String)>,
}

impl<'s> HitCursor<'s> {
    fn new(mut rows: Rows<'s>) -> Result<Self> {
        let next = Self::read(&mut rows)?;
        Ok(HitCursor { rows, next })
    }

    fn read(rows: &mut Rows<'s>) -> Result<Option<(i64, String)>> {
        Ok(match rows.next()? {
            Some(r) => Some((r.get(0)?, r.get(1)?)),
            None => None,
        })
    }

    /// The hits of event `seq`, skipping any of earlier sequence numbers (rows of no
    /// event; the chain's own checks stop at the gap).
    fn take(&mut self, seq: u64) -> Result<Vec<String>> {
        let mut out = Vec::new();
        while let Some((hit_seq, _)) = &self.next {
            if *hit_seq > seq as i64 {
                break;
            }
            let (hit_seq, patient_id) = self.next.take().expect("just seen");
            if hit_seq == seq as i64 {
                out.push(patient_id);
            }
            self.next = Self::read(&mut self.rows)?;
        }
        Ok(out)
    }
}

/// The successful v2 `audit.redact` events and the events each names, for `list`
/// (`verify` collects them itself, as it checks each).
pub(super) fn redactions(conn: &Connection) -> Result<Vec<(u64, SeqList)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, resource_id FROM audit_events
          WHERE action = ?1 AND outcome = 'success' AND format = 2 ORDER BY seq",
    )?;
    let rows = stmt.query_map([Action::AuditRedact.wire_name()], |r| {
        Ok((r.get::<_, i64>(0)? as u64, r.get::<_, Option<String>>(1)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (seq, named) = row?;
        if let Some(named) = named.as_deref().and_then(SeqList::parse) {
            out.push((seq, named));
        }
    }
    Ok(out)
}

/// Recomputes the whole chain from the stored fields and, for v2 events, their local
/// rows; `corrupt` names the first bad position. With `expect_head`, the event at that
/// sequence must have that hash.
pub(crate) fn verify(
    conn: &Connection,
    vault_id: &str,
    expect_head: Option<(u64, String)>,
) -> Result<ChainReport> {
    let mut prev = genesis_hash(vault_id);
    let mut expected_seq = 1u64;
    let mut anchor_seen = false;
    let (mut n_v1_events, mut n_v2_events) = (0u64, 0u64);
    // v2 events with nothing local, and what later redactions named.
    let mut unsalted: Vec<u64> = Vec::new();
    let mut redacted: Vec<SeqList> = Vec::new();
    // One pass over the events with their salt and detail joined, and one over the
    // hits in the same order, read alongside.
    let mut stmt = conn.prepare(&format!(
        "SELECT ev.*, s.salt, d.detail FROM (SELECT {COLUMNS} FROM audit_events) ev
           LEFT JOIN audit_salts s ON s.seq = ev.seq LEFT JOIN audit_detail d ON d.seq = ev.seq
          ORDER BY ev.seq"
    ))?;
    let mut rows = stmt.query([])?;
    let mut hits_stmt =
        conn.prepare("SELECT seq, patient_id FROM audit_search_hits ORDER BY seq, patient_id")?;
    let mut hits = HitCursor::new(hits_stmt.query([])?)?;
    while let Some(r) = rows.next()? {
        let row = row_to_event(r)?;
        let salt: Option<Vec<u8>> = r.get(16)?;
        let detail: Option<String> = r.get(17)?;
        let seq = row.event.seq;
        let search_hits = hits.take(seq)?;
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
        let format = row
            .event
            .format()
            .map_err(|e| broken(&format!("its format is not valid ({e})")))?;
        let canonical = row
            .event
            .canonical_bytes()
            .map_err(|_| broken("its fields cannot be encoded"))?;
        let hash = chain_hash(&prev, &canonical);
        if row.hash != hash {
            return Err(broken("its content does not match its hash"));
        }
        match format {
            EventFormat::V1 => {
                if n_v2_events > 0 {
                    return Err(broken(
                        "a v1 event after v2 events (the format only moves forward)",
                    ));
                }
                if salt.is_some() {
                    return Err(broken("a v1 event with a detail salt"));
                }
                n_v1_events += 1;
            }
            EventFormat::V2 {
                detail_digest: covered,
            } => {
                n_v2_events += 1;
                match salt {
                    Some(salt) => {
                        let salt: [u8; SALT_LEN] = salt
                            .as_slice()
                            .try_into()
                            .map_err(|_| broken("its detail salt is malformed"))?;
                        let detail = detail
                            .map(CanonicalDetail::from_stored)
                            .map(|d| d.ok_or_else(|| broken("its local detail is not JSON")))
                            .transpose()?;
                        if canonical_detail_digest(&salt, detail.as_ref(), &search_hits) != covered
                        {
                            return Err(broken(
                                "its local detail, search hits or salt are not what its hash covers (changed, added or removed)",
                            ));
                        }
                    }
                    None if detail.is_some() || !search_hits.is_empty() => {
                        return Err(broken(
                            "its local detail or search hits are there without their salt",
                        ));
                    }
                    None => unsalted.push(seq),
                }
                if row.event.action == Action::AuditRedact.wire_name()
                    && row.event.outcome == "success"
                {
                    let named = row
                        .event
                        .resource_id
                        .as_deref()
                        .and_then(SeqList::parse)
                        .ok_or_else(|| broken("a redaction whose list of events is malformed"))?;
                    if named.last() >= seq {
                        return Err(broken(
                            "a redaction naming events that do not come before it",
                        ));
                    }
                    redacted.push(named);
                }
            }
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
    if let Some(seq) = unsalted
        .iter()
        .find(|&&seq| !redacted.iter().any(|named| named.contains(seq)))
    {
        return Err(Error::Corrupt(format!(
            "audit chain broken at event {seq}: its local detail, search hits and salt were removed, and no redaction event names it"
        )));
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
        n_v1_events,
        n_v2_events,
        n_redacted: unsalted.len() as u64,
        head: format!("{n_events}:{}", hex(&prev)),
        anchored_at: expect_head.map(|(s, _)| s),
        server_receipts: Vec::new(),
    })
}
