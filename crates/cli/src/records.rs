//! The patient-record commands: `patient`, `note`, `rx`, `consent` (and `dev seed` in
//! builds with the `dev` feature). Each is one call into core's `Session`; this file only
//! turns arguments into core's types and results into text and JSON.

use clinic_vault_core::records::{
    Consent, ConsentPurpose, NewPatient, NewPrescription, Note, Patient, PatientUpdate,
    Prescription, SearchOptions, Void,
};
use clinic_vault_core::Session;

use crate::error::Result;
use serde_json::json;

use crate::args::{ConsentCommand, NoteCommand, PatientCommand, PatientFields, RxCommand};
use crate::render::{table, when, Output};

fn or_dash(value: Option<&str>) -> &str {
    match value {
        Some(v) if !v.is_empty() => v,
        _ => "-",
    }
}

fn full_name(p: &Patient) -> String {
    format!("{}, {}", p.family, p.given)
}

fn patient_text(p: &Patient) -> String {
    let status = if p.archived { "ARCHIVED" } else { "active" };
    let rows = [
        ("id", p.id.to_string()),
        ("born", p.dob.clone()),
        ("sex", or_dash(p.sex.as_deref()).to_string()),
        ("phone", or_dash(p.phone.as_deref()).to_string()),
        ("email", or_dash(p.email.as_deref()).to_string()),
        ("address", or_dash(p.address.as_deref()).to_string()),
        ("status", status.to_string()),
        (
            "created",
            format!("{} by {}", when(p.created_us), p.created_by),
        ),
        (
            "updated",
            format!(
                "{} by {} (version {})",
                when(p.updated_us),
                p.updated_by,
                p.version
            ),
        ),
    ];
    let mut text = format!("{} {} (MRN {})", p.given, p.family, p.mrn);
    for (label, value) in rows {
        text.push_str(&format!("\n  {label:<8} {value}"));
    }
    text
}

fn update_of(fields: &PatientFields) -> PatientUpdate {
    PatientUpdate {
        given: fields.given.clone(),
        family: fields.family.clone(),
        dob: fields.dob.clone(),
        sex: fields.sex.clone(),
        phone: fields.phone.clone(),
        email: fields.email.clone(),
        address: fields.address.clone(),
    }
}

