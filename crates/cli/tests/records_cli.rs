//! Patient records through the CLI: demographics with history, duplicates, archive,
//! search as a receptionist types it, append-only notes and prescriptions, consents,
//! one audit event per access (and "who saw this record"), and bad input.

use serde_json::Value;

use crate::common::*;

/// An id that looks like every other id but names nothing.
const UNKNOWN: &str = "01900000-0000-7000-8000-000000000000";

fn s(v: &Value, key: &str) -> String {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("no string {key} in {v}"))
        .to_string()
}

fn actions(events: &[Value]) -> Vec<String> {
    events.iter().map(|e| s(&e["event"], "action")).collect()
}

/// `(family, given, matched)` of a search result line.
fn hits(result: &Value) -> Vec<(String, String, String)> {
    result["results"]
        .as_array()
        .unwrap_or_else(|| panic!("not a search result: {result}"))
        .iter()
        .map(|h| {
            (
                s(&h["patient"], "family"),
                s(&h["patient"], "given"),
                s(h, "matched"),
            )
        })
        .collect()
}

fn hit(family: &str, given: &str, matched: &str) -> (String, String, String) {
    (family.into(), given.into(), matched.into())
}

#[test]
fn add_show_update_history_duplicates_and_archive() {
    let mut v = TestVault::new();
    let rita = v.staff("rita", "receptionist");
    let add = line(&[
        "patient",
        "add",
        "--given",
        "Zoë",
        "--family",
        "Müller",
        "--dob",
        "1990-02-03",
        "--sex",
        "Female",
        "--phone",
        "+49 (30) 123-456",
        "--email",
        "zoe@example.org",
        "--address",
        "Hauptstraße 1, Berlin",
    ]);
    let first = v.batch_by(&rita, &[add]).ok().json();
    assert_eq!(
        first.as_object().expect("object").len(),
        2,
        "exactly id and mrn: {first}"
    );
    let id = s(&first, "id");
    let mrn = s(&first, "mrn");
    assert_eq!(mrn.len(), 11, "{mrn}");
    assert!(mrn.ends_with("-000001"), "{mrn}");

    let run = v.batch_by(
        &rita,
        &[
            format!("patient show {id}"),
            format!(
                "patient update {id} --phone '+44 20 7946 0000' --email '' --address '1 Main St, London'"
            ),
            format!("patient update {id} --given Zoë"),
            format!("patient history {id}"),
            format!("patient show {id}"),
            // Same folded name and date of birth: a likely duplicate.
            "patient add --given ZOE --family MULLER --dob 1990-02-03".into(),
        ],
    );
    assert_eq!(run.last_error_code(), "conflict");
    assert!(
        run.stderr.contains(&mrn),
        "names the existing MRN: {}",
        run.stderr
    );
    assert!(run.stderr.contains("--force"), "{}", run.stderr);
    let out = run.json_lines();
    let shown = &out[0];
    assert_eq!(shown["id"], id.as_str());
    assert_eq!(shown["mrn"], mrn.as_str());
    assert_eq!(shown["given"], "Zoë");
    assert_eq!(shown["family"], "Müller");
    assert_eq!(shown["dob"], "1990-02-03");
    assert_eq!(shown["sex"], "female");
    assert_eq!(shown["phone"], "+4930123456", "stored as E.164");
    assert_eq!(shown["email"], "zoe@example.org");
    assert_eq!(shown["address"], "Hauptstraße 1, Berlin");
    assert_eq!(shown["archived"], false);
    assert_eq!(shown["created_by"], "rita");
    assert_eq!(shown["version"], 1);

    let updated = &out[1];
    assert_eq!(
        updated["changed_fields"],
        serde_json::json!(["phone", "email", "address"])
    );
    assert_eq!(updated["patient"]["phone"], "+442079460000");
    assert_eq!(updated["patient"]["email"], Value::Null, "\"\" clears");
    assert_eq!(updated["patient"]["version"], 2);
    // Setting a field to its current value changes nothing.
    assert_eq!(out[2]["changed_fields"], serde_json::json!([]));

    let history = out[3]["history"].as_array().expect("history");
    let rows: Vec<(String, Value, Value)> = history
        .iter()
        .map(|h| (s(h, "field"), h["before"].clone(), h["after"].clone()))
        .collect();
    assert_eq!(
        rows,
        [
            ("phone".into(), "+4930123456".into(), "+442079460000".into()),
            ("email".into(), "zoe@example.org".into(), Value::Null),
            (
                "address".into(),
                "Hauptstraße 1, Berlin".into(),
                "1 Main St, London".into()
            ),
        ]
    );
    assert!(history.iter().all(|h| h["changed_by"] == "rita"));
    assert_eq!(out[4]["address"], "1 Main St, London");

    // --force adds the second Zoë Müller; archiving hides her from search.
    let run = v
        .batch_by(
            &rita,
            &[
                "patient add --given ZOE --family MULLER --dob 1990-02-03 --force".into(),
                "patient search zoe".into(),
            ],
        )
        .ok();
    let out = run.json_lines();
    let twin = s(&out[0], "id");
    assert_ne!(twin, id);
    assert_ne!(out[0]["mrn"], mrn.as_str());
    assert!(s(&out[0], "mrn").ends_with("-000002"));
    assert_eq!(out[1]["results"].as_array().expect("results").len(), 2);

    let run = v
        .batch_by(
            &rita,
            &[
                format!("patient archive {twin}"),
                "patient search zoe".into(),
                "patient search muller --include-archived".into(),
                format!("patient show {twin}"),
                format!("patient history {twin}"),
            ],
        )
        .ok();
    let out = run.json_lines();
    assert_eq!(out[0]["archived"], true);
    let ids = |r: &Value| -> Vec<String> {
        r["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|h| s(&h["patient"], "id"))
            .collect()
    };
    assert_eq!(
        ids(&out[1]),
        std::slice::from_ref(&id),
        "archived patients are hidden"
    );
    let mut both = ids(&out[2]);
    both.sort();
    let mut expected = vec![id.clone(), twin.clone()];
    expected.sort();
    assert_eq!(both, expected, "--include-archived shows them");
    assert_eq!(out[3]["archived"], true, "an archived patient is kept");
    assert_eq!(out[4]["history"][0]["field"], "archived");
    let again = v.batch_by(&rita, &[format!("patient archive {twin}")]);
    assert_eq!(again.error_code(), "conflict");

    // Every access is exactly one event about the patient, in order. The refused
    // duplicate disclosed this patient's MRN, so its failure is listed under them; the
    // refused second archive is a failure too. The searches that showed the patient are
    // part of "who saw this record".
    let who_saw = v.audit_batch(&[
        format!("audit list --patient {id}"),
        format!("audit list --patient {twin}"),
        format!("audit list --patient {id} --action patient.search"),
        format!("audit list --patient {id} --user rita --limit 1"),
        format!("audit list --patient {id} --user {ADMIN}"),
    ]);
    assert_eq!(
        actions(&who_saw[0]),
        [
            "patient.create",
            "patient.view",
            "patient.update",
            "patient.update",
            "patient.history",
            "patient.view",
            "patient.create",
            "patient.search",
            "patient.search",
            "patient.search",
        ]
    );
    let probe = &who_saw[0][6];
    assert_eq!(probe["event"]["outcome"], "failure", "{probe}");
    assert_eq!(probe["event"]["patient_id"], id.as_str(), "{probe}");
    assert_eq!(probe["detail"]["error"], "conflict", "{probe}");
    assert_eq!(
        actions(&who_saw[1]),
        [
            "patient.create",
            "patient.search",
            "patient.archive",
            "patient.search",
            "patient.view",
            "patient.history",
            "patient.archive",
        ]
    );
    // Archiving twice was refused after the permission check: a failure with its code.
    let refused = who_saw[1].last().expect("events");
    assert_eq!(refused["event"]["outcome"], "failure");
    assert_eq!(refused["detail"]["error"], "conflict");
    assert!(who_saw[0].iter().all(|e| e["event"]["actor"] == "rita"));
    assert_eq!(who_saw[2].len(), 3);
    assert!(who_saw[2].iter().all(|e| e["event"]["patient_id"].is_null()
        && e["detail"]["results"]
            .as_array()
            .expect("hits")
            .iter()
            .any(|h| h == id.as_str())));
    assert_eq!(actions(&who_saw[3]), ["patient.search"]);
    assert!(who_saw[4].is_empty());

    // The update events name the fields, never their values: not in the synced event,
    // and not in its local detail either.
    let updates: Vec<&Value> = who_saw[0]
        .iter()
        .filter(|e| e["event"]["action"] == "patient.update")
        .collect();
    assert_eq!(
        updates[0]["event"]["changed_fields"],
        serde_json::json!(["phone", "email", "address"])
    );
    let all = v.audit_events(&[]);
    for value in [
        "+4930123456",
        "+442079460000",
        "zoe@example.org",
        "Hauptstraße",
        "1 Main St",
        "Müller",
        "1990-02-03",
    ] {
        for e in &all {
            let event = e["event"].to_string();
            assert!(!event.contains(value), "{value} leaked into {event}");
        }
        for e in &updates {
            assert!(!e.to_string().contains(value), "{value} leaked into {e}");
        }
    }
}

#[test]
fn search_folds_ranks_limits_and_finds_mrn_dob_and_phone() {
    let mut v = TestVault::new();
    let rita = v.staff("rita", "receptionist");
    let people: [(&str, &str, &str, &str); 7] = [
        ("Zoë", "Adams", "1985-04-12", "+49 151 1234 5678"),
        ("Hans", "Müller", "1970-01-01", ""),
        ("Anna", "Zeller", "1990-06-01", ""),
        ("Bob", "Annan", "1990-06-01", ""),
        ("Carl", "Anderson", "1975-03-03", "+1 212 555 0100"),
        ("Søren", "Ørsted", "1966-06-06", ""),
        ("Seán", "O'Brien", "1980-08-08", ""),
    ];
    let adds: Vec<String> = people
        .iter()
        .map(|(g, f, d, p)| {
            let mut words = vec!["patient", "add", "--given", g, "--family", f, "--dob", d];
            if !p.is_empty() {
                words.extend(["--phone", p]);
            }
            line(&words)
        })
        .collect();
    let added = v.batch_by(&rita, &adds).ok().json_lines();
    let anna_mrn = s(&added[2], "mrn");
    let queries = [
        line(&["patient", "search", "zoe"]),
        line(&["patient", "search", "muller"]),
        line(&["patient", "search", "MÜLL"]),
        line(&["patient", "search", &anna_mrn]),
        line(&["patient", "search", &anna_mrn.to_lowercase()]),
        line(&["patient", "search", "1990-06-01"]),
        line(&["patient", "search", "5678"]),
        line(&["patient", "search", "555-0100"]),
        line(&["patient", "search", "an"]),
        line(&["patient", "search", "an", "--limit", "2"]),
        line(&["patient", "search", "an zel"]),
        line(&["patient", "search", "soren"]),
        line(&["patient", "search", "orsted"]),
        line(&["patient", "search", "obrien"]),
        line(&["patient", "search", "o'bri"]),
        line(&["patient", "search", "sean"]),
        line(&["patient", "search", "nobody"]),
        line(&["patient", "search", "1234 zo"]),
    ];
    let out = v.batch_by(&rita, &queries).ok().json_lines();
    assert_eq!(out.len(), queries.len());
    assert_eq!(hits(&out[0]), [hit("Adams", "Zoë", "given")], "zoe → Zoë");
    assert_eq!(
        hits(&out[1]),
        [hit("Müller", "Hans", "family")],
        "muller → Müller"
    );
    assert_eq!(hits(&out[2]), [hit("Müller", "Hans", "family")]);
    assert_eq!(hits(&out[3]), [hit("Zeller", "Anna", "mrn")], "exact MRN");
    assert_eq!(hits(&out[4]), [hit("Zeller", "Anna", "mrn")]);
    assert_eq!(
        hits(&out[5]),
        [hit("Annan", "Bob", "dob"), hit("Zeller", "Anna", "dob")],
        "exact date of birth"
    );
    assert_eq!(hits(&out[6]), [hit("Adams", "Zoë", "phone")], "4 digits");
    assert_eq!(hits(&out[7]), [hit("Anderson", "Carl", "phone")]);
    // Family-name prefixes rank above given-name prefixes.
    assert_eq!(
        hits(&out[8]),
        [
            hit("Anderson", "Carl", "family"),
            hit("Annan", "Bob", "family"),
            hit("Zeller", "Anna", "given"),
        ]
    );
    assert_eq!(
        hits(&out[9]),
        [
            hit("Anderson", "Carl", "family"),
            hit("Annan", "Bob", "family")
        ],
        "--limit"
    );
    assert_eq!(hits(&out[10]), [hit("Zeller", "Anna", "given")]);
    assert_eq!(hits(&out[11]), [hit("Ørsted", "Søren", "given")]);
    assert_eq!(hits(&out[12]), [hit("Ørsted", "Søren", "family")]);
    assert_eq!(hits(&out[13]), [hit("O'Brien", "Seán", "family")]);
    assert_eq!(hits(&out[14]), [hit("O'Brien", "Seán", "family")]);
    assert_eq!(hits(&out[15]), [hit("O'Brien", "Seán", "given")]);
    assert!(hits(&out[16]).is_empty());
    assert_eq!(hits(&out[17]), [hit("Adams", "Zoë", "given")]);

    // Each search is one event; its local detail keeps the query and who it showed.
    let events = v.audit_events(&["--action", "patient.search"]);
    assert_eq!(events.len(), queries.len());
    assert_eq!(events[0]["detail"]["query"], "zoe");
    assert_eq!(events[0]["detail"]["results"][0], added[0]["id"]);
    assert_eq!(events[16]["detail"]["results"], serde_json::json!([]));

    // Too little to search on.
    for query in ["z", "", "   ", "123", "12 ab"] {
        let run = v.by(&rita, &["patient", "search", query]);
        assert_eq!(run.error_code(), "invalid_input", "{query:?}");
    }
    for limit in ["0", "501", "-1", "many"] {
        let run = v.by(&rita, &["patient", "search", "an", "--limit", limit]);
        assert_eq!(run.error_code(), "invalid_input", "--limit {limit}");
    }
}

#[test]
fn notes_and_prescriptions_are_append_only() {
    let mut v = TestVault::new();
    let carl = v.staff("carl", "clinician");
    let p = s(
        &v.by(
            &carl,
            &[
                "patient",
                "add",
                "--given",
                "Ida",
                "--family",
                "Berg",
                "--dob",
                "1950-03-04",
            ],
        )
        .ok()
        .json(),
        "id",
    );
    // A note may span lines.
    let multi = v
        .by(
            &carl,
            &[
                "note",
                "add",
                &p,
                "--text",
                "Cough for 3 days.\nNo fever.\n\tLungs clear.",
            ],
        )
        .ok()
        .json();
    assert_eq!(
        multi["text"],
        "Cough for 3 days.\nNo fever.\n\tLungs clear."
    );
    assert_eq!(multi["author"], "carl");
    assert_eq!(multi["addendum_to"], Value::Null);
    let n1 = s(&multi, "id");

    let out = v
        .batch_by(
            &carl,
            &[format!("note addendum {n1} --text 'Chest X-ray normal.'")],
        )
        .ok()
        .json_lines();
    let a1 = s(&out[0], "id");
    assert_eq!(out[0]["addendum_to"], n1.as_str());
    let run = v.batch_by(
        &carl,
        &[
            // An addendum to an addendum links to the root note.
            format!("note addendum {a1} --text 'Second addendum.'"),
            format!("note void {n1} --reason 'Wrong patient'"),
            format!("note list {p}"),
            format!(
                "rx add {p} --drug Amoxicillin --strength '500 mg' --dose '1 capsule' --frequency 'three times daily' --duration '7 days' --instructions 'Take with food; finish the course.'"
            ),
            format!("rx add {p} --drug Paracetamol --strength '500 mg' --dose '2 tablets' --frequency 'every 6 hours'"),
            format!("rx list {p}"),
            // Voided twice: refused.
            format!("note void {n1} --reason 'again'"),
        ],
    );
    assert_eq!(run.last_error_code(), "conflict");
    let out = run.json_lines();
    assert_eq!(out[0]["addendum_to"], n1.as_str(), "linked to the root");
    let a2 = s(&out[0], "id");
    assert_eq!(out[1]["voided"], true);
    let notes = out[2]["notes"].as_array().expect("notes");
    let ids: Vec<String> = notes.iter().map(|n| s(n, "id")).collect();
    assert_eq!(ids, [n1.clone(), a1.clone(), a2.clone()]);
    // The voided note keeps its text, with who voided it and why.
    assert_eq!(
        notes[0]["text"],
        "Cough for 3 days.\nNo fever.\n\tLungs clear."
    );
    assert_eq!(notes[0]["void"]["reason"], "Wrong patient");
    assert_eq!(notes[0]["void"]["voided_by"], "carl");
    assert_eq!(notes[1]["void"], Value::Null);
    assert_eq!(notes[1]["text"], "Chest X-ray normal.");

    let amox = &out[3];
    assert_eq!(amox["prescriber"], "carl", "the unlocked clinician");
    assert_eq!(amox["drug"], "Amoxicillin");
    assert_eq!(amox["strength"], "500 mg");
    assert_eq!(amox["dose"], "1 capsule");
    assert_eq!(amox["frequency"], "three times daily");
    assert_eq!(amox["duration"], "7 days");
    assert_eq!(amox["instructions"], "Take with food; finish the course.");
    assert_eq!(amox["date"], "2026-01-01");
    assert_eq!(out[4]["duration"], Value::Null);
    let rx = s(amox, "id");
    let listed = out[5]["prescriptions"].as_array().expect("prescriptions");
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["id"], rx.as_str());

    // An addendum to a voided note, or to an addendum of one, is refused.
    for target in [&n1, &a1] {
        let run = v.batch_by(&carl, &[format!("note addendum {target} --text 'late'")]);
        assert_eq!(run.error_code(), "conflict", "addendum to {target}");
    }
    let run = v.batch_by(
        &carl,
        &[
            format!("rx void {rx} --reason 'Penicillin allergy'"),
            format!("rx list {p}"),
            format!("rx void {rx} --reason 'again'"),
        ],
    );
    assert_eq!(run.last_error_code(), "conflict", "voided twice");
    let out = run.json_lines();
    assert_eq!(out[0]["voided"], true);
    let listed = out[1]["prescriptions"].as_array().expect("prescriptions");
    assert_eq!(listed[0]["void"]["reason"], "Penicillin allergy");
    assert_eq!(listed[0]["drug"], "Amoxicillin", "kept as written");
    assert_eq!(listed[1]["void"], Value::Null);

    // One event per write, void and read, and one per refusal after the role check.
    let events = v.audit_events(&["--patient", &p]);
    assert_eq!(
        actions(&events),
        [
            "patient.create",
            "note.create",
            "note.addendum",
            "note.addendum",
            "note.void",
            "note.view",
            "prescription.create",
            "prescription.create",
            "prescription.view",
            "note.void",
            "note.addendum",
            "note.addendum",
            "prescription.void",
            "prescription.view",
            "prescription.void",
        ]
    );
    // The refusals (voided twice, addenda to a voided note) are failures with a code.
    for refused in [&events[9], &events[10], &events[11], &events[14]] {
        assert_eq!(refused["event"]["outcome"], "failure", "{refused}");
        assert_eq!(refused["detail"]["error"], "conflict", "{refused}");
    }
    for e in &events {
        let event = e.to_string();
        for text in ["Cough", "X-ray", "Wrong patient", "Amoxicillin", "allergy"] {
            assert!(!event.contains(text), "clinical text in the audit: {event}");
        }
    }
}

