//! Roles and the permission matrix of DESIGN §4, in one place. [`allows`] is the only
//! function that decides; the session's entry point calls it for every operation.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// One role per account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Front desk: demographics, consents, scan import.
    Receptionist,
    /// Treatment room: everything clinical.
    Clinician,
    /// IT and compliance: users, keys, settings, audit review; no clinical content.
    Admin,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 3] = [Role::Receptionist, Role::Clinician, Role::Admin];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Receptionist => "receptionist",
            Role::Clinician => "clinician",
            Role::Admin => "admin",
        }
    }

    /// Parses a role name as typed.
    pub fn parse(text: &str) -> Result<Role> {
        match text.trim().to_ascii_lowercase().as_str() {
            "receptionist" => Ok(Role::Receptionist),
            "clinician" => Ok(Role::Clinician),
            "admin" => Ok(Role::Admin),
            other => Err(Error::InvalidInput(format!(
                "unknown role '{other}' (expected receptionist, clinician or admin)"
            ))),
        }
    }
}

/// Something a user may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Read patient demographics.
    DemographicsRead,
    /// Create and update demographics.
    DemographicsWrite,
    /// Archive a patient.
    DemographicsArchive,
    /// See the before/after history of demographics.
    DemographicsHistory,
    /// Read clinical notes and prescriptions.
    ClinicalRead,
    /// Write notes and prescriptions, addenda and voids.
    ClinicalWrite,
    /// See the history of clinical entries.
    ClinicalHistory,
    /// Import a scan.
    ScanImport,
    /// Decrypt and view a scan.
    ScanView,
    /// Read consents.
    ConsentRead,
    /// Record a consent.
    ConsentRecord,
    /// Withdraw a consent.
    ConsentWithdraw,
    /// Log a GDPR request.
    GdprLog,
    /// Fulfil a GDPR request (export discloses clinical content).
    GdprFulfil,
    /// Add, disable, enable users; reset TOTP; clear lockouts.
    ManageUsers,
    /// Settings, retention, backups.
    ManageSettings,
    /// Rotate the data key and the recovery key.
    RotateKeys,
    /// Review audit events and their local detail; verify the vault.
    AuditReview,
}

/// The matrix. Admin reads demographics and consents but no clinical content.
pub fn allows(role: Role, permission: Permission) -> bool {
    use Permission::*;
    use Role::*;
    match permission {
        DemographicsRead | ConsentRead | GdprLog => true,
        DemographicsWrite | DemographicsArchive | DemographicsHistory | ScanImport
        | ConsentRecord | ConsentWithdraw => matches!(role, Receptionist | Clinician),
        ClinicalRead | ClinicalWrite | ClinicalHistory | ScanView => role == Clinician,
        GdprFulfil | ManageUsers | ManageSettings | RotateKeys | AuditReview => role == Admin,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Permission::*;

    /// DESIGN §4 transcribed cell by cell: (permission, receptionist, clinician, admin).
    const TABLE: &[(Permission, bool, bool, bool)] = &[
        (DemographicsRead, true, true, true),
        (DemographicsWrite, true, true, false),
        (DemographicsArchive, true, true, false),
        (DemographicsHistory, true, true, false),
        (ClinicalRead, false, true, false),
        (ClinicalWrite, false, true, false),
        (ClinicalHistory, false, true, false),
        (ScanImport, true, true, false),
        (ScanView, false, true, false),
        (ConsentRead, true, true, true),
        (ConsentRecord, true, true, false),
        (ConsentWithdraw, true, true, false),
        (GdprLog, true, true, true),
        (GdprFulfil, false, false, true),
        (ManageUsers, false, false, true),
        (ManageSettings, false, false, true),
        (RotateKeys, false, false, true),
        (AuditReview, false, false, true),
    ];

    #[test]
    fn matrix_matches_design_table() {
        for &(perm, r, c, a) in TABLE {
            assert_eq!(allows(Role::Receptionist, perm), r, "{perm:?} receptionist");
            assert_eq!(allows(Role::Clinician, perm), c, "{perm:?} clinician");
            assert_eq!(allows(Role::Admin, perm), a, "{perm:?} admin");
        }
    }

    #[test]
    fn roles_parse_and_print() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()).ok(), Some(role));
        }
        assert!(Role::parse(" Admin ").is_ok());
        assert!(matches!(Role::parse("root"), Err(Error::InvalidInput(_))));
    }
}
