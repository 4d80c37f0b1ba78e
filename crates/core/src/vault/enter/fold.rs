//! What a successful entry folds into the chain: the pre-unlock journal's sealed lines,
//! an interrupted data-key rotation, and the journal's carry-over lines afterwards.

use super::*;
use clinic_vault_proto::Outcome;

/// A rotation whose `PRAGMA rekey` ran (the next key opened the database) is finished;
/// one that never reached it is abandoned, keeping the old key.
pub(super) fn settle_rotation(
    next: &mut KeyslotFile,
    used_next_key: bool,
    actor: (&str, &str),
) -> Vec<NewEvent> {
    if !next.slots.iter().any(|s| s.next_sealed_dek.is_some()) {
        return Vec::new();
    }
    for slot in &mut next.slots {
        let next_sealed = slot.next_sealed_dek.take();
        if used_next_key {
            if let Some(sealed) = next_sealed {
                slot.sealed_dek = sealed;
            }
        }
    }
    let (outcome, note) = if used_next_key {
        (
            Outcome::Success,
            "completed at unlock after an interruption",
        )
    } else {
        (
            Outcome::Failure,
            "interrupted before the database was re-encrypted; the old key stays in use",
        )
    };
    vec![NewEvent::new(actor.0, actor.1, Action::VaultRekey)
        .outcome(outcome)
        .detail(serde_json::json!({ "note": note }))]
}

/// What a fold leaves alone.
pub(super) struct Skip {
    /// Attempt ids whose `fail` line does not count: the succeeding attempt's own, and
    /// earlier ones that succeeded (recorded in `journal_folded` by their unit) whose
    /// journal was not rewritten before a crash.
    settled: HashSet<String>,
    /// Slots with an attempt running now (another account's, between its counted line
    /// and its end): their lines are neither folded nor compacted, but carried over as
    /// they are, so that attempt's `void` or success still finds its line.
    in_flight: HashSet<String>,
}

impl Skip {
    /// Records `own_attempt` as succeeded (inside the entry's unit) and finds what to
    /// leave alone.
    pub(super) fn find(
        tx: &Connection,
        paths: &VaultPaths,
        file: &KeyslotFile,
        journal: &Journal,
        own_attempt: &str,
        reset_slots: &[&str],
    ) -> Result<Skip> {
        tx.execute(
            "INSERT OR IGNORE INTO journal_folded (id) VALUES (?1)",
            [own_attempt],
        )?;
        let mut settled = HashSet::new();
        let mut in_flight = HashSet::new();
        let mut checked: HashSet<&str> = HashSet::new();
        let mut lookup = tx.prepare_cached("SELECT 1 FROM journal_folded WHERE id = ?1")?;
        for line in &journal.lines {
            if let (LineKind::Fail, Some(a)) = (line.k, line.a.as_deref()) {
                if !settled.contains(a) && lookup.exists([a])? {
                    settled.insert(a.to_string());
                }
            }
            if reset_slots.contains(&line.slot.as_str()) || !checked.insert(&line.slot) {
                continue;
            }
            let account = file
                .slots
                .iter()
                .find(|s| s.slot_id == line.slot)
                .and_then(|s| match s.kind {
                    SlotKind::Recovery => Some("recovery".to_string()),
                    SlotKind::User => s.user_id.clone(),
                });
            if let Some(account) = account {
                if crate::lockfile::attempt_in_flight(&paths.lock(), &account)? {
                    in_flight.insert(line.slot.clone());
                }
            }
        }
        Ok(Skip { settled, in_flight })
    }

    fn counts(&self, line: &journal::Line, voided: &HashSet<&str>) -> bool {
        journal::counts(line, voided)
            && !line.a.as_deref().is_some_and(|a| self.settled.contains(a))
    }
}

/// Most characters of a reported result code (`bad_credentials`, `locked_out`, …).
const MAX_RESULT_CHARS: usize = 40;

/// A journal line's sealed detail as it may enter the chain: every field checked, the
/// user name kept only if it is a valid user name (else recorded as unknown), and the
/// time brought inside `window` (the latest time the vault saw, the unlock's time).
struct Report {
    id: String,
    user: String,
    attempt: &'static str,
    result: String,
    time_us: i64,
    reported_time_us: Option<i64>,
}

fn report(detail: Detail, window: (i64, i64)) -> Option<Report> {
    let attempt = match detail.attempt.as_str() {
        "unlock" => "unlock",
        "first_login" => "first_login",
        "recovery" => "recovery",
        "quick_unlock" => "quick_unlock",
        _ => return None,
    };
    let id_ok = !detail.id.is_empty()
        && detail.id.len() <= 64
        && detail
            .id
            .bytes()
            .all(|b| b.is_ascii_hexdigit() || b == b'-');
    let result_ok = !detail.result.is_empty()
        && detail.result.len() <= MAX_RESULT_CHARS
        && detail
            .result
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b == b'_');
    if !id_ok || !result_ok {
        return None;
    }
    let user = validate_user_name(&detail.user).unwrap_or_else(|_| NOBODY.to_string());
    let time_us = detail.time_us.clamp(window.0, window.1);
    Some(Report {
        id: detail.id,
        user,
        attempt,
        result: detail.result,
        reported_time_us: (time_us != detail.time_us).then_some(detail.time_us),
        time_us,
    })
}