#[test]
fn consents_are_granted_withdrawn_and_listed() {
    let mut v = TestVault::new();
    let rita = v.staff("rita", "receptionist");
    let p = s(
        &v.by(
            &rita,
            &[
                "patient",
                "add",
                "--given",
                "Mia",
                "--family",
                "Rossi",
                "--dob",
                "2015-09-09",
            ],
        )
        .ok()
        .json(),
        "id",
    );
    let run = v.batch_by(
        &rita,
        &[
            format!("consent grant {p} --purpose treatment"),
            format!("consent grant {p} --purpose research --by 'Maria Rossi (mother)'"),
            format!("consent grant {p} --purpose data-processing"),
            format!("consent withdraw {p} --purpose research"),
            format!("consent list {p}"),
            format!("consent withdraw {p} --purpose research"),
        ],
    );
    assert_eq!(
        run.last_error_code(),
        "conflict",
        "nothing in force to withdraw"
    );
    let out = run.json_lines();
    assert_eq!(out[0]["purpose"], "treatment");
    assert_eq!(out[0]["status"], "granted");
    assert_eq!(out[0]["given_by"], "patient");
    assert_eq!(out[0]["recorded_by"], "rita");
    assert_eq!(out[1]["given_by"], "representative: Maria Rossi (mother)");
    assert_eq!(out[2]["purpose"], "data_processing");
    assert_eq!(out[3]["status"], "withdrawn");
    let list: Vec<(String, String, bool)> = out[4]["consents"]
        .as_array()
        .expect("consents")
        .iter()
        .map(|c| {
            (
                s(c, "purpose"),
                s(c, "status"),
                c["current"].as_bool().expect("current"),
            )
        })
        .collect();
    assert_eq!(
        list,
        [
            ("treatment".into(), "granted".into(), true),
            ("research".into(), "granted".into(), false),
            ("data_processing".into(), "granted".into(), true),
            ("research".into(), "withdrawn".into(), true),
        ]
    );
    let bad = v.by(&rita, &["consent", "grant", &p, "--purpose", "marketing"]);
    assert_eq!(bad.error_code(), "invalid_input");

    let events = v.audit_events(&["--patient", &p]);
    assert_eq!(
        actions(&events),
        [
            "patient.create",
            "consent.grant",
            "consent.grant",
            "consent.grant",
            "consent.withdraw",
            "consent.view",
            "consent.withdraw",
        ]
    );
    assert_eq!(
        events[6]["event"]["outcome"], "failure",
        "nothing in force to withdraw"
    );
    assert!(events[1..5]
        .iter()
        .all(|e| e["event"]["changed_fields"] == serde_json::json!(["consent"])));
    assert!(!events.iter().any(|e| e.to_string().contains("Maria")));
}

