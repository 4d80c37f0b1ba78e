//! The v2 chain through core's API: every event's digest recomputes from what `list`
//! shows; each way of editing the local rows breaks the chain at that event; a
//! redaction allows exactly the events it names, and nobody but an admin records one.

use clinic_vault_proto::{chain_hash, detail_digest, AuditEvent, EventFormat, Hash32};

use super::{verify, AuditFilter, ListedEvent, RedactionReason};
use crate::error::Error;
use crate::records::{NewPatient, SearchOptions};
use crate::vault::tests::Fixture;
use crate::{Role, Session};

const RITA_PW: &str = "plum orbit violet candle 42";

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex"))
        .collect()
}

/// A vault where rita added two patients and searched for them (a search with two
/// hits), then the admin is unlocked. Returns the admin and the search's seq.
fn vault_with_a_search() -> (Fixture, String, Session, u64) {
    let f = Fixture::new();
    let rita_uri = f.add_user("rita", Role::Receptionist, RITA_PW);
    let mut rita = f.unlock_as("rita", RITA_PW, &rita_uri).expect("unlock");
    for (given, dob) in [("Zoë", "1990-02-03"), ("Zora", "1991-03-04")] {
        let patient = NewPatient {
            given: given.into(),
            family: "Müller".into(),
            dob: dob.into(),
            ..NewPatient::default()
        };
        rita.add_patient(&patient, false).expect("add");
    }
    let hits = rita
        .search_patients("müller", &SearchOptions::default())
        .expect("search");
    assert_eq!(hits.len(), 2);
    rita.lock().expect("lock");
    let mut admin = f.admin();
    let search = events(&mut admin, "patient.search")[0].seq;
    (f, rita_uri, admin, search)
}

fn events(session: &mut Session, action: &str) -> Vec<ListedEvent> {
    session
        .audit_list(&AuditFilter {
            action: Some(action.into()),
            ..AuditFilter::default()
        })
        .expect("list")
}

fn all_events(session: &mut Session) -> Vec<ListedEvent> {
    session.audit_list(&AuditFilter::default()).expect("list")
}

/// `verify` on the admin's connection after `tamper`, all inside a transaction that is
/// rolled back: the vault is unchanged afterwards.
fn verify_after(admin: &mut Session, tamper: &str) -> Result<super::ChainReport, Error> {
    let vault_id = admin.p.vault_id.clone();
    let tx = admin.p.conn.unchecked_transaction().expect("tx");
    tx.execute_batch(tamper).expect("tamper");
    let result = verify(&tx, &vault_id, None);
    tx.rollback().expect("rollback");
    result
}

#[test]
fn every_new_event_is_v2_and_its_digest_recomputes_from_the_listing() {
    let (_f, _, mut admin, search) = vault_with_a_search();
    let listed = all_events(&mut admin);
    assert!(listed.len() > 10);
    for e in &listed {
        let EventFormat::V2 {
            detail_digest: covered,
        } = e.event.format().expect("format")
        else {
            panic!("event {} is not v2", e.seq);
        };
        let salt: [u8; 32] = unhex(e.salt.as_deref().expect("a salt"))
            .try_into()
            .expect("32");
        let digest = detail_digest(&salt, e.detail.as_ref(), &e.search_hits).expect("digest");
        assert_eq!(digest, covered, "event {}", e.seq);
    }
    let shown = listed.iter().find(|e| e.seq == search).expect("the search");
    assert_eq!(shown.search_hits.len(), 2);
    assert_eq!(shown.detail.as_ref().expect("detail")["query"], "müller");
    let report = admin.audit_verify(None).expect("verify");
    assert_eq!(
        (report.n_v1_events, report.n_v2_events, report.n_redacted),
        (0, report.n_events, 0)
    );
}

