//! The pure rules of audit ingest: what makes a batch well formed on its own
//! ([`prepare`], checked before any storage is touched) and how it links to the head a
//! device's chain has on the server ([`link`], run inside the ingest transaction).
//! Hashes are recomputed with proto's rule; nothing here does I/O.

use clinic_vault_proto::{chain_hash, ChainedEvent, EventBatch, Hash32};

/// Why a batch was refused. Each names the sequence number at fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// More events than one batch may hold.
    #[error("the batch holds {n_events} events; at most {max} are accepted")]
    TooLarge {
        /// Events sent.
        n_events: usize,
        /// The limit.
        max: usize,
    },
    /// An event has no canonical form, an unknown format, seq 0 or above 2^63 − 1, or a
    /// malformed hash.
    #[error("event {seq} is malformed")]
    Malformed {
        /// Its seq.
        seq: u64,
    },
    /// An event names another device than the one that signed the request.
    #[error("event {seq} names another device")]
    WrongDevice {
        /// Its seq.
        seq: u64,
    },
    /// An event's seq is not above its predecessor's.
    #[error("event {seq} comes out of order")]
    Reordered {
        /// Its seq.
        seq: u64,
    },
    /// Sequence numbers skip.
    #[error("expected event {expected}, got {seq}")]
    Gap {
        /// The seq that should come next.
        expected: u64,
        /// The seq that came.
        seq: u64,
    },
    /// An event's claimed hash is not the hash of its content and its predecessor.
    #[error("event {seq} does not hash to its claimed hash")]
    Tampered {
        /// Its seq.
        seq: u64,
    },
    /// An event already held, sent again with other content or another history.
    #[error("event {seq} differs from the one held")]
    Fork {
        /// Its seq.
        seq: u64,
    },
}

impl Refusal {
    /// The stable code clients and alerts use.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::TooLarge { .. } => "batch_too_large",
            Refusal::Malformed { .. } => "malformed_event",
            Refusal::WrongDevice { .. } => "wrong_device",
            Refusal::Reordered { .. } => "chain_reordered",
            Refusal::Gap { .. } => "chain_gap",
            Refusal::Tampered { .. } => "chain_tampered",
            Refusal::Fork { .. } => "chain_fork",
        }
    }

    /// The sequence number at fault.
    pub fn seq(&self) -> Option<u64> {
        match *self {
            Refusal::TooLarge { .. } => None,
            Refusal::Malformed { seq }
            | Refusal::WrongDevice { seq }
            | Refusal::Reordered { seq }
            | Refusal::Gap { seq, .. }
            | Refusal::Tampered { seq }
            | Refusal::Fork { seq } => Some(seq),
        }
    }
}

/// One event of a well-formed batch, with what storage needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedEvent {
    /// The event as received.
    pub chained: ChainedEvent,
    /// Its RFC 8785 text.
    pub canonical: String,
    /// Its claimed (and, from the second event on, checked) chain hash.
    pub hash: Hash32,
}

/// A batch that is well formed on its own: one device, consecutive seqs, each hash
/// following from its predecessor's.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Prepared {
    /// The events, ascending.
    pub events: Vec<PreparedEvent>,
}

impl Prepared {
    /// The first event's seq, when there is one.
    pub fn first_seq(&self) -> Option<u64> {
        self.events.first().map(|e| e.chained.event.seq)
    }

    /// The last event's seq, when there is one.
    pub fn last_seq(&self) -> Option<u64> {
        self.events.last().map(|e| e.chained.event.seq)
    }
}

/// Checks everything a batch can show on its own.
pub fn prepare(device_id: &str, batch: EventBatch, max: usize) -> Result<Prepared, Refusal> {
    if batch.events.len() > max {
        return Err(Refusal::TooLarge {
            n_events: batch.events.len(),
            max,
        });
    }
    let mut events: Vec<PreparedEvent> = Vec::with_capacity(batch.events.len());
    for chained in batch.events {
        let seq = chained.event.seq;
        let canonical = chained
            .event
            .canonical_bytes()
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .ok_or(Refusal::Malformed { seq })?;
        let hash = chained.claimed_hash().ok_or(Refusal::Malformed { seq })?;
        // Stores keep seqs as signed 64-bit integers.
        if seq == 0 || i64::try_from(seq).is_err() {
            return Err(Refusal::Malformed { seq });
        }
        if chained.event.device_id != device_id {
            return Err(Refusal::WrongDevice { seq });
        }
        if let Some(prev) = events.last() {
            let expected = prev.chained.event.seq + 1;
            if seq < expected {
                return Err(Refusal::Reordered { seq });
            }
            if seq > expected {
                return Err(Refusal::Gap { expected, seq });
            }
            if chain_hash(&prev.hash, canonical.as_bytes()) != hash {
                return Err(Refusal::Tampered { seq });
            }
        }
        events.push(PreparedEvent {
            chained,
            canonical,
            hash,
        });
    }
    Ok(Prepared { events })
}

/// What the server holds of a device's chain where a batch meets it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldChain {
    /// The highest seq held (0: none).
    pub head_seq: u64,
    /// The hash of event `first_seq − 1` (the genesis when the batch starts at 1).
    /// Only read when the batch does not start past the head.
    pub before_first: Hash32,
    /// The held hashes of the batch's seqs that are at or below the head, ascending.
    pub overlap: Vec<Hash32>,
}

/// Links a prepared batch to the held chain: the index of its first new event, or why
/// it does not continue the chain. Events at or below the head must be identical to the
/// held ones (a retry); the first new one must follow the head.
pub fn link(batch: &Prepared, held: &HeldChain) -> Result<usize, Refusal> {
    let Some(first) = batch.events.first() else {
        return Ok(0);
    };
    let first_seq = first.chained.event.seq;
    if first_seq > held.head_seq + 1 {
        return Err(Refusal::Gap {
            expected: held.head_seq + 1,
            seq: first_seq,
        });
    }
    let held_before = first_seq <= held.head_seq;
    if chain_hash(&held.before_first, first.canonical.as_bytes()) != first.hash {
        // The first event does not follow what the server holds before it: a changed
        // event (tampered) when it is new, another history (fork) when it is held.
        return Err(if held_before {
            Refusal::Fork { seq: first_seq }
        } else {
            Refusal::Tampered { seq: first_seq }
        });
    }
    let n_overlap = usize::try_from(held.head_seq.saturating_sub(first_seq - 1))
        .unwrap_or(usize::MAX)
        .min(batch.events.len());
    for (event, held_hash) in batch.events.iter().zip(&held.overlap).take(n_overlap) {
        if event.hash != *held_hash {
            return Err(Refusal::Fork {
                seq: event.chained.event.seq,
            });
        }
    }
    if held.overlap.len() < n_overlap {
        // The caller gave fewer held hashes than the head implies: treat the first
        // missing one as a fork rather than trusting the batch.
        let seq = first_seq + held.overlap.len() as u64;
        return Err(Refusal::Fork { seq });
    }
    Ok(n_overlap)
}

#[cfg(test)]
mod tests;
