//! The SQL behind patient records. Every function takes the caller's connection (inside
//! the entry point's transaction); none checks roles or writes audit events, which is
//! the entry point's job.

mod entries;
mod search;

pub(crate) use entries::*;
pub(crate) use search::search;

use rusqlite::{params, Connection, OptionalExtension};
use sha2::{Digest, Sha256};

use super::validate;
use super::*;
use crate::db;
use crate::error::{Error, RecordError, Result};

/// Who writes, when, from which device.
pub(crate) struct WriteCtx<'a> {
    pub conn: &'a Connection,
    pub actor: &'a str,
    pub now_us: i64,
    pub device_id: &'a str,
}

impl WriteCtx<'_> {
    fn today_days(&self) -> i64 {
        self.now_us.div_euclid(86_400_000_000)
    }
}

/// The MRN counter and the last hybrid-logical-clock stamp (wall-clock ms, counter),
/// read once and written back once around a write (or a whole bulk insert).
pub(crate) struct Stamps {
    mrn: i64,
    hlc: (i64, u32),
}

impl Stamps {
    pub(crate) fn read(conn: &Connection) -> Result<Stamps> {
        let get = |key: &str| -> Result<Option<String>> {
            Ok(conn
                .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
                .query_row([key], |r| r.get(0))
                .optional()?)
        };
        let mrn = get("mrn_counter")?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let hlc = get("hlc")?
            .as_deref()
            .and_then(|s| s.split_once(':'))
            .and_then(|(a, b)| Some((a.parse::<i64>().ok()?, b.parse::<u32>().ok()?)))
            .unwrap_or((0, 0));
        Ok(Stamps { mrn, hlc })
    }

    pub(crate) fn write(&self, conn: &Connection) -> Result<()> {
        db::set_meta(conn, "mrn_counter", &self.mrn.to_string())?;
        db::set_meta(conn, "hlc", &format!("{}:{}", self.hlc.0, self.hlc.1))
    }

    /// The next hybrid-logical-clock stamp: wall-clock milliseconds, a counter for
    /// events in the same millisecond (or while the clock stands behind the last
    /// stamp) and the device, in hex of fixed width so stamps sort as text.
    pub(crate) fn next_hlc(&mut self, now_us: i64, device_id: &str) -> String {
        let wall_ms = now_us.div_euclid(1000);
        self.hlc = if wall_ms > self.hlc.0 {
            (wall_ms, 0)
        } else {
            (self.hlc.0, self.hlc.1 + 1)
        };
        let device: String = device_id
            .chars()
            .filter(char::is_ascii_hexdigit)
            .take(8)
            .collect();
        format!("{:013x}-{:04x}-{device}", self.hlc.0, self.hlc.1)
    }

    /// The next MRN of this device.
    pub(crate) fn next_mrn(&mut self, device_id: &str) -> String {
        self.mrn += 1;
        format!("{}-{:06}", mrn_prefix(device_id), self.mrn)
    }
}

/// The next hybrid-logical-clock stamp for a single write.
pub(crate) fn next_hlc(conn: &Connection, now_us: i64, device_id: &str) -> Result<String> {
    let mut stamps = Stamps::read(conn)?;
    let hlc = stamps.next_hlc(now_us, device_id);
    stamps.write(conn)?;
    Ok(hlc)
}

/// This device's MRN prefix: four Crockford base32 characters from its id.
pub(crate) fn mrn_prefix(device_id: &str) -> String {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let digest = Sha256::digest(device_id.as_bytes());
    let bits =
        (u32::from(digest[0]) << 12) | (u32::from(digest[1]) << 4) | (u32::from(digest[2]) >> 4);
    (0..4)
        .rev()
        .map(|i| ALPHABET[((bits >> (5 * i)) & 0x1f) as usize] as char)
        .collect()
}

/// Whether `text` has the shape of an MRN (`XXXX-NNNNNN`).
pub(crate) fn is_mrn(text: &str) -> bool {
    let Some((prefix, number)) = text.split_once('-') else {
        return false;
    };
    prefix.len() == 4
        && prefix.bytes().all(|b| b.is_ascii_alphanumeric())
        && number.len() >= 6
        && number.bytes().all(|b| b.is_ascii_digit())
}