#[test]
fn bad_input_is_refused_and_odd_names_are_kept_intact() {
    let mut v = TestVault::new();
    let carl = v.staff("carl", "clinician");
    let huge = "x".repeat(100_000);
    let name_100 = "é".repeat(100);

    // Stored and found intact: SQL metacharacters, emoji, Arabic and Hebrew, quotes,
    // a name of exactly the longest length.
    let odd: [(&str, &str, &str); 6] = [
        ("Robert", "'; DROP TABLE patients; --", "drop"),
        ("Zoë 😀", "Ng🦀", "ng🦀"),
        ("محمد", "العلي", "العل"),
        ("דוד", "כהן", "כה"),
        ("Jean \"JJ\" \\ Back", "D'Arcy-Smith", "d'arcy-sm"),
        (name_100.as_str(), "Long", "éé"),
    ];
    let mut lines = Vec::new();
    for (given, family, _) in odd {
        lines.push(line(&[
            "patient",
            "add",
            "--given",
            given,
            "--family",
            family,
            "--dob",
            "2000-02-29",
        ]));
    }
    let added = v.batch_by(&carl, &lines).ok().json_lines();
    let mut lines = Vec::new();
    for (i, (_, _, query)) in odd.iter().enumerate() {
        lines.push(line(&["patient", "show", &s(&added[i], "id")]));
        lines.push(line(&["patient", "search", query]));
    }
    let p = s(&added[0], "id");
    let note = "Patient says: «بخير» / „gut“ 👍 '; DELETE FROM clinical_notes; --";
    lines.push(line(&["note", "add", &p, "--text", note]));
    lines.push(line(&["note", "list", &p]));
    let out = v.batch_by(&carl, &lines).ok().json_lines();
    for (i, (given, family, query)) in odd.iter().enumerate() {
        let shown = &out[2 * i];
        assert_eq!(shown["given"], *given);
        assert_eq!(shown["family"], *family);
        let found: Vec<String> = out[2 * i + 1]["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|h| s(&h["patient"], "id"))
            .collect();
        assert_eq!(found, [s(&added[i], "id")], "search {query:?}");
    }
    let listed = &out[out.len() - 1]["notes"];
    assert_eq!(listed[0]["text"], note);

    // Refused with invalid_input, each with a one-line message on stderr.
    let given_cases: [(&str, &str); 8] = [
        ("", "empty"),
        ("   ", "blank"),
        (&huge, "100,000 characters"),
        (&"é".repeat(101), "one over the limit"),
        ("Zo\u{7}e", "a bell"),
        ("Zoe\nDROP", "a line break"),
        ("\u{1b}[31mRed", "an escape sequence"),
        ("Zoe\u{0}", "a NUL"),
    ];
    for (given, why) in given_cases {
        // NUL cannot be an argument; it goes through a batch line instead.
        let run = if given.contains('\0') {
            v.batch_by(
                &carl,
                &[format!(
                    "patient add --given {} --family X --dob 2000-01-01",
                    sh_quote(given)
                )],
            )
        } else {
            v.by(
                &carl,
                &[
                    "patient",
                    "add",
                    "--given",
                    given,
                    "--family",
                    "X",
                    "--dob",
                    "2000-01-01",
                ],
            )
        };
        assert_eq!(run.error_code(), "invalid_input", "given name: {why}");
    }
    let field_cases: [(&str, &str, &str); 10] = [
        ("--dob", "2023-02-29", "not a leap year"),
        ("--dob", "2020-13-01", "month 13"),
        ("--dob", "2099-01-01", "in the future"),
        ("--dob", "01/02/2000", "not YYYY-MM-DD"),
        ("--phone", "030 123456", "no country code"),
        ("--phone", "+49 30 1234\n56", "a line break in a phone"),
        ("--phone", "call me", "not a number"),
        ("--email", "zoe@", "no domain"),
        ("--email", &huge, "100,000 characters"),
        ("--sex", "robot", "not a listed sex"),
    ];
    for (flag, value, why) in field_cases {
        let mut args = vec!["patient", "add", "--given", "Eve", "--family", "Ok"];
        if flag != "--dob" {
            args.extend(["--dob", "2000-01-01"]);
        }
        args.extend([flag, value]);
        let run = v.by(&carl, &args);
        assert_eq!(run.error_code(), "invalid_input", "{flag}: {why}");
        assert!(
            run.stderr.len() < 1_000,
            "the message does not repeat a huge value: {} bytes",
            run.stderr.len()
        );
    }
    let other_cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["note", "add", &p, "--text", ""], "empty note"),
        (
            vec!["note", "add", &p, "--text", &huge],
            "100,000-character note",
        ),
        (
            vec!["note", "add", &p, "--text", "clear\u{1b}[2J"],
            "escape in a note",
        ),
        (
            vec![
                "rx",
                "add",
                &p,
                "--drug",
                "",
                "--strength",
                "1",
                "--dose",
                "1",
                "--frequency",
                "1",
            ],
            "empty drug",
        ),
        (vec!["patient", "update", &p], "nothing to update"),
        (
            vec!["patient", "update", &p, "--dob", "2023-02-29"],
            "bad date",
        ),
        (vec!["patient", "search", &huge], "100,000-character search"),
        (
            vec![
                "consent",
                "grant",
                &p,
                "--purpose",
                "research",
                "--by",
                &huge,
            ],
            "huge representative",
        ),
    ];
    for (args, why) in other_cases {
        let run = v.by(&carl, &args);
        assert_eq!(run.error_code(), "invalid_input", "{why}");
    }

    // The patients table is still there and holds what it should.
    let found = v.by(&carl, &["patient", "search", "robert"]).ok().json();
    assert_eq!(found["results"][0]["patient"]["family"], odd[0].1);
}

