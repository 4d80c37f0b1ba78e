//! The audited unit of work: what a failing operation leaves behind (a `failure` event
//! and nothing of its change), what it never writes (anything after `corrupt`), and that
//! the original error survives a failed failure record.

use std::fs;

use super::tests::Fixture;
use super::*;
use crate::audit::AuditFilter;

fn events(admin: &mut Session, action: &str) -> Vec<crate::audit::ListedEvent> {
    admin
        .audit_list(&AuditFilter {
            action: Some(action.into()),
            ..AuditFilter::default()
        })
        .expect("audit list")
}

#[test]
fn a_conflict_after_the_check_is_audited_as_a_failure_and_changes_nothing() {
    let f = Fixture::new();
    let mut admin = f.admin();
    admin.add_user("bob", Role::Clinician).expect("add bob");
    let slots_before = fs::read(f.root.join("keyslots")).expect("read");
    let err = admin
        .add_user("Bob", Role::Receptionist)
        .expect_err("a second bob");
    assert_eq!(err.code(), "conflict");
    assert_eq!(
        fs::read(f.root.join("keyslots")).expect("read"),
        slots_before,
        "a failed operation publishes no key slots"
    );
    let adds = events(&mut admin, "user.add");
    let last = adds.last().expect("events");
    assert_eq!(last.event.outcome, "failure");
    assert_eq!(last.event.actor, "alice");
    assert_eq!(last.event.resource_id.as_deref(), Some("Bob"));
    assert_eq!(
        last.detail.as_ref().and_then(|d| d["error"].as_str()),
        Some("conflict")
    );
    let users = admin.list_users().expect("list");
    assert_eq!(
        users
            .iter()
            .filter(|u| u.name.eq_ignore_ascii_case("bob"))
            .count(),
        1
    );
    assert!(keystate::load(&admin.p.conn)
        .expect("state")
        .pending
        .is_none());
}

#[test]
fn a_denial_stays_denied_without_detail() {
    let f = Fixture::new();
    let uri = f.add_user(
        "carol",
        Role::Receptionist,
        "an even longer passphrase for the desk",
    );
    let mut carol = f
        .unlock_as("carol", "an even longer passphrase for the desk", &uri)
        .expect("carol");
    let err = carol.add_user("mallory", Role::Admin).expect_err("denied");
    assert_eq!(err.code(), "forbidden");
    carol.lock().expect("lock");
    let mut admin = f.admin();
    let adds = events(&mut admin, "user.add");
    let last = adds.last().expect("events");
    assert_eq!(last.event.outcome, "denied");
    assert_eq!(last.event.actor, "carol");
    assert!(last.detail.is_none());
}

#[test]
fn after_a_corrupt_error_nothing_more_is_written() {
    let f = Fixture::new();
    let mut admin = f.admin();
    admin
        .p
        .conn
        .execute("UPDATE audit_events SET actor = 'eve' WHERE seq = 2", [])
        .expect("tamper");
    let head_before: i64 = admin
        .p
        .conn
        .query_row("SELECT max(seq) FROM audit_events", [], |r| r.get(0))
        .expect("head");
    let err = admin.audit_verify(None).expect_err("tampering found");
    assert_eq!(err.code(), "corrupt");
    let head_after: i64 = admin
        .p
        .conn
        .query_row("SELECT max(seq) FROM audit_events", [], |r| r.get(0))
        .expect("head");
    assert_eq!(head_after, head_before, "no event after a corrupt error");
}

#[test]
fn when_the_failure_record_cannot_be_written_the_original_error_is_returned() {
    let f = Fixture::new();
    let mut admin = f.admin();
    admin.add_user("bob", Role::Clinician).expect("add bob");
    admin
        .p
        .conn
        .execute_batch(
            "CREATE TEMP TRIGGER refuse_failures BEFORE INSERT ON audit_events
             WHEN NEW.outcome = 'failure'
             BEGIN SELECT RAISE(ABORT, 'audit storage unavailable'); END;",
        )
        .expect("trigger");
    let err = admin
        .add_user("bob", Role::Clinician)
        .expect_err("conflict");
    assert_eq!(err.code(), "conflict");
    admin
        .p
        .conn
        .execute_batch("DROP TRIGGER refuse_failures")
        .expect("drop trigger");
    let adds = events(&mut admin, "user.add");
    assert!(adds.iter().all(|e| e.event.outcome != "failure"));
}

#[test]
fn a_failed_validation_inside_an_operation_is_audited() {
    let f = Fixture::new();
    let mut admin = f.admin();
    let err = admin
        .audit_verify(Some("not-a-head"))
        .expect_err("malformed anchor");
    assert_eq!(err.code(), "invalid_input");
    let verifies = events(&mut admin, "audit.verify");
    let last = verifies.last().expect("events");
    assert_eq!(last.event.outcome, "failure");
    assert_eq!(
        last.detail.as_ref().and_then(|d| d["error"].as_str()),
        Some("invalid_input")
    );
}

