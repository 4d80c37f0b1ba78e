//! The sync worker's next step, as a pure function of what is queued locally and what
//! the server last answered (DESIGN §7, "pure planning, separate I/O"). The worker
//! executes [`Step`]s (HTTP, the vault's queue, sleeping) and feeds each outcome back
//! as an [`Answer`]; every decision (what to send, when to wait, when to stop and tell
//! a person) is made here and tested from a table of cases.
//!
//! The order of a cycle: ask the server for the head it holds, compare it with the local
//! chain (the anchoring check), send the events it lacks in batches, then the queued
//! blob operations, oldest first. Any failure ends the cycle: a retry starts again by
//! asking for the head, so a batch or an upload that may or may not have arrived is
//! never assumed either way (both are idempotent on the server).

/// Events per batch at most (the server's own limit is higher).
pub const MAX_BATCH: u64 = 1_000;
/// The smallest batch a `batch_too_large` refusal halves down to.
pub const MIN_BATCH: u64 = 16;
/// The first retry's ceiling, milliseconds; it doubles with every failure in a row.
pub const BACKOFF_BASE_MS: u64 = 1_000;
/// The longest wait between attempts, milliseconds (5 minutes).
pub const BACKOFF_CAP_MS: u64 = 300_000;
/// How many `chain_gap` refusals in a row are retried (by asking for the head again)
/// before the worker stops: a gap the head does not explain is the server's fault.
pub const MAX_GAP_RETRIES: u32 = 2;

/// What the vault has queued for the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Queue {
    /// The local chain's head: the highest sequence number written (0: none yet).
    pub head_seq: u64,
    /// The highest sequence number the server acknowledged with a signed receipt that
    /// the vault keeps (0: none yet). A server answering less has lost events.
    pub anchored_seq: u64,
    /// Blob uploads and deletions waiting, in queue order.
    pub blobs_waiting: u64,
}

/// How the local chain compares with a head the server holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalAt {
    /// The local event at that sequence has the hash the server holds (or both are at
    /// the genesis).
    Same,
    /// The local event at that sequence has another hash: the local chain was rewritten
    /// after the server received it.
    Differs,
    /// The local chain stops before that sequence: its tail was cut.
    Missing,
}

/// What the worker's last step came back with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// `GET /v1/audit/head`: the head the server holds (verified receipt), and how the
    /// local chain compares at that sequence.
    Head {
        /// The server's head sequence number.
        seq: u64,
        /// The local chain at that sequence.
        local: LocalAt,
    },
    /// A batch was accepted; the server now holds up to `held_seq` (its receipt verified
    /// and stored as the new anchor before planning again).
    Stored {
        /// The server's head after the batch.
        held_seq: u64,
    },
    /// The oldest blob operation was done (uploaded, found already there, or deleted)
    /// and removed from the queue.
    BlobDone,
    /// The server refused the request with a stable code (`ErrorAnswer::error`).
    Refused {
        /// The code.
        code: String,
        /// The sequence number a batch refusal names.
        seq: Option<u64>,
    },
    /// `429 Too Many Requests`, with the server's `Retry-After`.
    RateLimited {
        /// Seconds to wait at least.
        retry_after_secs: u64,
    },
    /// No usable answer: the network or server is down, a timeout, a 5xx, a body that
    /// does not parse, a receipt whose signature does not verify, a TLS failure.
    Unavailable,
}

/// Why the worker stopped until a person acts. Nothing is dropped from the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Halt {
    /// The server holds events the local chain no longer has: its tail was cut
    /// (`corrupt` on the workstation, an alert on the server).
    LocalChainCut {
        /// The server's head.
        server_seq: u64,
    },
    /// The local chain differs from what the server holds: it was rewritten (`corrupt`).
    Diverged {
        /// The first sequence number known to differ.
        seq: u64,
    },
    /// The server holds less than it once acknowledged: it lost data (restored from an
    /// old backup, or another server answers at its address).
    ServerBehind {
        /// What the server holds now.
        server_seq: u64,
        /// What it had acknowledged.
        anchored_seq: u64,
    },
    /// The server does not accept this device any more (revoked, or unknown: enroll
    /// again).
    NotAccepted {
        /// `device_revoked` or `unknown_device`.
        code: String,
    },
    /// The server refused in a way a retry cannot fix (a bad signature, a malformed
    /// event, a gap the head does not explain).
    Refused {
        /// The server's code.
        code: String,
        /// The sequence number it named.
        seq: Option<u64>,
    },
}

