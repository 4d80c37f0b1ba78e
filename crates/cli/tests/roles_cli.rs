//! The DESIGN §4 permission matrix through the CLI, cell by cell: every patient, note,
//! prescription, consent and history command, as a receptionist, a clinician and an
//! admin. An allowed cell succeeds and leaves one `success` event; a forbidden cell
//! fails with `forbidden` and leaves one `denied` event naming the role. One vault, and
//! `batch` keeps the number of unlocks small.

use serde_json::Value;

use crate::common::*;

const CLINICIAN: usize = 1;
const ROLES: [&str; 3] = ["receptionist", "clinician", "admin"];

/// One command and who may run it: `allowed[role]`, roles as in `ROLES`. `{P}`, `{N}`,
/// `{R}` and `{ROLE}` are the role's own patient, note, prescription and name;
/// `resource` is what the audit event's resource id must be.
struct Cell {
    command: &'static str,
    action: &'static str,
    resource: Option<&'static str>,
    allowed: [bool; 3],
}

const fn cell(
    command: &'static str,
    action: &'static str,
    resource: Option<&'static str>,
    allowed: [bool; 3],
) -> Cell {
    Cell {
        command,
        action,
        resource,
        allowed,
    }
}

const Y: bool = true;
const N: bool = false;

/// DESIGN §4: receptionist: demographics read/write/archive/history and consents;
/// clinician: everything here; admin: demographics and consents read only. Ordered so
/// that each allowed line still makes sense after the ones before it (archive last).
const CELLS: &[Cell] = &[
    cell("patient show {P}", "patient.view", Some("{P}"), [Y, Y, Y]),
    cell("patient search Pat{ROLE}", "patient.search", None, [Y, Y, Y]),
    cell(
        "patient update {P} --phone +4930123456",
        "patient.update",
        Some("{P}"),
        [Y, Y, N],
    ),
    cell(
        "patient history {P}",
        "patient.history",
        Some("{P}"),
        [Y, Y, N],
    ),
    cell("consent list {P}", "consent.view", Some("{P}"), [Y, Y, Y]),
    cell(
        "consent grant {P} --purpose reminders --by 'Ann Lee'",
        "consent.grant",
        Some("{P}"),
        [Y, Y, N],
    ),
    cell(
        "consent withdraw {P} --purpose research",
        "consent.withdraw",
        Some("{P}"),
        [Y, Y, N],
    ),
    cell("note list {P}", "note.view", Some("{P}"), [N, Y, N]),
    cell(
        "note add {P} --text 'seen today'",
        "note.create",
        Some("{P}"),
        [N, Y, N],
    ),
    cell(
        "note addendum {N} --text 'follow-up booked'",
        "note.addendum",
        Some("{N}"),
        [N, Y, N],
    ),
    cell(
        "note void {N} --reason 'wrong patient'",
        "note.void",
        Some("{N}"),
        [N, Y, N],
    ),
    cell("rx list {P}", "prescription.view", Some("{P}"), [N, Y, N]),
    cell(
        "rx add {P} --drug Amoxicillin --strength '500 mg' --dose '1 capsule' --frequency 'three times daily'",
        "prescription.create",
        Some("{P}"),
        [N, Y, N],
    ),
    cell(
        "rx void {R} --reason 'allergy noted'",
        "prescription.void",
        Some("{R}"),
        [N, Y, N],
    ),
    cell(
        "patient add --given New --family Added{ROLE} --dob 1990-01-01",
        "patient.create",
        None,
        [Y, Y, N],
    ),
    cell(
        "patient archive {P}",
        "patient.archive",
        Some("{P}"),
        [Y, Y, N],
    ),
];

/// The records each role's cells act on.
struct Fixture {
    patient: String,
    note: String,
    rx: String,
}

fn fill(template: &str, role: &str, f: &Fixture) -> String {
    template
        .replace("{P}", &f.patient)
        .replace("{N}", &f.note)
        .replace("{R}", &f.rx)
        .replace("{ROLE}", role)
}

fn str_of(v: &Value, key: &str) -> String {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("no {key} in {v}"))
        .to_string()
}

