//! Patient records: demographics with change history, append-only clinical notes and
//! prescriptions, consents, and search. The types here are what the shells show; the
//! SQL lives in `store`, and every call goes through `Session`'s entry point
//! (`vault/records_ops.rs`), which checks the role and writes the audit event.

pub mod error;
pub mod fold;
mod ops;
pub(crate) mod store;
#[cfg(test)]
pub(crate) mod tests;
pub mod validate;

use serde::{Deserialize, Serialize};

pub use crate::ids::PatientId;

/// Longest name part.
pub const MAX_NAME: usize = 100;
/// Longest address.
pub const MAX_ADDRESS: usize = 500;
/// Longest note or addendum.
pub const MAX_NOTE: usize = 20_000;
/// Longest void reason.
pub const MAX_REASON: usize = 1_000;
/// Longest prescription field (drug, strength, dose, frequency, duration).
pub const MAX_RX_FIELD: usize = 200;
/// Longest prescription instructions.
pub const MAX_RX_INSTRUCTIONS: usize = 2_000;
/// Default and largest number of search results.
pub const DEFAULT_SEARCH_LIMIT: u32 = 20;
/// Largest number of search results.
pub const MAX_SEARCH_LIMIT: u32 = 500;

/// A new patient as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewPatient {
    /// Given name(s).
    pub given: String,
    /// Family name(s).
    pub family: String,
    /// Date of birth, `YYYY-MM-DD`.
    pub dob: String,
    /// female, male, other or unknown.
    pub sex: Option<String>,
    /// E.164 phone number.
    pub phone: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// Postal address.
    pub address: Option<String>,
}

/// Fields to change; `None` leaves a field as it is, an empty string clears an optional
/// field.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientUpdate {
    /// New given name(s).
    pub given: Option<String>,
    /// New family name(s).
    pub family: Option<String>,
    /// New date of birth.
    pub dob: Option<String>,
    /// New sex ("" clears).
    pub sex: Option<String>,
    /// New phone ("" clears).
    pub phone: Option<String>,
    /// New e-mail ("" clears).
    pub email: Option<String>,
    /// New address ("" clears).
    pub address: Option<String>,
}

/// A patient's demographics.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Patient {
    /// UUIDv7.
    pub id: PatientId,
    /// Medical record number: device prefix and counter, unique across devices.
    pub mrn: String,
    /// Given name(s).
    pub given: String,
    /// Family name(s).
    pub family: String,
    /// Date of birth.
    pub dob: String,
    /// Sex.
    pub sex: Option<String>,
    /// Phone (E.164).
    pub phone: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Address.
    pub address: Option<String>,
    /// Archived patients are found only on request.
    pub archived: bool,
    /// Created when (µs).
    pub created_us: i64,
    /// Created by (user name).
    pub created_by: String,
    /// Last changed when (µs).
    pub updated_us: i64,
    /// Last changed by.
    pub updated_by: String,
    /// Row version, +1 per change.
    pub version: i64,
    /// Hybrid-logical-clock stamp of the last change.
    pub hlc: String,
}

/// The id and MRN of a new patient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PatientRef {
    /// UUIDv7.
    pub id: PatientId,
    /// Medical record number.
    pub mrn: String,
}

/// One changed field in the demographics history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryEntry {
    /// When (µs).
    pub changed_us: i64,
    /// By whom.
    pub changed_by: String,
    /// Which field.
    pub field: String,
    /// Value before (absent for a cleared or new field).
    pub before: Option<String>,
    /// Value after.
    pub after: Option<String>,
}

/// How to search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchOptions {
    /// Most results.
    pub limit: u32,
    /// Whether archived patients may appear.
    pub include_archived: bool,
}

impl Default for SearchOptions {
    fn default() -> Self {
        SearchOptions {
            limit: DEFAULT_SEARCH_LIMIT,
            include_archived: false,
        }
    }
}

/// Why a search result matched, in ranking order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    /// The whole MRN.
    Mrn,
    /// The date of birth.
    Dob,
    /// A family-name prefix.
    Family,
    /// A given-name prefix.
    Given,
    /// A run of 4+ phone digits.
    Phone,
}