#[test]
fn each_edit_of_the_local_rows_breaks_the_chain_at_its_event() {
    let (_f, _, mut admin, s) = vault_with_a_search();
    // An event with neither detail nor hits: rita's first patient.create.
    let bare = events(&mut admin, "patient.create")[0].seq;
    let hit = all_events(&mut admin)
        .into_iter()
        .find(|e| e.seq == s)
        .expect("search")
        .search_hits[0]
        .clone();
    let changed = "changed, added or removed";
    let cases = [
        (s, format!("DELETE FROM audit_detail WHERE seq = {s}"), changed),
        (
            s,
            format!("UPDATE audit_detail SET detail = replace(detail, 'müller', 'smith') WHERE seq = {s}"),
            changed,
        ),
        (
            s,
            format!("DELETE FROM audit_search_hits WHERE seq = {s} AND patient_id = '{hit}'"),
            changed,
        ),
        (
            s,
            format!("INSERT INTO audit_search_hits (seq, patient_id) VALUES ({s}, 'someone-else')"),
            changed,
        ),
        (
            s,
            format!("UPDATE audit_salts SET salt = zeroblob(32) WHERE seq = {s}"),
            changed,
        ),
        (
            bare,
            format!("INSERT INTO audit_detail (seq, detail) VALUES ({bare}, '{{}}')"),
            changed,
        ),
        (
            bare,
            format!("INSERT INTO audit_search_hits (seq, patient_id) VALUES ({bare}, '{hit}')"),
            changed,
        ),
        (
            s,
            format!("DELETE FROM audit_salts WHERE seq = {s}"),
            "there without their salt",
        ),
        (
            s,
            format!(
                "DELETE FROM audit_detail WHERE seq = {s}; DELETE FROM audit_search_hits WHERE seq = {s};
                 DELETE FROM audit_salts WHERE seq = {s}"
            ),
            "no redaction event names it",
        ),
        (
            bare,
            format!("UPDATE audit_events SET format = 1, detail_digest = NULL WHERE seq = {bare}"),
            "does not match its hash",
        ),
        (
            bare,
            format!("UPDATE audit_events SET format = 3 WHERE seq = {bare}"),
            "format is not valid",
        ),
    ];
    for (seq, tamper, why) in &cases {
        let err = verify_after(&mut admin, tamper).expect_err(tamper);
        let text = err.to_string();
        assert_eq!(err.code(), "corrupt", "{tamper}");
        assert!(
            text.contains(&format!("broken at event {seq}:")) && text.contains(why),
            "{tamper}: {text}"
        );
    }
    // Every edit was rolled back: the vault verifies.
    admin.audit_verify(None).expect("intact");
}

#[test]
fn a_tail_rewritten_as_v1_to_shed_its_digest_is_caught_without_an_anchor() {
    // Whoever holds the data key can recompute hashes; rewriting the last event as v1
    // (no digest, so its detail could go) still breaks the rule that formats only move
    // forward.
    let (_f, _, mut admin, _) = vault_with_a_search();
    let last = all_events(&mut admin).pop().expect("events");
    let mut v1: AuditEvent = last.event.clone();
    v1.format = None;
    v1.detail_digest = None;
    let prev: Hash32 = unhex(&last.prev_hash).try_into().expect("32");
    let hash = chain_hash(&prev, &v1.canonical_bytes().expect("v1"));
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    let tamper = format!(
        "DELETE FROM audit_salts WHERE seq = {seq}; DELETE FROM audit_detail WHERE seq = {seq};
         UPDATE audit_events SET format = 1, detail_digest = NULL, hash = X'{hex}' WHERE seq = {seq}",
        seq = last.seq
    );
    let err = verify_after(&mut admin, &tamper).expect_err("caught");
    assert!(
        err.to_string()
            .contains(&format!("event {}: a v1 event after v2 events", last.seq)),
        "{err}"
    );
}