#[test]
fn every_record_command_follows_the_role_matrix_and_is_audited() {
    // The transcription above must be DESIGN §4's: spot-check its shape.
    assert_eq!(
        CELLS.len(),
        16,
        "every patient/note/rx/consent/history command"
    );
    for c in CELLS {
        assert!(c.allowed[CLINICIAN], "a clinician may do all of these");
        if c.action.starts_with("note.") || c.action.starts_with("prescription.") {
            assert_eq!(c.allowed, [N, Y, N], "{}: clinical content", c.action);
        }
    }

    let mut v = TestVault::new();
    // A separate clinician prepares the records, so every event counted below comes
    // from the cell itself.
    let sam = v.staff("sam", "clinician");
    let staff = [
        v.staff("rita", "receptionist"),
        v.staff("carl", "clinician"),
        Staff {
            name: ADMIN.to_string(),
            password: ADMIN_PW.to_string(),
            uri: v.admin_uri.clone(),
        },
    ];

    // One patient per role, each with a note, a prescription and a research consent.
    let mut setup = Vec::new();
    for role in ROLES {
        setup.push(format!(
            "patient add --given Pat{role} --family Matrix --dob 1980-05-17"
        ));
    }
    let added = v.batch_by(&sam, &setup).ok().json_lines();
    let patients: Vec<String> = added.iter().map(|j| str_of(j, "id")).collect();
    let mut setup = Vec::new();
    for p in &patients {
        setup.push(format!("note add {p} --text 'first visit'"));
        setup.push(format!(
            "rx add {p} --drug Ibuprofen --strength '400 mg' --dose '1 tablet' --frequency 'as needed'"
        ));
        setup.push(format!("consent grant {p} --purpose research"));
    }
    let made = v.batch_by(&sam, &setup).ok().json_lines();
    let fixtures: Vec<Fixture> = (0..3)
        .map(|i| Fixture {
            patient: patients[i].clone(),
            note: str_of(&made[3 * i], "id"),
            rx: str_of(&made[3 * i + 1], "id"),
        })
        .collect();

    for (r, role) in ROLES.iter().enumerate() {
        let who = &staff[r];
        let f = &fixtures[r];
        let allowed: Vec<&Cell> = CELLS.iter().filter(|c| c.allowed[r]).collect();
        let forbidden: Vec<&Cell> = CELLS.iter().filter(|c| !c.allowed[r]).collect();
        // The allowed cells, then the first forbidden one (a batch stops there).
        let mut lines: Vec<String> = allowed.iter().map(|c| fill(c.command, role, f)).collect();
        if let Some(first) = forbidden.first() {
            lines.push(fill(first.command, role, f));
        }
        let run = v.batch_by(who, &lines);
        let results = run.json_lines();
        for (c, out) in allowed.iter().zip(&results) {
            assert!(
                out.get("error").is_none(),
                "{role} may run '{}': {out}",
                c.command
            );
        }
        if forbidden.is_empty() {
            run.ok();
            assert_eq!(results.len(), allowed.len());
        } else {
            assert_eq!(results.len(), allowed.len() + 1, "{role}: {:?}", run.stdout);
            assert_eq!(
                run.last_error_code(),
                "forbidden",
                "{role}: {}",
                forbidden[0].command
            );
            assert!(run.stderr.contains(role), "{}", run.stderr);
        }
        // Each further forbidden cell on its own.
        for c in forbidden.iter().skip(1) {
            let run = v.batch_by(who, &[fill(c.command, role, f)]);
            assert_eq!(run.error_code(), "forbidden", "{role}: {}", c.command);
            assert!(
                run.stderr.contains(c.action),
                "the refusal names the action: {}",
                run.stderr
            );
        }
        // What the allowed cells returned: a receptionist and an admin see the
        // demographics, a clinician the clinical content.
        let first = &results[0];
        assert_eq!(first["id"], f.patient.as_str(), "{role}: patient show");
        if r == CLINICIAN {
            let notes = &results[allowed
                .iter()
                .position(|c| c.action == "note.view")
                .expect("note list")];
            assert_eq!(notes["notes"][0]["text"], "first visit");
        }
    }

    // Every cell left exactly one event for that user and action: `success` where the
    // role may, `denied` where it may not.
    let mut queries = Vec::new();
    for (r, _) in ROLES.iter().enumerate() {
        for c in CELLS {
            queries.push(format!(
                "audit list --user {} --action {}",
                staff[r].name, c.action
            ));
        }
    }
    let answers = v.audit_batch(&queries);
    assert_eq!(answers.len(), queries.len());
    let mut answers = answers.into_iter();
    for (r, role) in ROLES.iter().enumerate() {
        for c in CELLS {
            let events = answers.next().expect("one answer per query");
            let expected = if c.allowed[r] { "success" } else { "denied" };
            let outcomes: Vec<&str> = events
                .iter()
                .map(|e| e["event"]["outcome"].as_str().expect("outcome"))
                .collect();
            assert_eq!(
                outcomes,
                [expected],
                "{role} × {}: one {expected} event",
                c.action
            );
            let event = &events[0]["event"];
            assert_eq!(event["role"], *role, "{}", c.action);
            let patient = fixtures[r].patient.as_str();
            match (c.allowed[r], c.resource) {
                // A success names the patient (the resource may be the new entry).
                (true, Some(_)) => assert_eq!(
                    event["patient_id"], patient,
                    "{role} × {}: the event shows under the patient",
                    c.action
                ),
                // A denial names what was asked for, and the patient when asked by id.
                (false, Some(resource)) => {
                    assert_eq!(
                        event["resource_id"],
                        fill(resource, role, &fixtures[r]).as_str(),
                        "{role} × {}: the denial names what was asked for",
                        c.action
                    );
                    if resource == "{P}" {
                        assert_eq!(event["patient_id"], patient, "{role} × {}", c.action);
                    }
                }
                (_, None) => {}
            }
        }
    }

    // The denials are in the chain like everything else.
    assert_eq!(v.admin(&["audit", "verify"]).ok().json()["ok"], true);
}
