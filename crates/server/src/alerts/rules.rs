//! The alert rules as pure functions: from a device's newly stored events (their
//! action and outcome as the catalogue in `clinic-vault-proto` names them, never local
//! detail, which is not synced) and the little state the rules need, the alerts to
//! raise. The store runs [`raise`] inside the ingest transaction; [`silent`] is run by
//! the silence task (`super::silence`). Chain breaks, forks and gaps are the ingest's
//! own refusals (`crate::chain::Refusal`), recorded under their codes; nothing here
//! detects them again.

use std::collections::HashMap;

use clinic_vault_proto::actions::{Action, AlertLevel, Outcome};
use clinic_vault_proto::AuditEvent;

/// The window of the failed-unlock rule, in microseconds of event time (5 minutes).
pub const FAILED_UNLOCK_WINDOW_US: i64 = 5 * 60 * 1_000_000;
/// More failed unlocks than this for one user within the window raise an alert.
pub const MAX_FAILED_UNLOCKS: usize = 5;

/// The alert codes the rules raise (refusals keep `Refusal::code`).
pub mod code {
    /// More than [`super::MAX_FAILED_UNLOCKS`] failed unlocks for one user within
    /// [`super::FAILED_UNLOCK_WINDOW_US`].
    pub const FAILED_UNLOCKS: &str = "failed_unlocks";
    /// An alert-level action of the catalogue (account creation, re-enabling, …).
    pub const ALERT_ACTION: &str = "alert_action";
    /// A batch carried unauthenticated reports of the pre-unlock journal.
    pub const PRELOCK_REPORTS: &str = "prelock_reports";
    /// A device sent nothing for longer than the configured time.
    pub const DEVICE_SILENT: &str = "device_silent";
}

/// An alert the rules ask for: what, at which event, about whom. No PHI: the user id
/// and action name are the events' own, as the admin's audit search shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Raise {
    /// The alert's code ([`code`]).
    pub code: &'static str,
    /// The event it is about.
    pub seq: Option<u64>,
    /// The event's time, microseconds UTC.
    pub event_time_us: Option<i64>,
    /// The user the event names (its actor).
    pub actor: Option<String>,
    /// The event's action.
    pub action: Option<String>,
    /// How many events it covers (failures in the window, reports in the batch).
    pub n_events: Option<u64>,
}

/// A failed unlock already held for this device (the state of the failed-unlock rule).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// Its actor.
    pub actor: String,
    /// Its event time.
    pub time_us: i64,
    /// Its seq.
    pub seq: u64,
}

/// What the rules need besides the new events: the device's held failed unlocks of
/// the users the batch's failures name, from [`FAILED_UNLOCK_WINDOW_US`] before the
/// earliest of them on, and the event time of each such user's latest
/// `failed_unlocks` alert on this device.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleState {
    /// Held failures, any order.
    pub prior_failures: Vec<Failure>,
    /// Per user, the event time of the latest `failed_unlocks` alert raised.
    pub last_raised_us: HashMap<String, i64>,
}

/// Whether an event is a failed unlock: an entry attempt that failed, as the workstation
/// recorded it (`user.unlock`) or as the pre-unlock journal reported it
/// (`journal.attempt`; a refused attempt, `denied`, is not counted, as the workstation's
/// own lockout does not count it).
pub fn is_failed_unlock(event: &AuditEvent) -> bool {
    failed_unlock(Action::from_wire(&event.action), event)
}

fn failed_unlock(action: Option<Action>, event: &AuditEvent) -> bool {
    matches!(action, Some(Action::UserUnlock | Action::JournalAttempt))
        && event.outcome == Outcome::Failure.wire_name()
}

fn prelock_report(action: Option<Action>) -> bool {
    matches!(
        action,
        Some(Action::JournalAttempt | Action::JournalLockout)
    )
}

/// Whether an event is an unauthenticated report of the pre-unlock journal.
pub fn is_prelock_report(event: &AuditEvent) -> bool {
    prelock_report(Action::from_wire(&event.action))
}

/// The users whose failed unlocks the batch holds, and the earliest such event time:
/// what the store reads [`RuleState`] for. `None` when the batch holds none.
pub fn failure_scope(events: &[&AuditEvent]) -> Option<(Vec<String>, i64)> {
    let mut actors: Vec<String> = Vec::new();
    let mut earliest = i64::MAX;
    for event in events.iter().filter(|e| is_failed_unlock(e)) {
        if !actors.contains(&event.actor) {
            actors.push(event.actor.clone());
        }
        earliest = earliest.min(event.time_us);
    }
    (!actors.is_empty()).then_some((actors, earliest))
}