/// Validates and normalises a new patient.
pub(crate) fn validate_new(p: &NewPatient, today_days: i64) -> Result<NewPatient> {
    Ok(NewPatient {
        given: validate::required_line("given", &p.given, MAX_NAME)?,
        family: validate::required_line("family", &p.family, MAX_NAME)?,
        dob: validate::date_of_birth(&p.dob, today_days)?,
        sex: validate::sex(p.sex.as_deref())?,
        phone: validate::phone(p.phone.as_deref())?,
        email: validate::email(p.email.as_deref())?,
        address: validate::optional_line("address", p.address.as_deref(), MAX_ADDRESS)?,
    })
}

/// The search-index rows of a patient's names and phone.
fn index_rows(given: &str, family: &str, phone: Option<&str>) -> (Vec<(i64, String)>, Vec<String>) {
    let mut names = Vec::new();
    for (field, name) in [(0, family), (1, given)] {
        names.extend(fold::tokens(name).into_iter().map(|t| (field, t)));
    }
    let digits: String = phone
        .unwrap_or("")
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let suffixes = (0..digits.len().saturating_sub(3))
        .map(|start| digits[start..].to_string())
        .collect();
    (names, suffixes)
}

/// Adds (or, with `remove`, deletes by exact key) a patient's search-index rows.
fn index_patient(
    conn: &Connection,
    pk: i64,
    given: &str,
    family: &str,
    phone: Option<&str>,
    remove: bool,
) -> Result<()> {
    let (names, suffixes) = index_rows(given, family, phone);
    let (name_sql, phone_sql) = if remove {
        (
            "DELETE FROM patient_name_tokens WHERE field = ?1 AND token = ?2 AND patient_pk = ?3",
            "DELETE FROM patient_phone_suffixes WHERE suffix = ?1 AND patient_pk = ?2",
        )
    } else {
        (
            "INSERT OR IGNORE INTO patient_name_tokens (field, token, patient_pk) VALUES (?1, ?2, ?3)",
            "INSERT OR IGNORE INTO patient_phone_suffixes (suffix, patient_pk) VALUES (?1, ?2)",
        )
    };
    let mut name_stmt = conn.prepare_cached(name_sql)?;
    for (field, token) in names {
        name_stmt.execute(params![field, token, pk])?;
    }
    let mut phone_stmt = conn.prepare_cached(phone_sql)?;
    for suffix in suffixes {
        phone_stmt.execute(params![suffix, pk])?;
    }
    Ok(())
}

/// Inserts a patient; `conflict` for a likely duplicate unless `force`.
pub(crate) fn insert_patient(
    ctx: &WriteCtx<'_>,
    p: &NewPatient,
    force: bool,
) -> Result<PatientRef> {
    insert_patients(ctx, std::slice::from_ref(p), force).map(|mut refs| refs.remove(0))
}

/// Inserts patients in order, reading and writing the MRN and clock counters once.
pub(crate) fn insert_patients(
    ctx: &WriteCtx<'_>,
    patients: &[NewPatient],
    force: bool,
) -> Result<Vec<PatientRef>> {
    let mut stamps = Stamps::read(ctx.conn)?;
    let refs = patients
        .iter()
        .map(|p| insert_one(ctx, p, force, &mut stamps))
        .collect::<Result<Vec<_>>>()?;
    stamps.write(ctx.conn)?;
    Ok(refs)
}

