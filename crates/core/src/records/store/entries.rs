//! Clinical notes, prescriptions, voids and consent decisions: insert-only rows.

use super::*;
use crate::error::{EntryKind, RecordError};

fn entry_kind(kind: &str) -> EntryKind {
    if kind == "note" {
        EntryKind::Note
    } else {
        EntryKind::Prescription
    }
}

fn void_of(conn: &Connection, entry_id: &str) -> Result<Option<Void>> {
    Ok(conn
        .prepare_cached(
            "SELECT voided_us, voided_by, reason FROM clinical_voids WHERE entry_id = ?1",
        )?
        .query_row([entry_id], |r| {
            Ok(Void {
                voided_us: r.get(0)?,
                voided_by: r.get(1)?,
                reason: r.get(2)?,
            })
        })
        .optional()?)
}

fn row_to_note(r: &rusqlite::Row<'_>) -> rusqlite::Result<Note> {
    Ok(Note {
        id: r.get(0)?,
        patient_id: r.get(1)?,
        addendum_to: r.get(2)?,
        author: r.get(3)?,
        created_us: r.get(4)?,
        text: r.get(5)?,
        void: None,
    })
}

const NOTE_COLUMNS: &str = "id, patient_id, parent_id, author, created_us, body";

/// A note by id; `not_found` otherwise.
pub(crate) fn get_note(conn: &Connection, id: &str) -> Result<Note> {
    let mut note = conn
        .prepare_cached(&format!(
            "SELECT {NOTE_COLUMNS} FROM clinical_notes WHERE id = ?1"
        ))?
        .query_row([id], row_to_note)
        .optional()?
        .ok_or_else(|| RecordError::EntryNotFound {
            kind: EntryKind::Note,
            id: id.to_string(),
        })?;
    note.void = void_of(conn, id)?;
    Ok(note)
}

/// Appends a note (or, with `addendum_to`, an addendum to a note that is not voided).
pub(crate) fn insert_note(
    ctx: &WriteCtx<'_>,
    patient_id: &str,
    addendum_to: Option<&str>,
    text: &str,
) -> Result<Note> {
    let text = validate::text("note_text", text, MAX_NOTE)?;
    get_patient(ctx.conn, patient_id)?;
    let id = uuid::Uuid::now_v7().to_string();
    let hlc = next_hlc(ctx.conn, ctx.now_us, ctx.device_id)?;
    ctx.conn.execute(
        "INSERT INTO clinical_notes (id, patient_id, parent_id, author, created_us, body, hlc) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![id, patient_id, addendum_to, ctx.actor, ctx.now_us, text, hlc],
    )?;
    get_note(ctx.conn, &id)
}

/// Records a void of a note or prescription; `conflict` if it is already voided.
pub(crate) fn void_entry(
    ctx: &WriteCtx<'_>,
    kind: &str,
    entry_id: &str,
    reason: &str,
) -> Result<()> {
    let reason = validate::text("reason", reason, MAX_REASON)?;
    if void_of(ctx.conn, entry_id)?.is_some() {
        return Err(RecordError::AlreadyVoided {
            kind: entry_kind(kind),
            id: entry_id.to_string(),
        }
        .into());
    }
    let hlc = next_hlc(ctx.conn, ctx.now_us, ctx.device_id)?;
    ctx.conn.execute(
        "INSERT INTO clinical_voids (entry_id, entry_kind, voided_us, voided_by, reason, hlc) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![entry_id, kind, ctx.now_us, ctx.actor, reason, hlc],
    )?;
    Ok(())
}

/// A patient's notes and addenda in the order written.
pub(crate) fn list_notes(conn: &Connection, patient_id: &str) -> Result<Vec<Note>> {
    get_patient(conn, patient_id)?;
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {NOTE_COLUMNS} FROM clinical_notes WHERE patient_id = ?1 ORDER BY created_us, id"
    ))?;
    let notes = stmt
        .query_map([patient_id], row_to_note)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    notes
        .into_iter()
        .map(|mut n| {
            n.void = void_of(conn, &n.id)?;
            Ok(n)
        })
        .collect()
}

const RX_COLUMNS: &str =
    "id, patient_id, prescriber, rx_date, created_us, drug, strength, dose, frequency, duration, instructions";

fn row_to_rx(r: &rusqlite::Row<'_>) -> rusqlite::Result<Prescription> {
    Ok(Prescription {
        id: r.get(0)?,
        patient_id: r.get(1)?,
        prescriber: r.get(2)?,
        date: r.get(3)?,
        created_us: r.get(4)?,
        drug: r.get(5)?,
        strength: r.get(6)?,
        dose: r.get(7)?,
        frequency: r.get(8)?,
        duration: r.get(9)?,
        instructions: r.get(10)?,
        void: None,
        scans: Vec::new(),
    })
}

/// A prescription by id; `not_found` otherwise.
pub(crate) fn get_prescription(conn: &Connection, id: &str) -> Result<Prescription> {
    let mut rx = conn
        .prepare_cached(&format!(
            "SELECT {RX_COLUMNS} FROM prescriptions WHERE id = ?1"
        ))?
        .query_row([id], row_to_rx)
        .optional()?
        .ok_or_else(|| RecordError::EntryNotFound {
            kind: EntryKind::Prescription,
            id: id.to_string(),
        })?;
    rx.void = void_of(conn, id)?;
    rx.scans = crate::scans::store::scans_of_prescription(conn, id)?;
    Ok(rx)
}