/// What the worker does next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Ask the server for the head it holds.
    AskHead,
    /// Send the events `from_seq..=to_seq` as one batch.
    SendEvents {
        /// The first event.
        from_seq: u64,
        /// The last event.
        to_seq: u64,
    },
    /// Do the oldest blob operation.
    SendBlob,
    /// Everything queued is on the server: wait for new work (or the next timer).
    Synced,
    /// Wait, then start a new cycle (asking for the head): a random time in
    /// `min_ms..=max_ms` (exponential backoff with full jitter; `min_ms` is a server's
    /// `Retry-After`).
    Retry {
        /// The failures in a row so far.
        attempt: u32,
        /// The least wait, milliseconds.
        min_ms: u64,
        /// The most, milliseconds.
        max_ms: u64,
    },
    /// Stop until a person acts.
    Halt(Halt),
}

/// The planner's memory between steps of one worker: failures in a row, the batch size
/// in force, and what it last asked the server for. Start from [`Plan::default`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// Failures in a row (reset by any success).
    pub attempt: u32,
    /// Events per batch in force.
    pub batch: u64,
    /// `chain_gap` refusals in a row.
    pub gap_retries: u32,
    /// The last event of the batch in flight (0: none): an answer that the batch was
    /// stored must cover it.
    pub sent_to: u64,
}

impl Default for Plan {
    fn default() -> Self {
        Plan {
            attempt: 0,
            batch: MAX_BATCH,
            gap_retries: 0,
            sent_to: 0,
        }
    }
}

/// The ceiling of the wait after `attempt` failures in a row.
pub fn backoff_ceiling_ms(attempt: u32) -> u64 {
    let doublings = attempt.saturating_sub(1).min(20);
    BACKOFF_BASE_MS
        .saturating_mul(1 << doublings)
        .min(BACKOFF_CAP_MS)
}

impl Plan {
    /// The next step after `answer` (`None`: a new cycle), with `queue` as it is now, and
    /// the planner's memory after it.
    pub fn next(self, queue: &Queue, answer: Option<&Answer>) -> (Plan, Step) {
        let Some(answer) = answer else {
            return (self, Step::AskHead);
        };
        match answer {
            Answer::Head { seq, local } => {
                if *seq < queue.anchored_seq {
                    return self.halt(Halt::ServerBehind {
                        server_seq: *seq,
                        anchored_seq: queue.anchored_seq,
                    });
                }
                if *seq > queue.head_seq {
                    return self.halt(Halt::LocalChainCut { server_seq: *seq });
                }
                match local {
                    LocalAt::Missing => self.halt(Halt::LocalChainCut { server_seq: *seq }),
                    LocalAt::Differs => self.halt(Halt::Diverged { seq: *seq }),
                    // A head read is no progress: the backoff is not reset by it, so a
                    // batch or an upload that keeps failing after a good head still waits
                    // longer each time.
                    LocalAt::Same => self.send_from(*seq, queue),
                }
            }
            Answer::Stored { held_seq } => {
                if *held_seq < self.sent_to {
                    // The server accepted the batch and holds less than it: a server
                    // fault. Waiting, not sending the same batch again at once forever.
                    return Plan { sent_to: 0, ..self }.failed(0);
                }
                let plan = Plan {
                    gap_retries: 0,
                    sent_to: 0,
                    ..self.succeeded()
                };
                if *held_seq > queue.head_seq {
                    // The server says it holds more than the vault ever wrote.
                    return plan.halt(Halt::LocalChainCut {
                        server_seq: *held_seq,
                    });
                }
                plan.send_from(*held_seq, queue)
            }
            // Events first: anything appended meanwhile is sent after the next head.
            Answer::BlobDone => {
                let plan = self.succeeded();
                if queue.blobs_waiting > 0 {
                    (plan, Step::SendBlob)
                } else if queue.head_seq > queue.anchored_seq {
                    (plan, Step::AskHead)
                } else {
                    (plan, Step::Synced)
                }
            }
            // A server's Retry-After is honoured up to the backoff's cap: a wrong or
            // hostile value cannot stop sync for days.
            Answer::RateLimited { retry_after_secs } => {
                self.failed(retry_after_secs.saturating_mul(1_000).min(BACKOFF_CAP_MS))
            }
            Answer::Unavailable => self.failed(0),
            Answer::Refused { code, seq } => self.refused(code, *seq),
        }
    }