#[test]
fn a_duplicate_probe_carries_the_existing_patient_and_is_audited_under_them() {
    use crate::error::RecordError;
    use crate::records::NewPatient;
    let f = Fixture::new();
    let pw = "front desk passphrase for the morning shift";
    let uri = f.add_user("rita", Role::Receptionist, pw);
    let mut rita = f.unlock_as("rita", pw, &uri).expect("rita");
    let zoe = NewPatient {
        given: "Zoë".into(),
        family: "Müller".into(),
        dob: "1990-02-03".into(),
        ..NewPatient::default()
    };
    let first = rita.add_patient(&zoe, false).expect("first");
    let err = rita.add_patient(&zoe, false).expect_err("duplicate");
    match &err {
        Error::Records(RecordError::LikelyDuplicate { patient_id, mrn }) => {
            assert_eq!(patient_id, &first.id);
            assert_eq!(mrn, &first.mrn);
        }
        other => panic!("expected a likely duplicate, got {other:?}"),
    }
    assert_eq!(err.code(), "conflict");
    assert!(
        !err.to_string().contains("--"),
        "core names no CLI flag: {err}"
    );
    rita.lock().expect("lock");
    let mut admin = f.admin();
    let about = admin
        .audit_list(&AuditFilter {
            patient: Some(first.id.clone()),
            ..AuditFilter::default()
        })
        .expect("list");
    let probe = about.last().expect("events");
    assert_eq!(probe.event.action, "patient.create");
    assert_eq!(probe.event.outcome, "failure");
    assert_eq!(probe.event.actor, "rita");
}

#[test]
fn an_effect_that_fails_after_the_commit_is_not_recorded_as_a_failed_operation() {
    let f = Fixture::new();
    let mut admin = f.admin();
    // The key-slot file cannot be replaced: a non-empty directory stands in its place.
    let keyslots = f.root.join("keyslots");
    let aside = f.root.join("keyslots.aside");
    fs::rename(&keyslots, &aside).expect("move keyslots aside");
    fs::create_dir(&keyslots).expect("block the file");
    fs::write(keyslots.join("x"), b"x").expect("non-empty");
    let err = admin
        .add_user("bob", Role::Clinician)
        .expect_err("publication fails");
    assert_eq!(err.code(), "internal");
    fs::remove_dir_all(&keyslots).expect("unblock");
    fs::rename(&aside, &keyslots).expect("restore");
    let adds = events(&mut admin, "user.add");
    let outcomes: Vec<&str> = adds.iter().map(|e| e.event.outcome.as_str()).collect();
    assert_eq!(
        outcomes,
        ["success", "success"],
        "init's admin, then bob; no failure"
    );
    // The staged change was published by the next operation.
    assert!(keystate::load(&admin.p.conn)
        .expect("state")
        .pending
        .is_none());
    let file = crate::keyslots::read(&f.root.join("keyslots")).expect("keyslots");
    assert!(
        file.user_slot("bob").is_some(),
        "bob's slot reached the file"
    );
}

#[test]
fn two_sessions_writing_and_failing_at_once_keep_one_unbroken_chain() {
    let f = Fixture::new();
    let pw = "a second admin passphrase for the night shift";
    let mut alice = f.admin();
    let added = alice.add_user("dana", Role::Admin).expect("add dana");
    alice.lock().expect("lock");
    let otp = crate::Password::from_str_copy(added.one_time_password.expose_secret());
    let dana_uri = first_login(
        &f.root,
        "dana",
        &otp,
        &crate::Password::from_str_copy(pw),
        &f.cfg,
    )
    .expect("first login")
    .totp_uri
    .expose_secret()
    .to_string();
    let alice = f.admin();
    let dana = f.unlock_as("dana", pw, &dana_uri).expect("dana");
    let n_rounds = 15;
    let run = |mut session: Session, prefix: &'static str| {
        std::thread::spawn(move || {
            for i in 0..n_rounds {
                session
                    .add_user(&format!("{prefix}{i}"), Role::Receptionist)
                    .expect("add");
                // A refused duplicate: a failure recorded in a unit of its own.
                assert_eq!(
                    session
                        .add_user(&format!("{prefix}{i}"), Role::Receptionist)
                        .expect_err("taken")
                        .code(),
                    "conflict"
                );
            }
            session
        })
    };
    let (a, d) = (run(alice, "a"), run(dana, "d"));
    let mut alice = a.join().expect("alice's thread");
    d.join().expect("dana's thread").lock().expect("lock");
    let report = alice.audit_verify(None).expect("the chain verifies");
    let adds = events(&mut alice, "user.add");
    let count = |outcome: &str| adds.iter().filter(|e| e.event.outcome == outcome).count();
    // init's admin, dana, then 15 each from both sessions; 15 refusals each.
    assert_eq!(count("success"), 2 + 2 * n_rounds);
    assert_eq!(count("failure"), 2 * n_rounds);
    assert!(report.n_events as usize > adds.len());
    let users = alice.list_users().expect("list");
    assert_eq!(users.len(), 2 + 2 * n_rounds);
    let file = crate::keyslots::read(&f.root.join("keyslots")).expect("keyslots");
    assert!(
        users.iter().all(|u| file.user_slot(&u.name).is_some()),
        "every slot published"
    );
}