/// Appends a prescription by the acting clinician, dated today.
pub(crate) fn insert_prescription(
    ctx: &WriteCtx<'_>,
    patient_id: &str,
    rx: &NewPrescription,
) -> Result<Prescription> {
    let drug = validate::required_line("drug", &rx.drug, MAX_RX_FIELD)?;
    let strength = validate::required_line("strength", &rx.strength, MAX_RX_FIELD)?;
    let dose = validate::required_line("dose", &rx.dose, MAX_RX_FIELD)?;
    let frequency = validate::required_line("frequency", &rx.frequency, MAX_RX_FIELD)?;
    let duration = validate::optional_line("duration", rx.duration.as_deref(), MAX_RX_FIELD)?;
    let instructions = match rx.instructions.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(validate::text("instructions", text, MAX_RX_INSTRUCTIONS)?),
    };
    get_patient(ctx.conn, patient_id)?;
    let id = uuid::Uuid::now_v7().to_string();
    let hlc = next_hlc(ctx.conn, ctx.now_us, ctx.device_id)?;
    let date = crate::clock::format_utc(ctx.now_us)[..10].to_string();
    ctx.conn.execute(
        "INSERT INTO prescriptions (id, patient_id, prescriber, created_us, rx_date, drug, strength, dose, frequency,
             duration, instructions, hlc) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![id, patient_id, ctx.actor, ctx.now_us, date, drug, strength, dose, frequency, duration, instructions, hlc],
    )?;
    crate::scans::store::link_prescription(ctx.conn, &id, patient_id, &rx.scans)?;
    get_prescription(ctx.conn, &id)
}

/// A patient's prescriptions in the order written.
pub(crate) fn list_prescriptions(conn: &Connection, patient_id: &str) -> Result<Vec<Prescription>> {
    get_patient(conn, patient_id)?;
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {RX_COLUMNS} FROM prescriptions WHERE patient_id = ?1 ORDER BY created_us, id"
    ))?;
    let list = stmt
        .query_map([patient_id], row_to_rx)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    list.into_iter()
        .map(|mut rx| {
            rx.void = void_of(conn, &rx.id)?;
            rx.scans = crate::scans::store::scans_of_prescription(conn, &rx.id)?;
            Ok(rx)
        })
        .collect()
}

/// A patient's consent decisions, oldest first, the latest per purpose marked current.
pub(crate) fn list_consents(conn: &Connection, patient_id: &str) -> Result<Vec<Consent>> {
    get_patient(conn, patient_id)?;
    let mut stmt = conn.prepare_cached(
        "SELECT id, patient_id, purpose, status, decided_us, given_by, recorded_by FROM consents
         WHERE patient_id = ?1 ORDER BY decided_us, id",
    )?;
    let rows = stmt.query_map([patient_id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, i64>(4)?,
            r.get::<_, String>(5)?,
            r.get::<_, String>(6)?,
        ))
    })?;
    let mut list = Vec::new();
    for row in rows {
        let (id, patient_id, purpose, status, decided_us, given_by, recorded_by) = row?;
        let purpose = ConsentPurpose::parse(&purpose)
            .map_err(|_| Error::Corrupt("a stored consent purpose is damaged".into()))?;
        list.push(Consent {
            id,
            patient_id: patient_id.into(),
            purpose,
            status,
            decided_us,
            given_by,
            recorded_by,
            current: false,
        });
    }
    for idx in 0..list.len() {
        let later = list[idx + 1..]
            .iter()
            .any(|c| c.purpose == list[idx].purpose);
        list[idx].current = !later;
    }
    Ok(list)
}

/// Records a consent decision. Withdrawing needs a consent in force.
pub(crate) fn record_consent(
    ctx: &WriteCtx<'_>,
    patient_id: &str,
    purpose: ConsentPurpose,
    granted: bool,
    given_by: Option<&str>,
) -> Result<Consent> {
    let given_by = match validate::optional_line("given_by", given_by, MAX_NAME)? {
        Some(name) => format!("representative: {name}"),
        None => "patient".to_string(),
    };
    let current = list_consents(ctx.conn, patient_id)?
        .into_iter()
        .find(|c| c.current && c.purpose == purpose);
    if !granted && current.as_ref().is_none_or(|c| c.status != "granted") {
        return Err(RecordError::NoConsentInForce { purpose }.into());
    }
    let id = uuid::Uuid::now_v7().to_string();
    let hlc = next_hlc(ctx.conn, ctx.now_us, ctx.device_id)?;
    let status = if granted { "granted" } else { "withdrawn" };
    ctx.conn.execute(
        "INSERT INTO consents (id, patient_id, purpose, status, decided_us, given_by, recorded_by, hlc)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![id, patient_id, purpose.as_str(), status, ctx.now_us, given_by, ctx.actor, hlc],
    )?;
    Ok(Consent {
        id,
        patient_id: PatientId::from(patient_id),
        purpose,
        status: status.to_string(),
        decided_us: ctx.now_us,
        given_by,
        recorded_by: ctx.actor.to_string(),
        current: true,
    })
}