/// The alerts a device's newly stored events (ascending seq) raise, given `state`.
///
/// - Failed unlocks: when a failure makes more than [`MAX_FAILED_UNLOCKS`] failures of
///   its user within [`FAILED_UNLOCK_WINDOW_US`] (both ends inclusive: the 6th failure
///   exactly 5 minutes after the 1st counts), unless an alert for that user was raised
///   at a failure less than a window earlier: a sustained attack raises one alert per
///   window, not one per attempt. Users are counted apart, by the events' actor (`-`,
///   the journal's unknown names, is one user).
/// - Each alert-level action of the catalogue raises one alert.
/// - A batch holding pre-unlock journal reports raises one alert, at its first report,
///   with their number.
pub fn raise(events: &[&AuditEvent], state: &RuleState) -> Vec<Raise> {
    let mut out = Vec::new();
    let mut failures: HashMap<&str, Vec<(i64, u64)>> = HashMap::new();
    for failure in &state.prior_failures {
        failures
            .entry(failure.actor.as_str())
            .or_default()
            .push((failure.time_us, failure.seq));
    }
    let mut last_raised: HashMap<&str, i64> = state
        .last_raised_us
        .iter()
        .map(|(actor, time)| (actor.as_str(), *time))
        .collect();
    let mut first_report: Option<&AuditEvent> = None;
    let mut n_reports = 0u64;
    for &event in events {
        // The catalogue is searched once per event.
        let action = Action::from_wire(&event.action);
        if failed_unlock(action, event) {
            let held = failures.entry(event.actor.as_str()).or_default();
            held.push((event.time_us, event.seq));
            let from = event.time_us.saturating_sub(FAILED_UNLOCK_WINDOW_US);
            let n_window = held
                .iter()
                .filter(|(time, _)| (from..=event.time_us).contains(time))
                .count();
            let recently_raised = last_raised
                .get(event.actor.as_str())
                .is_some_and(|&raised| raised > from && raised <= event.time_us);
            if n_window > MAX_FAILED_UNLOCKS && !recently_raised {
                last_raised.insert(event.actor.as_str(), event.time_us);
                out.push(Raise {
                    code: code::FAILED_UNLOCKS,
                    seq: Some(event.seq),
                    event_time_us: Some(event.time_us),
                    actor: Some(event.actor.clone()),
                    action: Some(event.action.clone()),
                    n_events: Some(n_window as u64),
                });
            }
        }
        if action.is_some_and(|a| a.level() == AlertLevel::Alert) {
            out.push(Raise {
                code: code::ALERT_ACTION,
                seq: Some(event.seq),
                event_time_us: Some(event.time_us),
                actor: Some(event.actor.clone()),
                action: Some(event.action.clone()),
                n_events: None,
            });
        }
        if prelock_report(action) {
            first_report.get_or_insert(event);
            n_reports += 1;
        }
    }
    if let Some(first) = first_report {
        out.push(Raise {
            code: code::PRELOCK_REPORTS,
            seq: Some(first.seq),
            event_time_us: Some(first.time_us),
            actor: Some(first.actor.clone()),
            action: Some(first.action.clone()),
            n_events: Some(n_reports),
        });
    }
    out
}

/// What the silence rule knows of a device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    /// The device.
    pub device_id: String,
    /// Its last accepted batch (its enrollment when none), microseconds UTC.
    pub last_seen_us: i64,
    /// The `last_seen_us` a silence alert was raised for, if one was.
    pub silence_raised_for_us: Option<i64>,
    /// Whether it is revoked (a revoked device is expected to be silent).
    pub revoked: bool,
}

/// The devices to raise a silence alert for at `now_us`: active, nothing seen for more
/// than `after_us`, and no alert raised yet for this silence (one per silence, however
/// often it is checked; a device that is seen again and falls silent again is raised
/// again).
pub fn silent(devices: &[Activity], now_us: i64, after_us: i64) -> Vec<&Activity> {
    devices
        .iter()
        .filter(|d| {
            !d.revoked
                && now_us.saturating_sub(d.last_seen_us) > after_us
                && d.silence_raised_for_us != Some(d.last_seen_us)
        })
        .collect()
}

#[cfg(test)]
mod tests;