#[test]
fn unknown_ids_are_not_found() {
    let mut v = TestVault::new();
    let carl = v.staff("carl", "clinician");
    let rx = [
        "--drug",
        "Aspirin",
        "--strength",
        "100 mg",
        "--dose",
        "1",
        "--frequency",
        "daily",
    ];
    let mut cases: Vec<Vec<&str>> = vec![
        vec!["patient", "show", UNKNOWN],
        vec!["patient", "show", "'; DROP TABLE patients; --"],
        vec!["patient", "update", UNKNOWN, "--given", "X"],
        vec!["patient", "archive", UNKNOWN],
        vec!["patient", "history", UNKNOWN],
        vec!["note", "add", UNKNOWN, "--text", "hello"],
        vec!["note", "addendum", UNKNOWN, "--text", "hello"],
        vec!["note", "void", UNKNOWN, "--reason", "why"],
        vec!["note", "list", UNKNOWN],
        vec!["rx", "void", UNKNOWN, "--reason", "why"],
        vec!["rx", "list", UNKNOWN],
        vec!["consent", "grant", UNKNOWN, "--purpose", "treatment"],
        vec!["consent", "withdraw", UNKNOWN, "--purpose", "treatment"],
        vec!["consent", "list", UNKNOWN],
    ];
    let mut add = vec!["rx", "add", UNKNOWN];
    add.extend(rx);
    cases.push(add);
    for args in cases {
        let run = v.by(&carl, &args);
        assert_eq!(run.error_code(), "not_found", "{args:?}");
    }
}