fn insert_one(
    ctx: &WriteCtx<'_>,
    p: &NewPatient,
    force: bool,
    stamps: &mut Stamps,
) -> Result<PatientRef> {
    let p = validate_new(p, ctx.today_days())?;
    let (given_folded, family_folded) = (fold::fold(&p.given), fold::fold(&p.family));
    if !force {
        let existing: Option<(PatientId, String)> = ctx
            .conn
            .prepare_cached(
                "SELECT id, mrn FROM patients WHERE family_folded = ?1 AND given_folded = ?2 AND dob = ?3 AND tombstone = 0 LIMIT 1",
            )?
            .query_row(params![family_folded, given_folded, p.dob], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        if let Some((existing_id, mrn)) = existing {
            return Err(RecordError::LikelyDuplicate {
                patient_id: existing_id,
                mrn,
            }
            .into());
        }
    }
    let id = PatientId::generate();
    let mrn = stamps.next_mrn(ctx.device_id);
    let hlc = stamps.next_hlc(ctx.now_us, ctx.device_id);
    ctx.conn
        .prepare_cached(
            "INSERT INTO patients (id, mrn, given_name, family_name, given_folded, family_folded, dob, sex, phone,
                 email, address, archived, created_us, created_by, updated_us, updated_by, version, hlc)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 0, ?12, ?13, ?12, ?13, 1, ?14)",
        )?
        .execute(params![
            id,
            mrn,
            p.given,
            p.family,
            given_folded,
            family_folded,
            p.dob,
            p.sex,
            p.phone,
            p.email,
            p.address,
            ctx.now_us,
            ctx.actor,
            hlc
        ])?;
    let pk = ctx.conn.last_insert_rowid();
    index_patient(ctx.conn, pk, &p.given, &p.family, p.phone.as_deref(), false)?;
    Ok(PatientRef { id, mrn })
}

const PATIENT_COLUMNS: &str =
    "p.id, p.mrn, p.given_name, p.family_name, p.dob, p.sex, p.phone, p.email, p.address,
    p.archived, p.created_us, p.created_by, p.updated_us, p.updated_by, p.version, p.hlc";

fn row_to_patient(r: &rusqlite::Row<'_>) -> rusqlite::Result<Patient> {
    Ok(Patient {
        id: r.get(0)?,
        mrn: r.get(1)?,
        given: r.get(2)?,
        family: r.get(3)?,
        dob: r.get(4)?,
        sex: r.get(5)?,
        phone: r.get(6)?,
        email: r.get(7)?,
        address: r.get(8)?,
        archived: r.get::<_, i64>(9)? == 1,
        created_us: r.get(10)?,
        created_by: r.get(11)?,
        updated_us: r.get(12)?,
        updated_by: r.get(13)?,
        version: r.get(14)?,
        hlc: r.get(15)?,
    })
}

/// A patient by id; `not_found` for unknown (or erased) ids.
pub(crate) fn get_patient(conn: &Connection, id: &str) -> Result<Patient> {
    conn.prepare_cached(&format!(
        "SELECT {PATIENT_COLUMNS} FROM patients p WHERE p.id = ?1 AND p.tombstone = 0"
    ))?
    .query_row([id], row_to_patient)
    .optional()?
    .ok_or_else(|| RecordError::PatientNotFound { id: id.to_string() }.into())
}

