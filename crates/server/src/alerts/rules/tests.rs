//! The rules from a table of event sequences: input → the alerts raised.

use super::*;

const MIN: i64 = 60_000_000;
const T: i64 = 1_764_000_000_000_000;

/// An event of seq `seq` at `T + at_us`.
fn ev(seq: u64, at_us: i64, actor: &str, action: &str, outcome: &str) -> AuditEvent {
    AuditEvent {
        id: format!("01936f4e-7a00-7000-8000-{seq:012}"),
        time_us: T + at_us,
        device_id: "d1".into(),
        seq,
        actor: actor.into(),
        role: "-".into(),
        action: action.into(),
        resource_type: "user".into(),
        resource_id: None,
        patient_id: None,
        outcome: outcome.into(),
        changed_fields: vec![],
        format: None,
        detail_digest: None,
    }
}

/// `n` failed unlocks of `actor` from seq `first`, `step_us` apart from `at_us`.
fn failures(first: u64, n: u64, at_us: i64, step_us: i64, actor: &str) -> Vec<AuditEvent> {
    (0..n)
        .map(|i| {
            ev(
                first + i,
                at_us + step_us * i as i64,
                actor,
                "journal.attempt",
                "failure",
            )
        })
        .collect()
}

type Short = (&'static str, u64, String, Option<u64>);

/// What a raised alert is, short: (code, seq, actor, n_events).
fn short(raised: &[Raise]) -> Vec<Short> {
    raised
        .iter()
        .map(|r| {
            (
                r.code,
                r.seq.unwrap_or(0),
                r.actor.clone().unwrap_or_default(),
                r.n_events,
            )
        })
        .collect()
}

fn fu(seq: u64, actor: &str, n: u64) -> Short {
    (code::FAILED_UNLOCKS, seq, actor.into(), Some(n))
}

fn prelock(seq: u64, actor: &str, n: u64) -> Short {
    (code::PRELOCK_REPORTS, seq, actor.into(), Some(n))
}

/// Two users' failures interleaved: rita at odd seqs, bob at even, `n` each.
fn two_users(n: u64) -> Vec<AuditEvent> {
    (1..=n)
        .flat_map(|i| {
            [
                ev(2 * i - 1, i as i64, "rita", "journal.attempt", "failure"),
                ev(2 * i, i as i64, "bob", "journal.attempt", "failure"),
            ]
        })
        .collect()
}

fn held(actor: &str, seqs: std::ops::RangeInclusive<u64>, at_us: i64) -> Vec<Failure> {
    seqs.map(|seq| Failure {
        actor: actor.into(),
        time_us: T + at_us + seq as i64,
        seq,
    })
    .collect()
}

#[test]
fn the_rules_from_a_table_of_sequences() {
    let none = RuleState::default();
    let cases: Vec<(&str, Vec<AuditEvent>, RuleState, Vec<Short>)> = vec![
        ("no events", vec![], none.clone(), vec![]),
        (
            "routine events raise nothing",
            vec![
                ev(1, 0, "rita", "user.unlock", "success"),
                ev(2, 1, "rita", "patient.view", "success"),
                ev(3, 2, "rita", "user.lock", "success"),
            ],
            none.clone(),
            vec![],
        ),
        (
            "exactly 5 failures in a minute: none",
            failures(1, 5, 0, 10_000_000, "rita"),
            none.clone(),
            vec![prelock(1, "rita", 5)],
        ),
        (
            "6 failures: one alert, at the 6th",
            failures(1, 6, 0, 10_000_000, "rita"),
            none.clone(),
            vec![fu(6, "rita", 6), prelock(1, "rita", 6)],
        ),
        (
            "workstation-recorded failures count with the journal's",
            [
                failures(1, 3, 0, 1, "rita"),
                vec![
                    ev(4, 10, "rita", "user.unlock", "failure"),
                    ev(5, 11, "rita", "user.unlock", "failure"),
                    ev(6, 12, "rita", "user.unlock", "failure"),
                ],
            ]
            .concat(),
            none.clone(),
            vec![fu(6, "rita", 6), prelock(1, "rita", 3)],
        ),
        (
            "6 failures, the 6th exactly 5 minutes after the 1st: inside the window",
            failures(1, 6, 0, MIN, "rita"),
            none.clone(),
            vec![fu(6, "rita", 6), prelock(1, "rita", 6)],
        ),
        (
            "6 failures, the 6th 5 minutes and 1 µs after the 1st: outside",
            [
                failures(1, 5, 0, 1, "rita"),
                vec![ev(6, 5 * MIN + 5, "rita", "user.unlock", "failure")],
            ]
            .concat(),
            none.clone(),
            vec![prelock(1, "rita", 5)],
        ),
        (
            "two users, 5 failures each, interleaved: none",
            two_users(5),
            none.clone(),
            vec![prelock(1, "rita", 10)],
        ),
        (
            "two users, 6 each: one alert each",
            two_users(6),
            none.clone(),
            vec![fu(11, "rita", 6), fu(12, "bob", 6), prelock(1, "rita", 12)],
        ),
        (
            "refused (denied) attempts, successes and other actions are not failures",
            [
                failures(1, 5, 0, 1, "rita"),
                vec![
                    ev(6, 10, "rita", "journal.attempt", "denied"),
                    ev(7, 11, "rita", "user.unlock", "success"),
                    ev(8, 12, "rita", "user.first_login", "failure"),
                ],
            ]
            .concat(),
            none.clone(),
            vec![prelock(1, "rita", 6)],
        ),
        (
            "12 failures in a minute: one alert, not one per attempt",
            failures(1, 12, 0, 5_000_000, "rita"),
            none.clone(),
            vec![fu(6, "rita", 6), prelock(1, "rita", 12)],
        ),
        (
            "a sustained attack, one a minute: one alert per window",
            failures(1, 13, 0, MIN, "rita"),
            none.clone(),
            // The 6th at 5 min; the 11th (10 min) is the first a full window after it.
            vec![fu(6, "rita", 6), fu(11, "rita", 6), prelock(1, "rita", 13)],
        ),
        (
            "held failures of an earlier batch count",
            failures(4, 3, 2 * MIN, 1, "rita"),
            RuleState {
                prior_failures: held("rita", 1..=3, MIN),
                last_raised_us: HashMap::new(),
            },
            vec![fu(6, "rita", 6), prelock(4, "rita", 3)],
        ),
        (
            "held failures older than the window do not",
            failures(4, 3, 7 * MIN, 1, "rita"),
            RuleState {
                prior_failures: held("rita", 1..=3, MIN),
                last_raised_us: HashMap::new(),
            },
            vec![prelock(4, "rita", 3)],
        ),
        (
            "an alert raised in this window already holds the next",
            failures(7, 1, 2 * MIN, 1, "rita"),
            RuleState {
                prior_failures: held("rita", 1..=6, MIN),
                last_raised_us: HashMap::from([("rita".to_owned(), T + MIN + 6)]),
            },
            vec![prelock(7, "rita", 1)],
        ),
        (
            "another user's alert does not hold this one's",
            failures(1, 6, 0, 1, "rita"),
            RuleState {
                prior_failures: vec![],
                last_raised_us: HashMap::from([("bob".to_owned(), T)]),
            },
            vec![fu(6, "rita", 6), prelock(1, "rita", 6)],
        ),
        (
            "alert-level actions: account creation, re-enabling, redaction, clock",
            vec![
                ev(1, 0, "admin", "user.add", "success"),
                ev(2, 1, "admin", "user.enable", "success"),
                ev(3, 2, "admin", "user.disable", "success"),
                ev(4, 3, "admin", "audit.redact", "success"),
                ev(5, 4, "-", "vault.clock_accept", "success"),
            ],
            none.clone(),
            vec![
                (code::ALERT_ACTION, 1, "admin".into(), None),
                (code::ALERT_ACTION, 2, "admin".into(), None),
                (code::ALERT_ACTION, 4, "admin".into(), None),
                (code::ALERT_ACTION, 5, "-".into(), None),
            ],
        ),
        (
            "an unknown action raises nothing (the catalogue decides)",
            vec![ev(1, 0, "admin", "user.sudo", "success")],
            none.clone(),
            vec![],
        ),
        (
            "pre-unlock reports: one alert per batch, at the first, with their number",
            vec![
                ev(1, 0, "rita", "user.lock", "success"),
                ev(2, 1, "-", "journal.attempt", "denied"),
                ev(3, 2, "bob", "journal.attempt", "failure"),
                ev(4, 3, "bob", "journal.lockout", "failure"),
                ev(5, 4, "bob", "user.unlock", "success"),
            ],
            none.clone(),
            vec![prelock(2, "-", 3)],
        ),
    ];
    for (name, events, state, expected) in cases {
        let refs: Vec<&AuditEvent> = events.iter().collect();
        let raised = raise(&refs, &state);
        assert_eq!(short(&raised), expected, "{name}");
        for r in &raised {
            let event = events
                .iter()
                .find(|e| Some(e.seq) == r.seq)
                .expect("names one of the batch's events");
            assert_eq!(r.event_time_us, Some(event.time_us), "{name}");
            assert_eq!(r.action.as_deref(), Some(event.action.as_str()), "{name}");
        }
    }
}

#[test]
fn failure_scope_names_the_users_and_the_earliest_failure() {
    let events = [
        ev(1, 50, "rita", "journal.attempt", "failure"),
        ev(2, 10, "bob", "user.unlock", "failure"),
        ev(3, 5, "amy", "user.unlock", "success"),
        ev(4, 60, "rita", "user.unlock", "failure"),
    ];
    let refs: Vec<&AuditEvent> = events.iter().collect();
    assert_eq!(
        failure_scope(&refs),
        Some((vec!["rita".to_owned(), "bob".to_owned()], T + 10))
    );
    assert_eq!(failure_scope(&refs[2..3]), None);
}

#[test]
fn silence_is_raised_once_per_silence() {
    let after = 10 * MIN;
    let device = |id: &str, seen: i64, raised: Option<i64>, revoked: bool| Activity {
        device_id: id.into(),
        last_seen_us: T + seen,
        silence_raised_for_us: raised.map(|r| T + r),
        revoked,
    };
    let ids = |v: Vec<&Activity>| v.iter().map(|d| d.device_id.clone()).collect::<Vec<_>>();
    let devices = [
        device("quiet", 0, None, false),
        device("edge", MIN, None, false),
        device("recent", 5 * MIN, None, false),
        device("raised", 0, Some(0), false),
        device("seen-again", 1, Some(0), false),
        device("revoked", 0, None, true),
    ];
    // At T + 11 min: quiet and seen-again (raised for an earlier silence) are raised;
    // raised was already, revoked is expected to be silent; edge is silent exactly
    // 10 min, not more.
    assert_eq!(
        ids(silent(&devices, T + 11 * MIN, after)),
        ["quiet", "seen-again"]
    );
    assert_eq!(
        ids(silent(&devices, T + 11 * MIN + 1, after)),
        ["quiet", "edge", "seen-again"]
    );
    assert!(silent(&devices, T + 5 * MIN, after).is_empty());
}
