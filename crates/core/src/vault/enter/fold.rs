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

pub(super) fn fold_journal(
    conn: &Connection,
    key: &PrivateKey,
    journal: &Journal,
    now_us: i64,
) -> Result<Vec<NewEvent>> {
    let mut events = Vec::new();
    let mut counts: HashMap<&str, u32> = HashMap::new();
    let mut n_unopenable = 0usize;
    let mut seen_ids = HashSet::new();
    for line in &journal.lines {
        let count = counts.entry(line.slot.as_str()).or_default();
        match line.k {
            LineKind::Fail => *count += 1,
            LineKind::Clear => *count = 0,
            LineKind::Refused | LineKind::Noted => {}
        }
        let n_failures = *count;
        if line.sealed.is_none() {
            continue;
        }
        let Some(detail) = journal::open_detail(key, line) else {
            n_unopenable += 1;
            continue;
        };
        let already: bool = conn
            .query_row(
                "SELECT 1 FROM journal_folded WHERE id = ?1",
                [&detail.id],
                |_| Ok(()),
            )
            .optional()?
            .is_some();
        if already || !seen_ids.insert(detail.id.clone()) {
            continue;
        }
        conn.execute("INSERT INTO journal_folded (id) VALUES (?1)", [&detail.id])?;
        let action = match detail.attempt.as_str() {
            "recovery" => Action::RecoveryUse,
            "first_login" => Action::UserFirstLogin,
            _ => Action::UserUnlock,
        };
        let outcome = if line.k == LineKind::Refused {
            Outcome::Denied
        } else {
            Outcome::Failure
        };
        let actor = if detail.user.is_empty() {
            NOBODY.to_string()
        } else {
            detail.user.clone()
        };
        events.push(
            NewEvent::new(&actor, NOBODY, action)
                .resource(actor.clone())
                .outcome(outcome)
                .at(detail.time_us)
                .detail(serde_json::json!({ "result": detail.result, "while": "locked" })),
        );
        if line.k == LineKind::Fail
            && (n_failures == journal::DELAY_AFTER_FAILURES
                || n_failures == journal::HARD_LOCK_AFTER_FAILURES)
        {
            let hard = n_failures == journal::HARD_LOCK_AFTER_FAILURES;
            events.push(
                NewEvent::new(&actor, NOBODY, Action::UserLockout)
                    .resource(actor.clone())
                    .outcome(Outcome::Failure)
                    .at(detail.time_us)
                    .detail(serde_json::json!({ "failures": n_failures, "until_cleared": hard })),
            );
        }
    }
    if journal.n_unreadable > 0 || n_unopenable > 0 {
        conn.execute(
            "INSERT INTO journal_quarantine (time_us, content) VALUES (?1, ?2)",
            params![now_us, journal.raw],
        )?;
        events.push(
            NewEvent::new(NOBODY, NOBODY, Action::JournalQuarantine)
                .outcome(Outcome::Failure)
                .detail(serde_json::json!({
                    "unreadable_lines": journal.n_unreadable,
                    "unopenable_lines": n_unopenable,
                    "note": "the pre-unlock journal held lines that were not written by this vault; kept in journal_quarantine",
                })),
        );
    }
    Ok(events)
}

/// The journal after a fold: for each live slot still counting failures, that many
/// unsealed lines at its last failure time (already folded, so never folded again).
pub(super) fn carry_over(
    journal: &Journal,
    reset_slots: &[&str],
    live_slots: &[&str],
) -> Vec<journal::Line> {
    let mut slots: Vec<&str> = journal.lines.iter().map(|l| l.slot.as_str()).collect();
    slots.sort_unstable();
    slots.dedup();
    let mut lines = Vec::new();
    for slot in slots
        .into_iter()
        .filter(|s| live_slots.contains(s) && !reset_slots.contains(s))
    {
        let counter = journal::counter(journal, slot);
        for _ in 0..counter.n_failures {
            lines.push(journal::Line {
                slot: slot.to_string(),
                t: counter.last_failure_secs,
                k: LineKind::Fail,
                sealed: None,
            });
        }
    }
    lines
}