/// `patient …`
pub fn patient_command(session: &mut Session, command: &PatientCommand) -> Result<Output> {
    match command {
        PatientCommand::Add {
            given,
            family,
            dob,
            sex,
            phone,
            email,
            address,
            force,
        } => {
            let new = NewPatient {
                given: given.clone(),
                family: family.clone(),
                dob: dob.clone(),
                sex: sex.clone(),
                phone: phone.clone(),
                email: email.clone(),
                address: address.clone(),
            };
            let added = session.add_patient(&new, *force)?;
            Ok(Output::new(
                json!({ "id": added.id, "mrn": added.mrn }),
                format!("Added patient {} (id {}).", added.mrn, added.id),
            ))
        }
        PatientCommand::Show { id } => {
            let patient = session.show_patient(id)?;
            let text = patient_text(&patient);
            Ok(Output::new(json!(patient), text))
        }
        PatientCommand::Update { id, fields } => {
            let (patient, changed) = session.update_patient(id, &update_of(fields))?;
            let text = if changed.is_empty() {
                format!(
                    "Nothing changed for {}: the values were already set.",
                    patient.mrn
                )
            } else {
                format!("Updated {}: {}.", patient.mrn, changed.join(", "))
            };
            Ok(Output::new(
                json!({ "patient": patient, "changed_fields": changed }),
                text,
            ))
        }
        PatientCommand::Search {
            query,
            limit,
            include_archived,
        } => {
            let options = SearchOptions {
                limit: limit.unwrap_or(SearchOptions::default().limit),
                include_archived: *include_archived,
            };
            let hits = session.search_patients(query, &options)?;
            let text = if hits.is_empty() {
                "No patients found.".to_string()
            } else {
                let rows: Vec<Vec<String>> = hits
                    .iter()
                    .map(|h| {
                        let p = &h.patient;
                        vec![
                            p.mrn.clone(),
                            full_name(p),
                            p.dob.clone(),
                            or_dash(p.sex.as_deref()).to_string(),
                            or_dash(p.phone.as_deref()).to_string(),
                            h.matched.as_str().to_string(),
                            if p.archived { "archived" } else { "" }.to_string(),
                            p.id.to_string(),
                        ]
                    })
                    .collect();
                table(
                    &[
                        "MRN", "NAME", "BORN", "SEX", "PHONE", "MATCH", "STATUS", "ID",
                    ],
                    &rows,
                )
            };
            Ok(Output::new(json!({ "results": hits }), text))
        }
        PatientCommand::Archive { id } => {
            session.archive_patient(id)?;
            Ok(Output::new(
                json!({ "id": id, "archived": true }),
                format!("Archived patient {id}: kept, and found only with --include-archived."),
            ))
        }
        PatientCommand::History { id } => {
            let history = session.patient_history(id)?;
            let text = if history.is_empty() {
                "No changes since the patient was added.".to_string()
            } else {
                let rows: Vec<Vec<String>> = history
                    .iter()
                    .map(|h| {
                        vec![
                            when(h.changed_us),
                            h.changed_by.clone(),
                            h.field.clone(),
                            or_dash(h.before.as_deref()).to_string(),
                            or_dash(h.after.as_deref()).to_string(),
                        ]
                    })
                    .collect();
                table(&["WHEN", "BY", "FIELD", "BEFORE", "AFTER"], &rows)
            };
            Ok(Output::new(json!({ "history": history }), text))
        }
    }
}

fn void_text(void: &Option<Void>) -> Option<String> {
    void.as_ref().map(|v| {
        format!(
            "VOIDED {} by {}: {}",
            when(v.voided_us),
            v.voided_by,
            // One line: a reason's own line breaks are shown escaped.
            crate::render::terminal_safe(&v.reason, false)
        )
    })
}