#[test]
fn a_redaction_allows_exactly_the_events_it_names() {
    let (f, _, mut admin, s) = vault_with_a_search();
    let bare = events(&mut admin, "patient.create")[0].seq;
    let redacted = admin
        .redact_audit_detail(&[s], RedactionReason::Erasure)
        .expect("redact");
    assert_eq!(
        (
            redacted.events.as_str(),
            redacted.n_details,
            redacted.n_search_hits,
            redacted.n_salts
        ),
        (s.to_string().as_str(), 1, 2, 1)
    );
    let redaction = events(&mut admin, "audit.redact").pop().expect("recorded");
    assert_eq!(
        redaction.event.resource_id.as_deref(),
        Some(s.to_string().as_str())
    );
    assert_eq!(redaction.event.outcome, "success");
    assert_eq!(redaction.event.actor, "alice");
    assert_eq!(
        redaction.detail,
        Some(serde_json::json!({ "reason": "erasure" }))
    );
    let report = admin
        .audit_verify(None)
        .expect("a named event may lack its detail");
    assert_eq!(report.n_redacted, 1);
    let shown = all_events(&mut admin)
        .into_iter()
        .find(|e| e.seq == s)
        .expect("still listed");
    assert_eq!(
        (
            shown.detail,
            shown.search_hits.len(),
            shown.salt,
            shown.redacted_by
        ),
        (None, 0, None, Some(redaction.seq))
    );
    // "Who saw this patient" no longer finds the redacted search.
    let patient = events(&mut admin, "patient.create")[0]
        .event
        .patient_id
        .clone()
        .expect("patient");
    let seen = admin
        .audit_list(&AuditFilter {
            patient: Some(patient.into()),
            ..AuditFilter::default()
        })
        .expect("list");
    assert!(seen.iter().all(|e| e.seq != s));

    // An event it does not name may not lose its rows; a named one may not get a
    // detail back under a new salt.
    let err = verify_after(
        &mut admin,
        &format!("DELETE FROM audit_salts WHERE seq = {bare}"),
    )
    .expect_err("not named");
    assert!(
        err.to_string().contains(&format!(
            "event {bare}: its local detail, search hits and salt were removed, and no redaction"
        )),
        "{err}"
    );
    let err = verify_after(
        &mut admin,
        &format!(
            "INSERT INTO audit_salts (seq, salt) VALUES ({s}, zeroblob(32));
             INSERT INTO audit_detail (seq, detail) VALUES ({s}, '{{\"query\":\"müller\"}}')"
        ),
    )
    .expect_err("restored detail");
    assert!(err.to_string().contains(&format!("event {s}:")), "{err}");
    admin.lock().expect("lock");

    // A redaction that names nothing, event 0 or events beyond the chain is refused as
    // input; the last, checked inside the unit, is also recorded as a failure (it names
    // nothing verify would accept).
    let mut admin = f.admin();
    let head = admin.audit_head().expect("head").0;
    for seqs in [vec![head + 5], vec![], vec![0]] {
        let err = admin
            .redact_audit_detail(&seqs, RedactionReason::Retention)
            .expect_err("refused");
        assert_eq!(err.code(), "invalid_input", "{seqs:?}");
    }
    let failures = events(&mut admin, "audit.redact");
    assert_eq!(
        failures
            .iter()
            .filter(|e| e.event.outcome == "failure")
            .count(),
        1
    );
    admin
        .audit_verify(None)
        .expect("failed redactions name nothing");
}

#[test]
fn only_an_admin_may_redact() {
    let (f, rita_uri, admin, s) = vault_with_a_search();
    admin.lock().expect("lock");
    let mut rita = f.unlock_as("rita", RITA_PW, &rita_uri).expect("unlock");
    let err = rita
        .redact_audit_detail(&[s], RedactionReason::Erasure)
        .expect_err("denied");
    assert_eq!(err.code(), "forbidden");
    rita.lock().expect("lock");
    let mut admin = f.admin();
    let denied = events(&mut admin, "audit.redact");
    assert_eq!(denied.len(), 1);
    assert_eq!(
        (
            denied[0].event.actor.as_str(),
            denied[0].event.outcome.as_str()
        ),
        ("rita", "denied")
    );
    let shown = all_events(&mut admin)
        .into_iter()
        .find(|e| e.seq == s)
        .expect("search");
    assert!(
        shown.detail.is_some() && shown.salt.is_some(),
        "nothing removed"
    );
}
