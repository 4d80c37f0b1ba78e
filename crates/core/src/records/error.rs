//! What can go wrong with patient records, with the facts a shell needs to say so.

use super::{ConsentPurpose, PatientId};

/// Which kind of clinical entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// A clinical note or addendum.
    Note,
    /// A prescription.
    Prescription,
}

impl EntryKind {
    /// `note` or `prescription`.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Note => "note",
            EntryKind::Prescription => "prescription",
        }
    }
}

/// A refused or impossible record operation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    /// A patient with the same folded name and date of birth exists (`conflict`). Adding
    /// anyway needs the caller's explicit confirmation.
    #[error("a patient with the same name and date of birth already exists (MRN {mrn})")]
    LikelyDuplicate {
        /// The existing patient's id.
        patient_id: PatientId,
        /// The existing patient's MRN.
        mrn: String,
    },
    /// No patient has this id (`not_found`).
    #[error("no patient with id {id}")]
    PatientNotFound {
        /// The id asked for.
        id: String,
    },
    /// No entry of this kind has this id (`not_found`).
    #[error("no {} with id {id}", kind.as_str())]
    EntryNotFound {
        /// Note or prescription.
        kind: EntryKind,
        /// The id asked for.
        id: String,
    },
    /// The patient is archived already (`conflict`).
    #[error("patient {mrn} is already archived")]
    AlreadyArchived {
        /// The patient's MRN.
        mrn: String,
    },
    /// The entry was voided before (`conflict`).
    #[error("{} {id} is already voided", kind.as_str())]
    AlreadyVoided {
        /// Note or prescription.
        kind: EntryKind,
        /// The entry.
        id: String,
    },
    /// An addendum to a voided note (`conflict`).
    #[error("note {note_id} was voided ({reason})")]
    NoteVoided {
        /// The voided note.
        note_id: String,
        /// Why it was voided.
        reason: String,
    },
    /// Withdrawing a consent that is not in force (`conflict`).
    #[error("there is no {} consent in force to withdraw", purpose.as_str())]
    NoConsentInForce {
        /// The purpose named.
        purpose: ConsentPurpose,
    },
    /// An update that names no field (`invalid_input`).
    #[error("nothing to update: give at least one field")]
    NothingToUpdate,
}

impl RecordError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            RecordError::PatientNotFound { .. } | RecordError::EntryNotFound { .. } => "not_found",
            RecordError::NothingToUpdate => "invalid_input",
            RecordError::LikelyDuplicate { .. }
            | RecordError::AlreadyArchived { .. }
            | RecordError::AlreadyVoided { .. }
            | RecordError::NoteVoided { .. }
            | RecordError::NoConsentInForce { .. } => "conflict",
        }
    }
}