fn indent(text: &str, by: &str) -> String {
    text.lines()
        .map(|l| format!("{by}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn note_text(n: &Note) -> String {
    let (kind, pad) = match &n.addendum_to {
        Some(root) => (format!("addendum to {root}"), "    "),
        None => ("note".to_string(), ""),
    };
    let mut text = format!(
        "{pad}{} by {} ({kind}, id {})",
        when(n.created_us),
        n.author,
        n.id
    );
    if let Some(void) = void_text(&n.void) {
        text.push_str(&format!("\n{pad}  {void}"));
    }
    text.push('\n');
    text.push_str(&indent(&n.text, &format!("{pad}  | ")));
    text
}

/// `note …`
pub fn note_command(session: &mut Session, command: &NoteCommand) -> Result<Output> {
    match command {
        NoteCommand::Add { id, text } => {
            let note = session.add_note(id, text)?;
            let summary = format!("Note {} written for patient {id}.", note.id);
            Ok(Output::new(json!(note), summary))
        }
        NoteCommand::Addendum { note_id, text } => {
            let note = session.add_addendum(note_id, text)?;
            let root = note.addendum_to.clone().unwrap_or_default();
            let summary = format!("Addendum {} added to note {root}.", note.id);
            Ok(Output::new(json!(note), summary))
        }
        NoteCommand::Void { note_id, reason } => {
            session.void_note(note_id, reason)?;
            Ok(Output::new(
                json!({ "id": note_id, "voided": true, "reason": reason }),
                format!("Voided note {note_id}; its text is kept, marked void."),
            ))
        }
        NoteCommand::List { id } => {
            let notes = session.list_notes(id)?;
            let text = if notes.is_empty() {
                "No notes.".to_string()
            } else {
                // Each root note, then its addenda, in the order written.
                let mut ordered: Vec<&Note> = Vec::with_capacity(notes.len());
                for root in notes.iter().filter(|n| n.addendum_to.is_none()) {
                    ordered.push(root);
                    ordered.extend(
                        notes
                            .iter()
                            .filter(|n| n.addendum_to.as_deref() == Some(root.id.as_str())),
                    );
                }
                // Addenda whose root is not listed (should not happen) still show.
                for n in &notes {
                    if !ordered.iter().any(|o| o.id == n.id) {
                        ordered.push(n);
                    }
                }
                ordered
                    .iter()
                    .map(|n| note_text(n))
                    .collect::<Vec<_>>()
                    .join("\n\n")
            };
            Ok(Output::new(json!({ "notes": notes }), text))
        }
    }
}

fn rx_row(rx: &Prescription) -> Vec<String> {
    vec![
        rx.date.clone(),
        rx.drug.clone(),
        rx.strength.clone(),
        rx.dose.clone(),
        rx.frequency.clone(),
        or_dash(rx.duration.as_deref()).to_string(),
        rx.prescriber.clone(),
        rx.id.clone(),
        if rx.void.is_some() { "VOID" } else { "" }.to_string(),
    ]
}

const RX_HEADER: [&str; 9] = [
    "DATE",
    "DRUG",
    "STRENGTH",
    "DOSE",
    "FREQUENCY",
    "DURATION",
    "PRESCRIBER",
    "ID",
    "STATUS",
];

/// `rx …`
pub fn rx_command(session: &mut Session, command: &RxCommand) -> Result<Output> {
    match command {
        RxCommand::Add {
            id,
            drug,
            strength,
            dose,
            frequency,
            duration,
            instructions,
            scans,
        } => {
            let new = NewPrescription {
                drug: drug.clone(),
                strength: strength.clone(),
                dose: dose.clone(),
                frequency: frequency.clone(),
                duration: duration.clone(),
                instructions: instructions.clone(),
                scans: scans.iter().map(|s| s.as_str().into()).collect(),
            };
            let rx = session.add_prescription(id, &new)?;
            let summary = format!(
                "Prescribed {} {}, {} {} for patient {id} (id {}).",
                rx.drug, rx.strength, rx.dose, rx.frequency, rx.id
            );
            Ok(Output::new(json!(rx), summary))
        }
        RxCommand::Void { rx_id, reason } => {
            session.void_prescription(rx_id, reason)?;
            Ok(Output::new(
                json!({ "id": rx_id, "voided": true, "reason": reason }),
                format!("Voided prescription {rx_id}; it is kept, marked void."),
            ))
        }
        RxCommand::List { id } => {
            let list = session.list_prescriptions(id)?;
            let text = if list.is_empty() {
                "No prescriptions.".to_string()
            } else {
                let rows: Vec<Vec<String>> = list.iter().map(rx_row).collect();
                let mut text = table(&RX_HEADER, &rows);
                for rx in &list {
                    if let Some(instructions) = &rx.instructions {
                        text.push_str(&format!(
                            "\n{}: {}",
                            rx.id,
                            crate::render::terminal_safe(instructions, false)
                        ));
                    }
                    if let Some(void) = void_text(&rx.void) {
                        text.push_str(&format!("\n{}: {void}", rx.id));
                    }
                    if !rx.scans.is_empty() {
                        let ids: Vec<&str> = rx.scans.iter().map(|s| s.as_str()).collect();
                        text.push_str(&format!("\n{}: from scan {}", rx.id, ids.join(", ")));
                    }
                }
                text
            };
            Ok(Output::new(json!({ "prescriptions": list }), text))
        }
    }
}

fn consent_summary(verb: &str, c: &Consent) -> String {
    format!(
        "{verb} {} consent for patient {} (given by {}, recorded by {}).",
        c.purpose.as_str(),
        c.patient_id,
        c.given_by,
        c.recorded_by
    )
}

/// `consent …`
pub fn consent_command(session: &mut Session, command: &ConsentCommand) -> Result<Output> {
    match command {
        ConsentCommand::Grant { id, purpose, by } => {
            let purpose = ConsentPurpose::parse(purpose)?;
            let consent = session.grant_consent(id, purpose, by.as_deref())?;
            let text = consent_summary("Recorded", &consent);
            Ok(Output::new(json!(consent), text))
        }
        ConsentCommand::Withdraw { id, purpose } => {
            let purpose = ConsentPurpose::parse(purpose)?;
            let consent = session.withdraw_consent(id, purpose)?;
            let text = consent_summary("Withdrew", &consent);
            Ok(Output::new(json!(consent), text))
        }
        ConsentCommand::List { id } => {
            let list = session.list_consents(id)?;
            let text = if list.is_empty() {
                "No consents recorded.".to_string()
            } else {
                let rows: Vec<Vec<String>> = list
                    .iter()
                    .map(|c| {
                        vec![
                            when(c.decided_us),
                            c.purpose.as_str().to_string(),
                            c.status.clone(),
                            c.given_by.clone(),
                            c.recorded_by.clone(),
                            if c.current { "yes" } else { "-" }.to_string(),
                        ]
                    })
                    .collect();
                table(
                    &[
                        "WHEN",
                        "PURPOSE",
                        "STATUS",
                        "GIVEN BY",
                        "RECORDED BY",
                        "CURRENT",
                    ],
                    &rows,
                )
            };
            Ok(Output::new(json!({ "consents": list }), text))
        }
    }
}

/// Patients per transaction in `dev seed`.
#[cfg(feature = "dev")]
const SEED_BATCH: usize = 1_000;

/// `dev …`: synthetic patients through the same entry point as typed ones (each with
/// its audit event), 1,000 per transaction. Only in builds with the `dev` feature.
#[cfg(feature = "dev")]
pub fn dev_command(session: &mut Session, command: &crate::args::DevCommand) -> Result<Output> {
    use std::io::{IsTerminal, Write};

    use clinic_vault_core::synthetic::Generator;

    let crate::args::DevCommand::Seed { patients, seed } = command;
    let total = *patients as usize;
    let progress = std::io::stderr().is_terminal();
    let started = std::time::Instant::now();
    let mut generator = Generator::new(*seed);
    let mut added = 0usize;
    let (mut first_mrn, mut last_mrn) = (None, None);
    while added < total {
        let batch: Vec<NewPatient> = generator
            .by_ref()
            .take(SEED_BATCH.min(total - added))
            .map(|p| NewPatient {
                given: p.given,
                family: p.family,
                dob: p.dob,
                sex: p.sex,
                phone: p.phone,
                email: p.email,
                address: p.address,
            })
            .collect();
        let refs = session.add_patients(&batch, true)?;
        added += refs.len();
        if first_mrn.is_none() {
            first_mrn = refs.first().map(|r| r.mrn.clone());
        }
        last_mrn = refs.last().map(|r| r.mrn.clone()).or(last_mrn);
        if progress {
            eprint!("\rseeding: {added}/{total} patients");
            let _ = std::io::stderr().flush();
        }
    }
    if progress {
        eprintln!();
    }
    let secs = started.elapsed().as_secs_f64();
    Ok(Output::new(
        json!({
            "added": added,
            "seed": seed,
            "first_mrn": first_mrn,
            "last_mrn": last_mrn,
            "elapsed_ms": started.elapsed().as_millis() as u64,
        }),
        format!(
            "Added {added} synthetic patients (seed {seed}, MRN {} to {}) in {secs:.1} s.",
            first_mrn.as_deref().unwrap_or("-"),
            last_mrn.as_deref().unwrap_or("-")
        ),
    ))
}
