//! Who saw a record, append-only clinical entries, consents, refusals under their patient.

use super::*;

#[test]
fn who_saw_this_record_includes_searches() {
    let staff = Staff::new();
    let mut rita = staff.as_role(Role::Receptionist);
    let p = rita
        .add_patient(&patient("Zoë", "Müller", "1985-03-14"), false)
        .expect("add");
    let other = rita
        .add_patient(&patient("Otto", "Other", "1970-07-07"), false)
        .expect("other");
    rita.search_patients("zoe", &SearchOptions::default())
        .expect("search");
    rita.search_patients("otto", &SearchOptions::default())
        .expect("search");
    rita.show_patient(&p.id).expect("view");
    rita.lock().expect("lock");
    let mut admin = staff.as_role(Role::Admin);
    let events = admin
        .audit_list(&AuditFilter {
            patient: Some(p.id.clone()),
            ..AuditFilter::default()
        })
        .expect("list");
    let actions: Vec<&str> = events.iter().map(|e| e.event.action.as_str()).collect();
    assert_eq!(
        actions,
        ["patient.create", "patient.search", "patient.view"]
    );
    let search = &events[1];
    assert_eq!(search.event.actor, "rita");
    assert_eq!(
        search.event.patient_id, None,
        "the synced event names no patient"
    );
    let detail = search.detail.as_ref().expect("local detail");
    assert_eq!(detail["query"], "zoe");
    assert_eq!(detail["results"], serde_json::json!([p.id]));
    let others = admin
        .audit_list(&AuditFilter {
            patient: Some(other.id),
            ..AuditFilter::default()
        })
        .expect("list");
    assert!(others.iter().all(|e| e.seq != search.seq));
}

#[test]
fn clinical_entries_are_append_only() {
    let staff = Staff::new();
    let mut carl = staff.as_role(Role::Clinician);
    let p = carl
        .add_patient(&patient("Zoë", "Müller", "1985-03-14"), false)
        .expect("add");
    let note = carl
        .add_note(&p.id, "Complains of headache.\nAdvised rest.")
        .expect("note");
    assert_eq!(note.author, "carl");
    let add1 = carl.add_addendum(&note.id, "BP 120/80").expect("addendum");
    assert_eq!(add1.addendum_to.as_deref(), Some(note.id.as_str()));
    let add2 = carl
        .add_addendum(&add1.id, "Follow-up in 2 weeks")
        .expect("addendum of addendum");
    assert_eq!(
        add2.addendum_to.as_deref(),
        Some(note.id.as_str()),
        "attached to the root note"
    );
    carl.void_note(&note.id, "wrong patient").expect("void");
    assert_eq!(
        carl.void_note(&note.id, "again").expect_err("twice").code(),
        "conflict"
    );
    assert_eq!(
        carl.add_addendum(&note.id, "late")
            .expect_err("voided")
            .code(),
        "conflict"
    );
    let notes = carl.list_notes(&p.id).expect("list");
    assert_eq!(notes.len(), 3);
    assert_eq!(
        notes[0].text, "Complains of headache.\nAdvised rest.",
        "voiding keeps the text"
    );
    assert_eq!(
        notes[0].void.as_ref().map(|v| v.reason.as_str()),
        Some("wrong patient")
    );
    let script = carl.add_prescription(&p.id, &rx()).expect("rx");
    assert_eq!(script.prescriber, "carl");
    assert_eq!(script.date, "2026-01-01");
    carl.void_prescription(&script.id, "allergy")
        .expect("void rx");
    assert!(carl.list_prescriptions(&p.id).expect("list")[0]
        .void
        .is_some());
    let err = carl
        .add_prescription(
            &p.id,
            &NewPrescription {
                drug: String::new(),
                ..rx()
            },
        )
        .expect_err("no drug");
    assert_eq!(err.code(), "invalid_input");
    assert_eq!(
        carl.void_note("missing", "x").expect_err("unknown").code(),
        "not_found"
    );
    assert_eq!(
        carl.void_prescription("missing", "x")
            .expect_err("unknown")
            .code(),
        "not_found"
    );
    // Even with SQL access, the database itself refuses to edit or delete entries.
    for sql in [
        "UPDATE clinical_notes SET body = 'edited'",
        "DELETE FROM clinical_notes",
        "UPDATE prescriptions SET drug = 'x'",
        "DELETE FROM prescriptions",
        "UPDATE clinical_voids SET reason = 'x'",
    ] {
        assert!(carl.p.conn.execute(sql, []).is_err(), "{sql}");
    }
}

#[test]
fn consents_record_decisions_and_who_gave_them() {
    let staff = Staff::new();
    let mut rita = staff.as_role(Role::Receptionist);
    let p = rita
        .add_patient(&patient("Zoë", "Müller", "2015-03-14"), false)
        .expect("add");
    assert_eq!(
        rita.withdraw_consent(&p.id, ConsentPurpose::Research)
            .expect_err("none")
            .code(),
        "conflict"
    );
    rita.grant_consent(
        &p.id,
        ConsentPurpose::Treatment,
        Some("Anna Müller (mother)"),
    )
    .expect("grant");
    rita.grant_consent(&p.id, ConsentPurpose::Reminders, None)
        .expect("grant");
    rita.withdraw_consent(&p.id, ConsentPurpose::Reminders)
        .expect("withdraw");
    let list = rita.list_consents(&p.id).expect("list");
    assert_eq!(list.len(), 3);
    assert_eq!(list[0].given_by, "representative: Anna Müller (mother)");
    assert_eq!(list[0].recorded_by, "rita");
    let current: Vec<(ConsentPurpose, &str)> = list
        .iter()
        .filter(|c| c.current)
        .map(|c| (c.purpose, c.status.as_str()))
        .collect();
    assert_eq!(
        current,
        [
            (ConsentPurpose::Treatment, "granted"),
            (ConsentPurpose::Reminders, "withdrawn")
        ]
    );
    assert_eq!(
        ConsentPurpose::parse("data-processing").expect("parse"),
        ConsentPurpose::DataProcessing
    );
    assert_eq!(
        ConsentPurpose::parse("marketing").expect_err("bad").code(),
        "invalid_input"
    );
    assert!(rita
        .p
        .conn
        .execute("UPDATE consents SET status = 'granted'", [])
        .is_err());
}

#[test]
fn refused_attempts_on_entries_are_listed_under_their_patient() {
    let staff = Staff::new();
    let mut carl = staff.as_role(Role::Clinician);
    let t = targets(&mut carl, 1);
    carl.lock().expect("lock");
    let mut rita = staff.as_role(Role::Receptionist);
    assert_eq!(
        rita.void_note(&t.note, "x").expect_err("refused").code(),
        "forbidden"
    );
    assert_eq!(
        rita.add_addendum(&t.note, "x").expect_err("refused").code(),
        "forbidden"
    );
    assert_eq!(
        rita.void_prescription(&t.rx, "x")
            .expect_err("refused")
            .code(),
        "forbidden"
    );
    rita.lock().expect("lock");
    let mut admin = staff.as_role(Role::Admin);
    let denied: Vec<String> = admin
        .audit_list(&AuditFilter {
            patient: Some(t.patient.clone()),
            ..AuditFilter::default()
        })
        .expect("list")
        .into_iter()
        .filter(|e| e.event.outcome == "denied")
        .map(|e| e.event.action)
        .collect();
    assert_eq!(denied, ["note.void", "note.addendum", "prescription.void"]);
}
