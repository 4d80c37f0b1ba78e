//! Patient-record operations on a [`Session`]. Each is a thin call through the entry
//! point `Session::run`: permission from the DESIGN §4 matrix, the SQL in
//! `records::store`, and one audit event naming the patient (and, for updates, the
//! changed fields; never their values).

use crate::error::{RecordError, Result};
use crate::records::store::{self, WriteCtx};
use crate::records::{
    Consent, ConsentPurpose, HistoryEntry, NewPatient, NewPrescription, Note, Patient, PatientRef,
    PatientUpdate, Prescription, SearchHit, SearchOptions,
};
use crate::vault::session::{op, Op, OpCtx};
use crate::vault::Session;
use clinic_vault_proto::Action;

fn patient_op(action: Action, patient_id: &str) -> Op {
    let mut o = op(action, Some(patient_id));
    o.patient_id = Some(patient_id.to_string());
    o
}

fn write_ctx<'a>(ctx: &'a OpCtx<'_, '_>) -> WriteCtx<'a> {
    WriteCtx {
        conn: ctx.tx,
        actor: ctx.actor,
        now_us: ctx.now_us,
        device_id: ctx.device_id,
    }
}

fn record(
    ctx: &mut OpCtx<'_, '_>,
    action: Action,
    resource_id: &str,
    patient_id: &str,
    fields: &[&'static str],
) {
    let event = ctx.event(action);
    event.resource_id = Some(resource_id.to_string());
    event.patient_id = Some(patient_id.to_string());
    event.changed_fields = fields.to_vec();
}

/// An operation on a note or prescription, attributed to its patient (when the entry
/// exists) so that a refused attempt also shows in `audit list --patient`.
fn entry_op(action: Action, entry_id: &str, patient_id: Option<String>) -> Op {
    let mut o = op(action, Some(entry_id));
    o.patient_id = patient_id;
    o
}

impl Session {
    /// The patient an entry belongs to, read only to attribute a possible denial event;
    /// nothing of the entry reaches the caller.
    fn entry_patient(&self, kind: &str, entry_id: &str) -> Option<String> {
        let sql = if kind == "note" {
            "SELECT patient_id FROM clinical_notes WHERE id = ?1"
        } else {
            "SELECT patient_id FROM prescriptions WHERE id = ?1"
        };
        self.connection()
            .query_row(sql, [entry_id], |r| r.get(0))
            .ok()
    }

    /// Adds a patient. A patient with the same folded name and date of birth gives
    /// `conflict` unless `force`.
    pub fn add_patient(&mut self, patient: &NewPatient, force: bool) -> Result<PatientRef> {
        self.run(op(Action::PatientCreate, None), |ctx| {
            let created = store::insert_patient(&write_ctx(ctx), patient, force)?;
            record(ctx, Action::PatientCreate, &created.id, &created.id, &[]);
            Ok(created)
        })
    }

    /// Adds many patients in one transaction (an import), one audit event each. Likely
    /// duplicates are refused unless `force`; any refusal adds none of them.
    pub fn add_patients(
        &mut self,
        patients: &[NewPatient],
        force: bool,
    ) -> Result<Vec<PatientRef>> {
        self.run(op(Action::PatientCreate, None), |ctx| {
            let created = store::insert_patients(&write_ctx(ctx), patients, force)?;
            for added in &created {
                record(ctx, Action::PatientCreate, &added.id, &added.id, &[]);
            }
            Ok(created)
        })
    }

    /// A patient's demographics (a recorded read).
    pub fn show_patient(&mut self, id: &str) -> Result<Patient> {
        self.run(patient_op(Action::PatientView, id), |ctx| {
            let patient = store::get_patient(ctx.tx, id)?;
            record(ctx, Action::PatientView, id, id, &[]);
            Ok(patient)
        })
    }

    /// Changes demographics, keeping before/after values in the history; the event names
    /// the changed fields only.
    pub fn update_patient(
        &mut self,
        id: &str,
        update: &PatientUpdate,
    ) -> Result<(Patient, Vec<&'static str>)> {
        self.run(patient_op(Action::PatientUpdate, id), |ctx| {
            if update == &PatientUpdate::default() {
                return Err(RecordError::NothingToUpdate.into());
            }
            let (patient, changed) = store::update_patient(&write_ctx(ctx), id, update)?;
            record(ctx, Action::PatientUpdate, id, id, &changed);
            Ok((patient, changed))
        })
    }

    /// Archives a patient: kept, but found only with `include_archived`.
    pub fn archive_patient(&mut self, id: &str) -> Result<()> {
        self.run(patient_op(Action::PatientArchive, id), |ctx| {
            store::archive_patient(&write_ctx(ctx), id)?;
            record(ctx, Action::PatientArchive, id, id, &["archived"]);
            Ok(())
        })
    }

    /// The before/after history of a patient's demographics (a recorded read).
    pub fn patient_history(&mut self, id: &str) -> Result<Vec<HistoryEntry>> {
        self.run(patient_op(Action::PatientHistory, id), |ctx| {
            let history = store::history(ctx.tx, id)?;
            record(ctx, Action::PatientHistory, id, id, &[]);
            Ok(history)
        })
    }

    /// Searches patients by name prefix (folded), full MRN, date of birth or 4+ phone
    /// digits, ranked MRN > date of birth > family name > given name (> phone). The
    /// event keeps the query and the patients shown in its local detail only.
    pub fn search_patients(
        &mut self,
        query: &str,
        options: &SearchOptions,
    ) -> Result<Vec<SearchHit>> {
        self.run(op(Action::PatientSearch, None), |ctx| {
            let hits = store::search(ctx.tx, query, options)?;
            let ids: Vec<String> = hits.iter().map(|h| h.patient.id.to_string()).collect();
            let event = ctx.event(Action::PatientSearch);
            event.detail = Some(serde_json::json!({ "query": query, "results": ids }));
            event.search_hits = ids;
            Ok(hits)
        })
    }

    /// Writes a clinical note (the author is the unlocked clinician).
    pub fn add_note(&mut self, patient_id: &str, text: &str) -> Result<Note> {
        self.run(patient_op(Action::NoteCreate, patient_id), |ctx| {
            let note = store::insert_note(&write_ctx(ctx), patient_id, None, text)?;
            record(ctx, Action::NoteCreate, &note.id, patient_id, &[]);
            Ok(note)
        })
    }

    /// Adds an addendum to a note (to its root note, if an addendum is named).
    pub fn add_addendum(&mut self, note_id: &str, text: &str) -> Result<Note> {
        self.run(
            entry_op(
                Action::NoteAddendum,
                note_id,
                self.entry_patient("note", note_id),
            ),
            |ctx| {
                let parent = store::get_note(ctx.tx, note_id)?;
                let root = parent
                    .addendum_to
                    .clone()
                    .unwrap_or_else(|| parent.id.clone());
                // The addendum joins the root note: refused when either is voided.
                let (voided_id, void) = if parent.void.is_some() || root == parent.id {
                    (&parent.id, parent.void.clone())
                } else {
                    (&root, store::get_note(ctx.tx, &root)?.void)
                };
                if let Some(void) = void {
                    return Err(RecordError::NoteVoided {
                        note_id: voided_id.clone(),
                        reason: void.reason,
                    }
                    .into());
                }
                let note =
                    store::insert_note(&write_ctx(ctx), &parent.patient_id, Some(&root), text)?;
                record(ctx, Action::NoteAddendum, &note.id, &parent.patient_id, &[]);
                Ok(note)
            },
        )
    }

    /// Voids a note with a reason; the note itself is never changed.
    pub fn void_note(&mut self, note_id: &str, reason: &str) -> Result<()> {
        self.run(
            entry_op(
                Action::NoteVoid,
                note_id,
                self.entry_patient("note", note_id),
            ),
            |ctx| {
                let note = store::get_note(ctx.tx, note_id)?;
                store::void_entry(&write_ctx(ctx), "note", note_id, reason)?;
                record(ctx, Action::NoteVoid, note_id, &note.patient_id, &[]);
                Ok(())
            },
        )
    }

    /// A patient's notes and addenda (a recorded read of clinical content).
    pub fn list_notes(&mut self, patient_id: &str) -> Result<Vec<Note>> {
        self.run(patient_op(Action::NoteView, patient_id), |ctx| {
            let notes = store::list_notes(ctx.tx, patient_id)?;
            record(ctx, Action::NoteView, patient_id, patient_id, &[]);
            Ok(notes)
        })
    }

    /// Writes a prescription; the prescriber is the unlocked clinician.
    pub fn add_prescription(
        &mut self,
        patient_id: &str,
        rx: &NewPrescription,
    ) -> Result<Prescription> {
        self.run(patient_op(Action::PrescriptionCreate, patient_id), |ctx| {
            let created = store::insert_prescription(&write_ctx(ctx), patient_id, rx)?;
            record(
                ctx,
                Action::PrescriptionCreate,
                &created.id,
                patient_id,
                &[],
            );
            Ok(created)
        })
    }

    /// Voids a prescription with a reason.
    pub fn void_prescription(&mut self, rx_id: &str, reason: &str) -> Result<()> {
        self.run(
            entry_op(
                Action::PrescriptionVoid,
                rx_id,
                self.entry_patient("prescription", rx_id),
            ),
            |ctx| {
                let rx = store::get_prescription(ctx.tx, rx_id)?;
                store::void_entry(&write_ctx(ctx), "prescription", rx_id, reason)?;
                record(ctx, Action::PrescriptionVoid, rx_id, &rx.patient_id, &[]);
                Ok(())
            },
        )
    }

    /// A patient's prescriptions (a recorded read of clinical content).
    pub fn list_prescriptions(&mut self, patient_id: &str) -> Result<Vec<Prescription>> {
        self.run(patient_op(Action::PrescriptionView, patient_id), |ctx| {
            let list = store::list_prescriptions(ctx.tx, patient_id)?;
            record(ctx, Action::PrescriptionView, patient_id, patient_id, &[]);
            Ok(list)
        })
    }

    /// Records a consent given by the patient or, with `by`, a named representative.
    pub fn grant_consent(
        &mut self,
        patient_id: &str,
        purpose: ConsentPurpose,
        by: Option<&str>,
    ) -> Result<Consent> {
        self.run(patient_op(Action::ConsentGrant, patient_id), |ctx| {
            let consent = store::record_consent(&write_ctx(ctx), patient_id, purpose, true, by)?;
            record(
                ctx,
                Action::ConsentGrant,
                &consent.id,
                patient_id,
                &["consent"],
            );
            Ok(consent)
        })
    }

    /// Records the withdrawal of a consent in force.
    pub fn withdraw_consent(
        &mut self,
        patient_id: &str,
        purpose: ConsentPurpose,
    ) -> Result<Consent> {
        self.run(patient_op(Action::ConsentWithdraw, patient_id), |ctx| {
            let consent = store::record_consent(&write_ctx(ctx), patient_id, purpose, false, None)?;
            record(
                ctx,
                Action::ConsentWithdraw,
                &consent.id,
                patient_id,
                &["consent"],
            );
            Ok(consent)
        })
    }

    /// A patient's consent decisions (a recorded read).
    pub fn list_consents(&mut self, patient_id: &str) -> Result<Vec<Consent>> {
        self.run(patient_op(Action::ConsentView, patient_id), |ctx| {
            let list = store::list_consents(ctx.tx, patient_id)?;
            record(ctx, Action::ConsentView, patient_id, patient_id, &[]);
            Ok(list)
        })
    }
}