#[test]
fn text_output_is_aligned_for_people() {
    let mut v = TestVault::new();
    let rita = v.staff("rita", "receptionist");
    let lines = [
        line(&[
            "patient",
            "add",
            "--given",
            "Zoë",
            "--family",
            "Müller",
            "--dob",
            "1990-02-03",
            "--phone",
            "+4930123456",
        ]),
        line(&[
            "patient",
            "add",
            "--given",
            "Hans",
            "--family",
            "Müller-Lüdenscheidt",
            "--dob",
            "1955-12-24",
        ]),
        line(&["patient", "search", "mul"]),
    ];
    // Without --json: the batch prints text.
    v.next_step();
    let code = v.code(&rita.uri);
    let stdin = format!("{}\n{}\n", rita.password, lines.join("\n"));
    let run = v
        .run_as("rita", &code, false, &["batch"], stdin.as_bytes())
        .ok();
    let out: Vec<&str> = run.stdout.lines().collect();
    assert!(out[0].starts_with("Added patient "), "{}", run.stdout);
    let header = out[2];
    assert!(header.starts_with("MRN "), "{}", run.stdout);
    let col = |l: &str, i: usize| -> usize {
        // Character offset of the i-th column (columns are 2+ spaces apart).
        let chars: Vec<char> = l.chars().collect();
        let mut n = 0;
        let mut k = 2;
        while k < chars.len() {
            if chars[k] != ' ' && chars[k - 1] == ' ' && chars[k - 2] == ' ' {
                n += 1;
                if n == i {
                    return k;
                }
            }
            k += 1;
        }
        panic!("no column {i} in {l:?}")
    };
    for row in &out[3..5] {
        for i in 1..=3 {
            assert_eq!(col(header, i), col(row, i), "column {i}:\n{}", run.stdout);
        }
    }
    assert!(out[3].contains("Müller, Zoë") && out[3].contains("1990-02-03"));
}

