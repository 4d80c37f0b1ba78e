//! Roles and the permission matrix of DESIGN §4, in one place. [`allows`] is the only
//! function that decides; the session's entry point calls it for every operation.

use clinic_vault_proto::Action;
use serde::{Deserialize, Serialize};

use crate::error::Result;

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
            other => Err(crate::invalid::Invalid::quoting(
                "role",
                crate::invalid::Rule::NotOneOf(&["receptionist", "clinician", "admin"]),
                other,
            )
            .into()),
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

impl Permission {
    /// Every permission, in DESIGN §4's order.
    pub const ALL: [Permission; 18] = [
        Permission::DemographicsRead,
        Permission::DemographicsWrite,
        Permission::DemographicsArchive,
        Permission::DemographicsHistory,
        Permission::ClinicalRead,
        Permission::ClinicalWrite,
        Permission::ClinicalHistory,
        Permission::ScanImport,
        Permission::ScanView,
        Permission::ConsentRead,
        Permission::ConsentRecord,
        Permission::ConsentWithdraw,
        Permission::GdprLog,
        Permission::GdprFulfil,
        Permission::ManageUsers,
        Permission::ManageSettings,
        Permission::RotateKeys,
        Permission::AuditReview,
    ];

    /// The permission's name for the UI and the docs (`snake_case`).
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::DemographicsRead => "demographics_read",
            Permission::DemographicsWrite => "demographics_write",
            Permission::DemographicsArchive => "demographics_archive",
            Permission::DemographicsHistory => "demographics_history",
            Permission::ClinicalRead => "clinical_read",
            Permission::ClinicalWrite => "clinical_write",
            Permission::ClinicalHistory => "clinical_history",
            Permission::ScanImport => "scan_import",
            Permission::ScanView => "scan_view",
            Permission::ConsentRead => "consent_read",
            Permission::ConsentRecord => "consent_record",
            Permission::ConsentWithdraw => "consent_withdraw",
            Permission::GdprLog => "gdpr_log",
            Permission::GdprFulfil => "gdpr_fulfil",
            Permission::ManageUsers => "manage_users",
            Permission::ManageSettings => "manage_settings",
            Permission::RotateKeys => "rotate_keys",
            Permission::AuditReview => "audit_review",
        }
    }
}

/// What an audit action needs from whoever records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requirement {
    /// An operation on a session that the user's role must allow.
    Permission(Permission),
    /// An operation on a session that any unlocked, enabled user may do.
    Unlocked,
    /// Recorded by `init` or an entry path (unlock, first login, recovery), never an
    /// operation on a session.
    EntryPath,
    /// Recorded by the sync worker for the workstation (actor `-`) while any user is
    /// unlocked; never an operation a user asks for.
    SyncWorker,
}

/// The permission each action needs (DESIGN §4). Exhaustive, so a new action in the
/// catalogue cannot be added without deciding who may do it.
pub fn requirement(action: Action) -> Requirement {
    use Action as A;
    use Permission as P;
    let permission = match action {
        A::VaultCreate
        | A::RecoveryKeyCreate
        | A::RecoveryUse
        | A::UserUnlock
        | A::UserQuickUnlock
        | A::UserLockout
        | A::UserFirstLogin
        | A::UserTotpEnroll
        | A::JournalQuarantine
        | A::JournalAttempt
        | A::JournalLockout
        | A::VaultClockAccept => return Requirement::EntryPath,
        A::UserLock
        | A::UserWhoami
        | A::UserPasswordChange
        | A::UserTotpConfirm
        | A::UserPinSet
        | A::SettingsRead => return Requirement::Unlocked,
        A::VaultRekeyBegin | A::VaultRekey | A::RecoveryKeyRotate | A::RecoveryKeyClearLockout => {
            P::RotateKeys
        }
        A::VaultVerify | A::AuditList | A::AuditHead | A::AuditVerify => P::AuditReview,
        // Removing local audit detail is erasure of personal data (GDPR erasure and
        // retention, both run by an admin).
        A::AuditRedact => P::GdprFulfil,
        A::UserAdd
        | A::UserDisable
        | A::UserEnable
        | A::UserResetTotp
        | A::UserClearLockout
        | A::UserResetPassword
        | A::UserRoleChange
        | A::UserList
        | A::UserCountAdmins => P::ManageUsers,
        // Where the vault's audit trail and scans are sent is the admin's setting.
        A::SettingsUpdate | A::DeviceEnroll | A::DeviceForget => P::ManageSettings,
        A::SyncHalt | A::SyncError => return Requirement::SyncWorker,
        A::PatientSearch | A::PatientView => P::DemographicsRead,
        A::PatientCreate | A::PatientUpdate => P::DemographicsWrite,
        A::PatientArchive => P::DemographicsArchive,
        A::PatientHistory => P::DemographicsHistory,
        A::NoteView | A::PrescriptionView => P::ClinicalRead,
        A::NoteCreate
        | A::NoteAddendum
        | A::NoteVoid
        | A::PrescriptionCreate
        | A::PrescriptionVoid => P::ClinicalWrite,
        A::ConsentView => P::ConsentRead,
        A::ConsentGrant => P::ConsentRecord,
        A::ConsentWithdraw => P::ConsentWithdraw,
        // The desk imports scans and sees what a patient's scans are (a type icon); only
        // a role that may view scans sees a thumbnail or decrypts one.
        A::ScanImport | A::ScanList => P::ScanImport,
        A::ScanThumbnail | A::ScanExport | A::ScanView => P::ScanView,
        // Authenticating every chunk shows nothing of the content: an IT task, like
        // `vault verify`.
        A::ScanVerify => P::AuditReview,
    };
    Requirement::Permission(permission)
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
    use crate::error::Error;
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
    fn the_table_covers_every_permission_once() {
        let listed: Vec<Permission> = TABLE.iter().map(|row| row.0).collect();
        assert_eq!(listed, Permission::ALL);
    }

    #[test]
    fn every_action_that_changes_or_reads_records_needs_a_permission() {
        use clinic_vault_proto::{Action, ResourceType};
        for action in Action::ALL {
            let records = matches!(
                action.resource_type(),
                ResourceType::Patient
                    | ResourceType::Note
                    | ResourceType::Prescription
                    | ResourceType::Consent
                    | ResourceType::Audit
            );
            if records {
                assert!(
                    matches!(requirement(*action), Requirement::Permission(_)),
                    "{action:?} reads or changes protected data without a permission"
                );
            }
        }
        assert_eq!(
            requirement(Action::NoteView),
            Requirement::Permission(ClinicalRead)
        );
        assert_eq!(requirement(Action::UserLock), Requirement::Unlocked);
        assert_eq!(requirement(Action::UserUnlock), Requirement::EntryPath);
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
