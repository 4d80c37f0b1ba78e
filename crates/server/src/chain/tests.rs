//! The batch rules from a table of cases: each refusal names the seq at fault, and a
//! retry of held events is accepted.

use super::*;
use clinic_vault_proto::{genesis_hash, AuditEvent};

const DEVICE: &str = "3f1d2c4b-0000-4000-8000-00000000d001";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn event(seq: u64, actor: &str) -> AuditEvent {
    AuditEvent {
        id: format!("01936f4e-7a00-7000-8000-{seq:012}"),
        time_us: 1_000 + seq as i64,
        device_id: DEVICE.into(),
        seq,
        actor: actor.into(),
        role: "admin".into(),
        action: "user.lock".into(),
        resource_type: "user".into(),
        resource_id: None,
        patient_id: None,
        outcome: "success".into(),
        changed_fields: vec![],
        format: None,
        detail_digest: None,
    }
}

/// Events 1..=n, chained from the genesis; `actor` at each.
fn chain(n: u64, actor: &str) -> Vec<ChainedEvent> {
    let mut prev = genesis_hash("v");
    (1..=n)
        .map(|seq| {
            let event = event(seq, actor);
            prev = chain_hash(&prev, &event.canonical_bytes().expect("canonical"));
            ChainedEvent {
                event,
                hash: hex(&prev),
            }
        })
        .collect()
}

fn hashes(events: &[ChainedEvent]) -> Vec<Hash32> {
    events
        .iter()
        .map(|e| e.claimed_hash().expect("hex"))
        .collect()
}

fn batch(events: &[ChainedEvent]) -> EventBatch {
    EventBatch {
        events: events.to_vec(),
    }
}

#[test]
fn malformed_batches_are_refused_before_storage() {
    let good = chain(4, "a");
    let mut other_device = good.clone();
    other_device[2].event.device_id = "x".into();
    let mut bad_hash = good.clone();
    bad_hash[1].hash = "zz".into();
    let mut bad_format = good.clone();
    bad_format[0].event.format = Some(9);
    let mut edited = good.clone();
    edited[2].event.actor = "b".into();
    let mut swapped = good.clone();
    swapped.swap(1, 2);
    let skipped: Vec<ChainedEvent> = [0, 1, 3].iter().map(|&i| good[i].clone()).collect();
    let mut zero = chain(1, "a");
    zero[0].event.seq = 0;
    // Found by schemathesis: a seq past i64::MAX reached the store and failed there.
    let mut huge = chain(1, "a");
    huge[0].event.seq = 1 << 63;
    let cases: Vec<(&str, Vec<ChainedEvent>, Refusal)> = vec![
        (
            "other device",
            other_device,
            Refusal::WrongDevice { seq: 3 },
        ),
        ("bad hash", bad_hash, Refusal::Malformed { seq: 2 }),
        ("unknown format", bad_format, Refusal::Malformed { seq: 1 }),
        ("edited event", edited, Refusal::Tampered { seq: 3 }),
        (
            "swapped",
            swapped,
            Refusal::Gap {
                expected: 2,
                seq: 3,
            },
        ),
        (
            "skipped",
            skipped,
            Refusal::Gap {
                expected: 3,
                seq: 4,
            },
        ),
        ("seq zero", zero, Refusal::Malformed { seq: 0 }),
        ("seq past i64", huge, Refusal::Malformed { seq: 1 << 63 }),
    ];
    for (name, events, expected) in cases {
        assert_eq!(prepare(DEVICE, batch(&events), 10), Err(expected), "{name}");
    }
    let mut repeated = good.clone();
    repeated[2] = good[1].clone();
    assert_eq!(
        prepare(DEVICE, batch(&repeated), 10),
        Err(Refusal::Reordered { seq: 2 })
    );
    assert_eq!(
        prepare(DEVICE, batch(&good), 3),
        Err(Refusal::TooLarge {
            n_events: 4,
            max: 3
        })
    );
}

fn held(all: &[ChainedEvent], head_seq: u64, first_seq: u64) -> HeldChain {
    let held_hashes = hashes(&all[..head_seq as usize]);
    HeldChain {
        head_seq,
        before_first: if first_seq == 1 {
            genesis_hash("v")
        } else {
            held_hashes
                .get(first_seq as usize - 2)
                .copied()
                .unwrap_or([0; 32])
        },
        overlap: held_hashes
            .iter()
            .skip(first_seq as usize - 1)
            .copied()
            .collect(),
    }
}

#[test]
fn a_batch_links_to_the_held_head() -> Result<(), Refusal> {
    let all = chain(6, "a");
    // (held head, batch seqs, index of the first new event)
    for (head_seq, from, to, first_new) in [
        (0, 1, 3, 0),
        (3, 4, 6, 0),
        (3, 2, 5, 2),
        (3, 1, 3, 3),
        (6, 5, 6, 2),
    ] {
        let prepared = prepare(DEVICE, batch(&all[from - 1..to]), 10)?;
        let got = link(&prepared, &held(&all, head_seq, from as u64))?;
        assert_eq!(got, first_new, "head {head_seq}, batch {from}..={to}");
    }
    Ok(())
}

#[test]
fn gaps_forks_and_other_histories_are_refused() -> Result<(), Refusal> {
    let all = chain(6, "a");
    let other = chain(6, "b");
    let gap = prepare(DEVICE, batch(&all[4..6]), 10)?;
    assert_eq!(
        link(&gap, &held(&all, 3, 5)),
        Err(Refusal::Gap {
            expected: 4,
            seq: 5
        })
    );
    // Events 1..=3 held; the same seqs from another history.
    let fork = prepare(DEVICE, batch(&other[0..4]), 10)?;
    assert_eq!(
        link(&fork, &held(&all, 3, 1)),
        Err(Refusal::Fork { seq: 1 })
    );
    // A new event 4 hashed from another history than the held event 3.
    let tampered = prepare(DEVICE, batch(&other[3..5]), 10)?;
    assert_eq!(
        link(&tampered, &held(&all, 3, 4)),
        Err(Refusal::Tampered { seq: 4 })
    );
    // Event 2 of the batch links to the held event 1, but its content differs from
    // the held event 2 (the batch rechained from there).
    let mut forked_tail = all[0..3].to_vec();
    forked_tail[1].event.actor = "c".into();
    let mut prev = forked_tail[0].claimed_hash().expect("hex");
    for e in forked_tail.iter_mut().skip(1) {
        prev = chain_hash(&prev, &e.event.canonical_bytes().expect("canonical"));
        e.hash = hex(&prev);
    }
    let prepared = prepare(DEVICE, batch(&forked_tail), 10)?;
    assert_eq!(
        link(&prepared, &held(&all, 3, 1)),
        Err(Refusal::Fork { seq: 2 })
    );
    Ok(())
}

#[test]
fn codes_are_stable() {
    let codes: Vec<&str> = [
        Refusal::TooLarge {
            n_events: 2,
            max: 1,
        },
        Refusal::Malformed { seq: 1 },
        Refusal::WrongDevice { seq: 1 },
        Refusal::Reordered { seq: 1 },
        Refusal::Gap {
            expected: 1,
            seq: 2,
        },
        Refusal::Tampered { seq: 1 },
        Refusal::Fork { seq: 1 },
    ]
    .iter()
    .map(Refusal::code)
    .collect();
    assert_eq!(
        codes,
        [
            "batch_too_large",
            "malformed_event",
            "wrong_device",
            "chain_reordered",
            "chain_gap",
            "chain_tampered",
            "chain_fork"
        ]
    );
}