/// Folds the journal's sealed lines into events. Nothing in the journal can make this
/// fail: a line that cannot be read, opened or trusted is counted and the journal is
/// quarantined with a `journal.quarantine` event. Every folded line becomes a
/// `journal.attempt` (or `journal.lockout`) event: an unauthenticated report, since
/// anyone who can write the vault directory can seal a line. `own_attempt` is the
/// succeeding attempt's own counted line, which its success replaces.
pub(super) fn fold_journal(
    conn: &Connection,
    key: &PrivateKey,
    journal: &Journal,
    skip: &Skip,
    window: (i64, i64),
) -> Result<Vec<NewEvent>> {
    let mut events = Vec::new();
    let mut counts: HashMap<&str, u32> = HashMap::new();
    let voided = journal.voided();
    let (mut n_unopenable, mut n_untrusted) = (0usize, 0usize);
    let mut seen_ids = HashSet::new();
    for line in &journal.lines {
        if skip.in_flight.contains(&line.slot) {
            continue;
        }
        let count = counts.entry(line.slot.as_str()).or_default();
        match line.k {
            LineKind::Fail if skip.counts(line, &voided) => *count += 1,
            LineKind::Clear => *count = 0,
            LineKind::Fail | LineKind::Refused | LineKind::Noted | LineKind::Void => {}
        }
        let n_failures = *count;
        if line.sealed.is_none() {
            continue;
        }
        // The attempt that succeeds now, and attempts taken back by a `void` line (which
        // carries their real result), are not reported as failures.
        if line.k == LineKind::Fail
            && line
                .a
                .as_deref()
                .is_some_and(|a| skip.settled.contains(a) || voided.contains(a))
        {
            continue;
        }
        let Some(detail) = journal::open_detail(key, line) else {
            n_unopenable += 1;
            continue;
        };
        let Some(report) = report(detail, window) else {
            n_untrusted += 1;
            continue;
        };
        let already: bool = conn
            .query_row(
                "SELECT 1 FROM journal_folded WHERE id = ?1",
                [&report.id],
                |_| Ok(()),
            )
            .optional()?
            .is_some();
        if already || !seen_ids.insert(report.id.clone()) {
            continue;
        }
        conn.execute("INSERT INTO journal_folded (id) VALUES (?1)", [&report.id])?;
        let outcome = if line.k == LineKind::Refused {
            Outcome::Denied
        } else {
            Outcome::Failure
        };
        let mut detail = serde_json::json!({
            "attempt": report.attempt,
            "result": report.result,
            "while": "locked",
            "origin": "prelock_journal",
        });
        if let Some(reported) = report.reported_time_us {
            detail["reported_time_us"] = serde_json::json!(reported.to_string());
        }
        events.push(
            NewEvent::new(&report.user, NOBODY, Action::JournalAttempt)
                .resource(report.user.clone())
                .outcome(outcome)
                .at(report.time_us)
                .detail(detail),
        );
        if line.k == LineKind::Fail
            && (n_failures == journal::DELAY_AFTER_FAILURES
                || n_failures == journal::HARD_LOCK_AFTER_FAILURES)
        {
            let hard = n_failures == journal::HARD_LOCK_AFTER_FAILURES;
            events.push(
                NewEvent::new(&report.user, NOBODY, Action::JournalLockout)
                    .resource(report.user.clone())
                    .outcome(Outcome::Failure)
                    .at(report.time_us)
                    .detail(serde_json::json!({
                        "failures": n_failures,
                        "until_cleared": hard,
                        "origin": "prelock_journal",
                    })),
            );
        }
    }
    if journal.n_unreadable > 0 || n_unopenable > 0 || n_untrusted > 0 {
        conn.execute(
            "INSERT INTO journal_quarantine (time_us, content) VALUES (?1, ?2)",
            params![window.1, journal.raw],
        )?;
        events.push(
            NewEvent::new(NOBODY, NOBODY, Action::JournalQuarantine)
                .outcome(Outcome::Failure)
                .detail(serde_json::json!({
                    "unreadable_lines": journal.n_unreadable,
                    "unopenable_lines": n_unopenable,
                    "malformed_lines": n_untrusted,
                    "note": "the pre-unlock journal held lines that were not written by this vault, or were malformed; kept in journal_quarantine",
                })),
        );
    }
    Ok(events)
}

/// The journal after a fold: for each live slot still counting failures, that many
/// unsealed lines at its last failure time (already folded, so never folded again),
/// dated no later than now.
pub(super) fn carry_over(
    journal: &Journal,
    skip: &Skip,
    reset_slots: &[&str],
    live_slots: &[&str],
    now_us: i64,
) -> Vec<journal::Line> {
    let mut slots: Vec<&str> = journal.lines.iter().map(|l| l.slot.as_str()).collect();
    slots.sort_unstable();
    slots.dedup();
    let now_secs = crate::clock::us_to_secs(now_us);
    let voided = journal.voided();
    let mut lines = Vec::new();
    for slot in slots
        .into_iter()
        .filter(|s| live_slots.contains(s) && !reset_slots.contains(s))
    {
        if skip.in_flight.contains(slot) {
            lines.extend(journal.lines.iter().filter(|l| l.slot == slot).cloned());
            continue;
        }
        let mut counter = journal::Counter::default();
        for line in journal.lines.iter().filter(|l| l.slot == slot) {
            match line.k {
                LineKind::Fail if skip.counts(line, &voided) => {
                    counter.n_failures = counter.n_failures.saturating_add(1);
                    counter.last_failure_secs = counter.last_failure_secs.max(line.t);
                }
                LineKind::Clear => counter = journal::Counter::default(),
                _ => {}
            }
        }
        for _ in 0..counter.n_failures.min(journal::HARD_LOCK_AFTER_FAILURES) {
            lines.push(journal::Line {
                slot: slot.to_string(),
                t: counter.last_failure_secs.min(now_secs),
                k: LineKind::Fail,
                a: None,
                sealed: None,
            });
        }
    }
    lines
}