impl MatchKind {
    /// `mrn`, `dob`, `family`, `given` or `phone`.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchKind::Mrn => "mrn",
            MatchKind::Dob => "dob",
            MatchKind::Family => "family",
            MatchKind::Given => "given",
            MatchKind::Phone => "phone",
        }
    }
}

/// A search result: the patient and why it matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SearchHit {
    /// Why it matched.
    pub matched: MatchKind,
    /// The patient.
    pub patient: Patient,
}

/// A void of a note or prescription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Void {
    /// When (µs).
    pub voided_us: i64,
    /// By whom.
    pub voided_by: String,
    /// Why.
    pub reason: String,
}

/// A clinical note or an addendum to one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    /// UUIDv7.
    pub id: String,
    /// The patient.
    pub patient_id: PatientId,
    /// The note this is an addendum to.
    pub addendum_to: Option<String>,
    /// The clinician who wrote it.
    pub author: String,
    /// When (µs).
    pub created_us: i64,
    /// The text.
    pub text: String,
    /// Set when voided.
    pub void: Option<Void>,
}

/// A new prescription as typed (the prescriber is the unlocked clinician).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewPrescription {
    /// Drug name.
    pub drug: String,
    /// Strength, e.g. "500 mg".
    pub strength: String,
    /// Dose, e.g. "1 tablet".
    pub dose: String,
    /// Frequency, e.g. "twice daily".
    pub frequency: String,
    /// Duration, e.g. "7 days".
    pub duration: Option<String>,
    /// Instructions.
    pub instructions: Option<String>,
    /// The patient's scans it was written from (a paper prescription or referral).
    #[serde(default)]
    pub scans: Vec<crate::ids::ScanId>,
}

/// A prescription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Prescription {
    /// UUIDv7.
    pub id: String,
    /// The patient.
    pub patient_id: PatientId,
    /// The prescribing clinician.
    pub prescriber: String,
    /// Date prescribed (`YYYY-MM-DD`, UTC).
    pub date: String,
    /// When (µs).
    pub created_us: i64,
    /// Drug.
    pub drug: String,
    /// Strength.
    pub strength: String,
    /// Dose.
    pub dose: String,
    /// Frequency.
    pub frequency: String,
    /// Duration.
    pub duration: Option<String>,
    /// Instructions.
    pub instructions: Option<String>,
    /// Set when voided.
    pub void: Option<Void>,
    /// The scans it was written from.
    pub scans: Vec<crate::ids::ScanId>,
}

/// What a consent is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentPurpose {
    /// Treatment.
    Treatment,
    /// Processing of personal data.
    DataProcessing,
    /// Appointment reminders.
    Reminders,
    /// Research.
    Research,
}

impl ConsentPurpose {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ConsentPurpose::Treatment => "treatment",
            ConsentPurpose::DataProcessing => "data_processing",
            ConsentPurpose::Reminders => "reminders",
            ConsentPurpose::Research => "research",
        }
    }

    /// Parses a typed purpose (`data-processing` and `data_processing` both work).
    pub fn parse(text: &str) -> crate::Result<Self> {
        match text.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "treatment" => Ok(ConsentPurpose::Treatment),
            "data_processing" => Ok(ConsentPurpose::DataProcessing),
            "reminders" => Ok(ConsentPurpose::Reminders),
            "research" => Ok(ConsentPurpose::Research),
            other => Err(crate::invalid::Invalid::quoting(
                "purpose",
                crate::invalid::Rule::NotOneOf(&[
                    "treatment",
                    "data_processing",
                    "reminders",
                    "research",
                ]),
                other,
            )
            .into()),
        }
    }
}

/// A consent decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Consent {
    /// UUIDv7.
    pub id: String,
    /// The patient.
    pub patient_id: PatientId,
    /// What for.
    pub purpose: ConsentPurpose,
    /// `granted` or `withdrawn`.
    pub status: String,
    /// When (µs).
    pub decided_us: i64,
    /// Who gave or withdrew it: `patient`, or a named representative.
    pub given_by: String,
    /// The user who recorded it.
    pub recorded_by: String,
    /// Whether this is the decision in force for its purpose (the latest).
    pub current: bool,
}