#[cfg(feature = "dev")]
#[test]
fn dev_seed_fills_the_vault_in_batches() {
    let mut v = TestVault::new();
    let rita = v.staff("rita", "receptionist");
    let run = v
        .by(&rita, &["dev", "seed", "--patients", "2500", "--seed", "7"])
        .ok();
    let done = run.json();
    assert_eq!(done["added"], 2500);
    assert_eq!(done["seed"], 7);
    // The same generator shows which patients came first.
    let first = clinic_vault_core::synthetic::Generator::new(7)
        .next()
        .expect("a patient");
    // A date of birth narrows 2,500 patients to a handful.
    let found = v
        .by(&rita, &["patient", "search", &first.dob, "--limit", "500"])
        .ok()
        .json();
    let first_hit = found["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|h| {
            h["patient"]["given"] == first.given.as_str()
                && h["patient"]["family"] == first.family.as_str()
        })
        .unwrap_or_else(|| panic!("{first:?} not found: {found}"));
    assert_eq!(first_hit["patient"]["mrn"], done["first_mrn"]);
    assert!(s(&done, "last_mrn").ends_with("-002500"), "{done}");
    let created = v.audit_events(&["--action", "patient.create"]);
    assert_eq!(created.len(), 2500, "one event per patient");
    assert!(created.iter().all(|e| e["event"]["actor"] == "rita"));
    // Never without the permission.
    let admin = v.admin(&["dev", "seed", "--patients", "1"]);
    assert_eq!(admin.error_code(), "forbidden");
}

#[cfg(not(feature = "dev"))]
#[test]
fn dev_seed_does_not_exist_without_the_dev_feature() {
    let mut v = TestVault::new();
    let run = v.admin(&["dev", "seed", "--patients", "10"]);
    assert_eq!(run.error_code(), "invalid_input");
}