    fn succeeded(self) -> Plan {
        Plan { attempt: 0, ..self }
    }

    fn halt(self, why: Halt) -> (Plan, Step) {
        (self, Step::Halt(why))
    }

    /// The server holds up to `server_seq`: the next batch, else the blobs, else done.
    fn send_from(self, server_seq: u64, queue: &Queue) -> (Plan, Step) {
        if server_seq < queue.head_seq {
            let to_seq = queue.head_seq.min(server_seq.saturating_add(self.batch));
            return (
                Plan {
                    sent_to: to_seq,
                    ..self
                },
                Step::SendEvents {
                    from_seq: server_seq + 1,
                    to_seq,
                },
            );
        }
        if queue.blobs_waiting > 0 {
            (self, Step::SendBlob)
        } else {
            (self, Step::Synced)
        }
    }

    /// A failure a later attempt may get past: wait (at least `min_ms`), then a new cycle.
    fn failed(self, min_ms: u64) -> (Plan, Step) {
        let attempt = self.attempt.saturating_add(1);
        let max_ms = backoff_ceiling_ms(attempt).max(min_ms);
        (
            Plan { attempt, ..self },
            Step::Retry {
                attempt,
                min_ms,
                max_ms,
            },
        )
    }

    fn refused(self, code: &str, seq: Option<u64>) -> (Plan, Step) {
        match code {
            "device_revoked" | "unknown_device" => self.halt(Halt::NotAccepted {
                code: code.to_string(),
            }),
            // The server holds another event at that sequence: the local chain was
            // rewritten after it was sent.
            "chain_fork" | "chain_tampered" => self.halt(Halt::Diverged {
                seq: seq.unwrap_or(0),
            }),
            // The batch started past the server's head: ask again, a few times.
            "chain_gap" if self.gap_retries < MAX_GAP_RETRIES => {
                let plan = Plan {
                    gap_retries: self.gap_retries + 1,
                    ..self
                };
                (plan, Step::AskHead)
            }
            "batch_too_large" if self.batch > MIN_BATCH => {
                let plan = Plan {
                    batch: (self.batch / 2).max(MIN_BATCH),
                    ..self
                };
                (plan, Step::AskHead)
            }
            // A clock outside the server's window, a nonce the server saw (a retry
            // racing its first attempt), a server-side limit or timeout: later.
            "stale_timestamp" | "replayed_request" | "rate_limited" | "request_timeout"
            | "handler_timeout" | "internal" | "store" | "blobs" => self.failed(0),
            _ => self.halt(Halt::Refused {
                code: code.to_string(),
                seq,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(head_seq: u64, anchored_seq: u64, blobs_waiting: u64) -> Queue {
        Queue {
            head_seq,
            anchored_seq,
            blobs_waiting,
        }
    }

    fn head(seq: u64, local: LocalAt) -> Answer {
        Answer::Head { seq, local }
    }

    fn refused(code: &str, seq: Option<u64>) -> Answer {
        Answer::Refused {
            code: code.into(),
            seq,
        }
    }

    fn send(from_seq: u64, to_seq: u64) -> Step {
        Step::SendEvents { from_seq, to_seq }
    }

    #[test]
    fn the_table_of_cases() {
        let fresh = Plan::default();
        let cases: Vec<(&str, Plan, Queue, Option<Answer>, Step)> = vec![
            (
                "a cycle starts by asking",
                fresh,
                q(10, 0, 0),
                None,
                Step::AskHead,
            ),
            (
                "nothing anywhere",
                fresh,
                q(0, 0, 0),
                Some(head(0, LocalAt::Same)),
                Step::Synced,
            ),
            (
                "a new device sends from 1",
                fresh,
                q(10, 0, 0),
                Some(head(0, LocalAt::Same)),
                send(1, 10),
            ),
            (
                "the server holds some",
                fresh,
                q(10, 4, 0),
                Some(head(4, LocalAt::Same)),
                send(5, 10),
            ),
            (
                "the server got a batch whose answer was lost",
                fresh,
                q(10, 4, 0),
                Some(head(7, LocalAt::Same)),
                send(8, 10),
            ),
            (
                "batches of at most MAX_BATCH",
                fresh,
                q(2_500, 0, 0),
                Some(head(0, LocalAt::Same)),
                send(1, 1_000),
            ),
            (
                "then the next batch",
                fresh,
                q(2_500, 1_000, 0),
                Some(Answer::Stored { held_seq: 1_000 }),
                send(1_001, 2_000),
            ),
            (
                "events before blobs",
                fresh,
                q(10, 0, 3),
                Some(head(0, LocalAt::Same)),
                send(1, 10),
            ),
            (
                "blobs once the events are there",
                fresh,
                q(10, 10, 3),
                Some(Answer::Stored { held_seq: 10 }),
                Step::SendBlob,
            ),
            (
                "the next blob",
                fresh,
                q(10, 10, 2),
                Some(Answer::BlobDone),
                Step::SendBlob,
            ),
            (
                "the last blob, and done",
                fresh,
                q(10, 10, 0),
                Some(Answer::BlobDone),
                Step::Synced,
            ),
            (
                "events appended during the blobs",
                fresh,
                q(12, 10, 0),
                Some(Answer::BlobDone),
                Step::AskHead,
            ),
            (
                "in sync",
                fresh,
                q(10, 10, 0),
                Some(head(10, LocalAt::Same)),
                Step::Synced,
            ),
            (
                "a rewritten tail (the server's head differs here)",
                fresh,
                q(10, 8, 0),
                Some(head(8, LocalAt::Differs)),
                Step::Halt(Halt::Diverged { seq: 8 }),
            ),
            (
                "a cut tail (the server holds more than the chain)",
                fresh,
                q(5, 5, 0),
                Some(head(8, LocalAt::Missing)),
                Step::Halt(Halt::LocalChainCut { server_seq: 8 }),
            ),
            (
                "a server that lost data (below the anchor)",
                fresh,
                q(10, 8, 0),
                Some(head(3, LocalAt::Same)),
                Step::Halt(Halt::ServerBehind {
                    server_seq: 3,
                    anchored_seq: 8,
                }),
            ),
            (
                "a stored head beyond the chain",
                fresh,
                q(10, 8, 0),
                Some(Answer::Stored { held_seq: 11 }),
                Step::Halt(Halt::LocalChainCut { server_seq: 11 }),
            ),
            (
                "down: the first retry waits up to a second",
                fresh,
                q(10, 0, 0),
                Some(Answer::Unavailable),
                Step::Retry {
                    attempt: 1,
                    min_ms: 0,
                    max_ms: 1_000,
                },
            ),
            (
                "down again: the ceiling doubles",
                Plan {
                    attempt: 3,
                    ..fresh
                },
                q(10, 0, 0),
                Some(Answer::Unavailable),
                Step::Retry {
                    attempt: 4,
                    min_ms: 0,
                    max_ms: 8_000,
                },
            ),
            (
                "down for long: capped at five minutes",
                Plan {
                    attempt: 40,
                    ..fresh
                },
                q(10, 0, 0),
                Some(Answer::Unavailable),
                Step::Retry {
                    attempt: 41,
                    min_ms: 0,
                    max_ms: 300_000,
                },
            ),
            (
                "429 honours Retry-After",
                fresh,
                q(10, 0, 0),
                Some(Answer::RateLimited {
                    retry_after_secs: 7,
                }),
                Step::Retry {
                    attempt: 1,
                    min_ms: 7_000,
                    max_ms: 7_000,
                },
            ),
            (
                "a head beyond the local chain, whatever the hash check said",
                fresh,
                q(5, 5, 0),
                Some(head(9, LocalAt::Same)),
                Step::Halt(Halt::LocalChainCut { server_seq: 9 }),
            ),
            (
                "a Retry-After of days waits five minutes at most",
                fresh,
                q(10, 0, 0),
                Some(Answer::RateLimited {
                    retry_after_secs: 1_000_000,
                }),
                Step::Retry {
                    attempt: 1,
                    min_ms: 300_000,
                    max_ms: 300_000,
                },
            ),
            (
                "a revoked device stops",
                fresh,
                q(10, 0, 0),
                Some(refused("device_revoked", None)),
                Step::Halt(Halt::NotAccepted {
                    code: "device_revoked".into(),
                }),
            ),
            (
                "a forgotten device stops",
                fresh,
                q(10, 0, 0),
                Some(refused("unknown_device", None)),
                Step::Halt(Halt::NotAccepted {
                    code: "unknown_device".into(),
                }),
            ),
            (
                "a fork stops",
                fresh,
                q(10, 0, 0),
                Some(refused("chain_fork", Some(4))),
                Step::Halt(Halt::Diverged { seq: 4 }),
            ),
            (
                "a batch answered as stored but not held is a server fault: wait",
                Plan {
                    sent_to: 10,
                    ..fresh
                },
                q(10, 0, 0),
                Some(Answer::Stored { held_seq: 4 }),
                Step::Retry {
                    attempt: 1,
                    min_ms: 0,
                    max_ms: BACKOFF_BASE_MS,
                },
            ),
            (
                "a batch held in full goes on",
                Plan {
                    sent_to: 10,
                    ..fresh
                },
                q(12, 0, 0),
                Some(Answer::Stored { held_seq: 10 }),
                send(11, 12),
            ),
            (
                "a gap asks the head again",
                fresh,
                q(10, 0, 0),
                Some(refused("chain_gap", Some(5))),
                Step::AskHead,
            ),
            (
                "a gap the head does not explain stops",
                Plan {
                    gap_retries: MAX_GAP_RETRIES,
                    ..fresh
                },
                q(10, 0, 0),
                Some(refused("chain_gap", Some(5))),
                Step::Halt(Halt::Refused {
                    code: "chain_gap".into(),
                    seq: Some(5),
                }),
            ),
            (
                "too large halves the batch",
                fresh,
                q(10, 0, 0),
                Some(refused("batch_too_large", None)),
                Step::AskHead,
            ),
            (
                "a clock outside the window retries",
                fresh,
                q(10, 0, 0),
                Some(refused("stale_timestamp", None)),
                Step::Retry {
                    attempt: 1,
                    min_ms: 0,
                    max_ms: 1_000,
                },
            ),
            (
                "a bad signature stops",
                fresh,
                q(10, 0, 0),
                Some(refused("bad_signature", None)),
                Step::Halt(Halt::Refused {
                    code: "bad_signature".into(),
                    seq: None,
                }),
            ),
            (
                "an unknown code stops (never guessed)",
                fresh,
                q(10, 0, 0),
                Some(refused("something_new", Some(2))),
                Step::Halt(Halt::Refused {
                    code: "something_new".into(),
                    seq: Some(2),
                }),
            ),
        ];
        for (name, plan, queue, answer, want) in cases {
            let (_, got) = plan.next(&queue, answer.as_ref());
            assert_eq!(got, want, "{name}");
        }
    }

    #[test]
    fn success_resets_the_backoff_and_a_halved_batch_is_used_next() {
        let plan = Plan {
            attempt: 5,
            ..Plan::default()
        };
        // A head read is not progress; a stored batch and a blob done are.
        let (plan, _) = plan.next(&q(10, 0, 0), Some(&head(0, LocalAt::Same)));
        assert_eq!(plan.attempt, 5);
        let (plan, _) = plan.next(&q(10, 10, 0), Some(&Answer::Stored { held_seq: 10 }));
        assert_eq!(plan.attempt, 0);
        let (plan, _) = Plan { attempt: 3, ..plan }.next(&q(10, 10, 1), Some(&Answer::BlobDone));
        assert_eq!(plan.attempt, 0);

        let (plan, step) =
            Plan::default().next(&q(5_000, 0, 0), Some(&refused("batch_too_large", None)));
        assert_eq!((plan.batch, step), (500, Step::AskHead));
        let (plan, step) = plan.next(&q(5_000, 0, 0), Some(&head(0, LocalAt::Same)));
        assert_eq!(step, send(1, 500));
        // Halving stops at MIN_BATCH, then the refusal stops the worker.
        let small = Plan {
            batch: MIN_BATCH,
            ..plan
        };
        let (_, step) = small.next(&q(5_000, 0, 0), Some(&refused("batch_too_large", None)));
        assert_eq!(
            step,
            Step::Halt(Halt::Refused {
                code: "batch_too_large".into(),
                seq: None
            })
        );
    }

    #[test]
    fn gap_retries_count_up_and_a_stored_batch_clears_them() {
        let queue = q(10, 0, 0);
        let mut plan = Plan::default();
        for _ in 0..MAX_GAP_RETRIES {
            let (next, step) = plan.next(&queue, Some(&refused("chain_gap", Some(3))));
            assert_eq!(step, Step::AskHead);
            plan = next;
        }
        let (cleared, _) = plan.next(&queue, Some(&Answer::Stored { held_seq: 4 }));
        assert_eq!(cleared.gap_retries, 0);
        let (_, step) = cleared.next(&queue, Some(&refused("chain_gap", Some(3))));
        assert_eq!(step, Step::AskHead);
    }

    #[test]
    fn a_worker_driven_by_the_plan_drains_a_queue_through_failures() {
        // A model server that fails about a third of the requests (a fixed pseudo-random
        // sequence) and drops the answer of every fifth batch it stores: the plan still
        // sends every event without a gap, and ends Synced with nothing left.
        let mut server_seq = 0u64;
        let mut blobs_on_server = 0u64;
        let mut queue = q(2_345, 0, 7);
        let mut plan = Plan::default();
        let mut answer: Option<Answer> = None;
        let mut rng = 0x9E37_79B9_7F4A_7C15u64;
        let mut stored_batches = 0u32;
        let mut synced = false;
        for _ in 0..10_000 {
            let (next, step) = plan.next(&queue, answer.as_ref());
            plan = next;
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            let fails = rng % 3 == 0;
            answer = match step {
                Step::Synced => {
                    synced = true;
                    break;
                }
                Step::Halt(h) => panic!("halted: {h:?}"),
                Step::Retry { .. } => None,
                _ if fails => Some(Answer::Unavailable),
                Step::AskHead => Some(head(server_seq, LocalAt::Same)),
                Step::SendEvents { from_seq, to_seq } => {
                    assert!(from_seq <= server_seq + 1, "a gap was sent");
                    server_seq = server_seq.max(to_seq);
                    stored_batches += 1;
                    if stored_batches % 5 == 0 {
                        Some(Answer::Unavailable)
                    } else {
                        queue.anchored_seq = server_seq;
                        Some(Answer::Stored {
                            held_seq: server_seq,
                        })
                    }
                }
                Step::SendBlob => {
                    blobs_on_server += 1;
                    queue.blobs_waiting -= 1;
                    Some(Answer::BlobDone)
                }
            };
        }
        assert!(synced, "never synced");
        assert_eq!(server_seq, 2_345);
        assert_eq!(blobs_on_server, 7);
        assert_eq!(queue.blobs_waiting, 0);
    }

    #[test]
    fn the_ceiling_doubles_from_one_second_to_five_minutes() {
        let ceilings: Vec<u64> = (1..=11).map(backoff_ceiling_ms).collect();
        assert_eq!(
            ceilings,
            [
                1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000, 300_000,
                300_000
            ]
        );
        assert_eq!(backoff_ceiling_ms(u32::MAX), BACKOFF_CAP_MS);
    }
}