/// Applies `update`, recording before and after of each changed field in the history.
/// Returns the updated patient and the names of the changed fields.
pub(crate) fn update_patient(
    ctx: &WriteCtx<'_>,
    id: &str,
    update: &PatientUpdate,
) -> Result<(Patient, Vec<&'static str>)> {
    let current = get_patient(ctx.conn, id)?;
    let today = ctx.today_days();
    let mut next = NewPatient {
        given: current.given.clone(),
        family: current.family.clone(),
        dob: current.dob.clone(),
        sex: current.sex.clone(),
        phone: current.phone.clone(),
        email: current.email.clone(),
        address: current.address.clone(),
    };
    if let Some(v) = &update.given {
        next.given = validate::required_line("given", v, MAX_NAME)?;
    }
    if let Some(v) = &update.family {
        next.family = validate::required_line("family", v, MAX_NAME)?;
    }
    if let Some(v) = &update.dob {
        next.dob = validate::date_of_birth(v, today)?;
    }
    if let Some(v) = &update.sex {
        next.sex = validate::sex(Some(v))?;
    }
    if let Some(v) = &update.phone {
        next.phone = validate::phone(Some(v))?;
    }
    if let Some(v) = &update.email {
        next.email = validate::email(Some(v))?;
    }
    if let Some(v) = &update.address {
        next.address = validate::optional_line("address", Some(v), MAX_ADDRESS)?;
    }
    let pairs: [(&'static str, Option<&str>, Option<&str>); 7] = [
        ("given", Some(&current.given), Some(&next.given)),
        ("family", Some(&current.family), Some(&next.family)),
        ("dob", Some(&current.dob), Some(&next.dob)),
        ("sex", current.sex.as_deref(), next.sex.as_deref()),
        ("phone", current.phone.as_deref(), next.phone.as_deref()),
        ("email", current.email.as_deref(), next.email.as_deref()),
        (
            "address",
            current.address.as_deref(),
            next.address.as_deref(),
        ),
    ];
    let changed: Vec<(&'static str, Option<&str>, Option<&str>)> =
        pairs.into_iter().filter(|(_, a, b)| a != b).collect();
    if changed.is_empty() {
        return Ok((current, Vec::new()));
    }
    let hlc = next_hlc(ctx.conn, ctx.now_us, ctx.device_id)?;
    for (field, before, after) in &changed {
        ctx.conn.execute(
            "INSERT INTO patient_history (patient_id, changed_us, changed_by, field, before, after, hlc)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![id, ctx.now_us, ctx.actor, field, before, after, hlc],
        )?;
    }
    ctx.conn.execute(
        "UPDATE patients SET given_name = ?2, family_name = ?3, given_folded = ?4, family_folded = ?5, dob = ?6,
             sex = ?7, phone = ?8, email = ?9, address = ?10, updated_us = ?11, updated_by = ?12,
             version = version + 1, hlc = ?13 WHERE id = ?1",
        params![
            id,
            next.given,
            next.family,
            fold::fold(&next.given),
            fold::fold(&next.family),
            next.dob,
            next.sex,
            next.phone,
            next.email,
            next.address,
            ctx.now_us,
            ctx.actor,
            hlc
        ],
    )?;
    let names: Vec<&'static str> = changed.iter().map(|(f, _, _)| *f).collect();
    if names
        .iter()
        .any(|f| matches!(*f, "given" | "family" | "phone"))
    {
        let pk: i64 = ctx
            .conn
            .prepare_cached("SELECT pk FROM patients WHERE id = ?1")?
            .query_row([id], |r| r.get(0))?;
        index_patient(
            ctx.conn,
            pk,
            &current.given,
            &current.family,
            current.phone.as_deref(),
            true,
        )?;
        index_patient(
            ctx.conn,
            pk,
            &next.given,
            &next.family,
            next.phone.as_deref(),
            false,
        )?;
    }
    Ok((get_patient(ctx.conn, id)?, names))
}

/// Archives a patient (kept, found only on request).
pub(crate) fn archive_patient(ctx: &WriteCtx<'_>, id: &str) -> Result<()> {
    let patient = get_patient(ctx.conn, id)?;
    if patient.archived {
        return Err(RecordError::AlreadyArchived { mrn: patient.mrn }.into());
    }
    let hlc = next_hlc(ctx.conn, ctx.now_us, ctx.device_id)?;
    ctx.conn.execute(
        "INSERT INTO patient_history (patient_id, changed_us, changed_by, field, before, after, hlc)
         VALUES (?1, ?2, ?3, 'archived', 'false', 'true', ?4)",
        params![id, ctx.now_us, ctx.actor, hlc],
    )?;
    ctx.conn.execute(
        "UPDATE patients SET archived = 1, updated_us = ?2, updated_by = ?3, version = version + 1, hlc = ?4 WHERE id = ?1",
        params![id, ctx.now_us, ctx.actor, hlc],
    )?;
    Ok(())
}

/// The demographics history of a patient, oldest first.
pub(crate) fn history(conn: &Connection, id: &str) -> Result<Vec<HistoryEntry>> {
    get_patient(conn, id)?;
    let mut stmt = conn.prepare_cached(
        "SELECT changed_us, changed_by, field, before, after FROM patient_history WHERE patient_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([id], |r| {
        Ok(HistoryEntry {
            changed_us: r.get(0)?,
            changed_by: r.get(1)?,
            field: r.get(2)?,
            before: r.get(3)?,
            after: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
