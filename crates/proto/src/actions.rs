//! The action catalogue: every audit action a Clinic Vault workstation records, with
//! its wire name (the `action` field of [`crate::AuditEvent`]), the type of resource it
//! names and its alert level. It lives here, not in core, because the sync server raises
//! alerts from it and must not depend on core. Core maps each action to the permission
//! it needs; the UI's action suggestions and ARCHITECTURE.md's list are checked against
//! [`Action::ALL`] by contract tests.
//!
//! Wire names are part of the chain's content: a name, once used, never changes meaning.

/// What kind of thing an event names in `resource_type` / `resource_id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResourceType {
    /// The vault itself (its id).
    Vault,
    /// A user account (its user name).
    User,
    /// The audit trail.
    Audit,
    /// The clinic's settings.
    Settings,
    /// The pre-unlock journal.
    Journal,
    /// A patient (the patient id).
    Patient,
    /// A clinical note (the note id, or the patient id for a read of all of them).
    Note,
    /// A prescription (its id, or the patient id for a read of all of them).
    Prescription,
    /// A consent decision (its id, or the patient id for a read of all of them).
    Consent,
    /// A prescription scan (the scan id, or the patient id for a list or a verify of all).
    Scan,
    /// This workstation as a device of the clinic's sync server (its device id).
    Device,
}

impl ResourceType {
    /// Every resource type.
    pub const ALL: [ResourceType; 11] = [
        ResourceType::Vault,
        ResourceType::User,
        ResourceType::Audit,
        ResourceType::Settings,
        ResourceType::Journal,
        ResourceType::Patient,
        ResourceType::Note,
        ResourceType::Prescription,
        ResourceType::Consent,
        ResourceType::Scan,
        ResourceType::Device,
    ];

    /// The `resource_type` field's value.
    pub fn wire_name(self) -> &'static str {
        match self {
            ResourceType::Vault => "vault",
            ResourceType::User => "user",
            ResourceType::Audit => "audit",
            ResourceType::Settings => "settings",
            ResourceType::Journal => "journal",
            ResourceType::Patient => "patient",
            ResourceType::Note => "note",
            ResourceType::Prescription => "prescription",
            ResourceType::Consent => "consent",
            ResourceType::Scan => "scan",
            ResourceType::Device => "device",
        }
    }
}

/// How much attention an action deserves on the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AlertLevel {
    /// Part of the daily work.
    Routine,
    /// Flagged for the admin's review whatever its outcome: account creation,
    /// re-enabling an account and a role change (each grants a role), a password reset
    /// (it hands an account to whoever gets the one-time password), and a redaction (it
    /// removes local audit detail).
    Alert,
}

impl AlertLevel {
    /// `routine` or `alert`.
    pub fn wire_name(self) -> &'static str {
        match self {
            AlertLevel::Routine => "routine",
            AlertLevel::Alert => "alert",
        }
    }
}

/// How an audited attempt ended (the `outcome` field).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// It was done.
    Success,
    /// It was allowed but failed (wrong credentials, a conflict, invalid input…).
    Failure,
    /// It was refused: the account is disabled, the role may not, or attempts are locked out.
    Denied,
}

impl Outcome {
    /// `success`, `failure` or `denied`.
    pub fn wire_name(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Denied => "denied",
        }
    }
}

macro_rules! catalogue {
    ($( $(#[doc = $doc:literal])+ $variant:ident = $wire:literal, $resource:ident, $level:ident; )+) => {
        /// An audit action (see the module docs).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Action {
            $( $(#[doc = $doc])+ $variant, )+
        }

        impl Action {
            /// Every action, in catalogue order.
            pub const ALL: &'static [Action] = &[ $( Action::$variant, )+ ];

            /// The `action` field's value.
            pub fn wire_name(self) -> &'static str {
                match self { $( Action::$variant => $wire, )+ }
            }

            /// The type of resource its events name.
            pub fn resource_type(self) -> ResourceType {
                match self { $( Action::$variant => ResourceType::$resource, )+ }
            }

            /// Its alert level.
            pub fn level(self) -> AlertLevel {
                match self { $( Action::$variant => AlertLevel::$level, )+ }
            }

            /// What the action is, in one sentence (for docs and review pages).
            pub fn description(self) -> &'static str {
                match self { $( Action::$variant => concat!($($doc),+).trim_ascii(), )+ }
            }
        }
    };
}

catalogue! {
    /// A vault was created.
    VaultCreate = "vault.create", Vault, Routine;
    /// A data-key rotation began: every slot gained the next key.
    VaultRekeyBegin = "vault.rekey_begin", Vault, Routine;
    /// A data-key rotation finished (or, at unlock, was completed or abandoned).
    VaultRekey = "vault.rekey", Vault, Routine;
    /// Every page, the key slots and the audit chain were checked.
    VaultVerify = "vault.verify", Vault, Routine;
    /// The first recovery key was made.
    RecoveryKeyCreate = "recovery_key.create", Vault, Routine;
    /// The recovery key was replaced.
    RecoveryKeyRotate = "recovery_key.rotate", Vault, Routine;
    /// An admin cleared the recovery key's failed-attempt counter.
    RecoveryKeyClearLockout = "recovery_key.clear_lockout", Vault, Routine;
    /// The recovery key gave an admin a new password and authenticator.
    RecoveryUse = "recovery.use", User, Routine;
    /// The recovery key accepted the PC's clock as correct although the vault had seen
    /// a later time; the local detail keeps both times.
    VaultClockAccept = "vault.clock_accept", Vault, Alert;
    /// A user unlocked (or tried to).
    UserUnlock = "user.unlock", User, Routine;
    /// A session was locked; the local detail says why.
    UserLock = "user.lock", User, Routine;
    /// Failed attempts reached the delay or the hard lock (written by earlier versions;
    /// now reported as `journal.lockout`).
    UserLockout = "user.lockout", User, Routine;
    /// A new user replaced their one-time password (or tried to).
    UserFirstLogin = "user.first_login", User, Routine;
    /// An account was created with a role.
    UserAdd = "user.add", User, Alert;
    /// An account was disabled and its key slot removed.
    UserDisable = "user.disable", User, Routine;
    /// A disabled account was enabled again with a one-time password.
    UserEnable = "user.enable", User, Alert;
    /// An admin reset a user's authenticator.
    UserResetTotp = "user.reset_totp", User, Routine;
    /// An admin cleared a user's failed-attempt counter.
    UserClearLockout = "user.clear_lockout", User, Routine;
    /// A user changed their password.
    UserPasswordChange = "user.password_change", User, Routine;
    /// A new authenticator secret was issued.
    UserTotpEnroll = "user.totp_enroll", User, Routine;
    /// A new authenticator was confirmed by its first code.
    UserTotpConfirm = "user.totp_confirm", User, Routine;
    /// A user asked who is unlocked.
    UserWhoami = "user.whoami", User, Routine;
    /// The users were listed.
    UserList = "user.list", User, Routine;
    /// The enabled admins were counted (for the second-admin reminder).
    UserCountAdmins = "user.count_admins", User, Routine;
    /// Audit events were listed with their local detail.
    AuditList = "audit.list", Audit, Routine;
    /// The chain head was read.
    AuditHead = "audit.head", Audit, Routine;
    /// The chain was recomputed.
    AuditVerify = "audit.verify", Audit, Routine;
    /// The local detail, search hits and salts of the events it names were removed.
    AuditRedact = "audit.redact", Audit, Alert;
    /// Journal lines the vault did not write were set aside.
    JournalQuarantine = "journal.quarantine", Journal, Routine;
    /// An attempt made while the vault was locked, as the pre-unlock journal reports
    /// it. Unauthenticated: anyone who can write the vault directory could have written
    /// the report, its user name and its time.
    JournalAttempt = "journal.attempt", User, Routine;
    /// The pre-unlock journal reports that failed attempts reached the delay or the
    /// hard lock (unauthenticated, like every journal report).
    JournalLockout = "journal.lockout", User, Routine;
    /// The session settings were read.
    SettingsRead = "settings.read", Settings, Routine;
    /// The session settings were changed; the changed fields name them.
    SettingsUpdate = "settings.update", Settings, Routine;
    /// Patients were searched; the local detail keeps the query and who was shown.
    PatientSearch = "patient.search", Patient, Routine;
    /// A patient's demographics were read.
    PatientView = "patient.view", Patient, Routine;
    /// A patient was added.
    PatientCreate = "patient.create", Patient, Routine;
    /// A patient's demographics changed; the changed fields name them.
    PatientUpdate = "patient.update", Patient, Routine;
    /// A patient was archived.
    PatientArchive = "patient.archive", Patient, Routine;
    /// A patient's demographics history was read.
    PatientHistory = "patient.history", Patient, Routine;
    /// A patient's clinical notes were read.
    NoteView = "note.view", Note, Routine;
    /// A clinical note was written.
    NoteCreate = "note.create", Note, Routine;
    /// An addendum was added to a note.
    NoteAddendum = "note.addendum", Note, Routine;
    /// A note was voided with a reason.
    NoteVoid = "note.void", Note, Routine;
    /// A patient's prescriptions were read.
    PrescriptionView = "prescription.view", Prescription, Routine;
    /// A prescription was written.
    PrescriptionCreate = "prescription.create", Prescription, Routine;
    /// A prescription was voided with a reason.
    PrescriptionVoid = "prescription.void", Prescription, Routine;
    /// A patient's consent decisions were read.
    ConsentView = "consent.view", Consent, Routine;
    /// A consent was recorded.
    ConsentGrant = "consent.grant", Consent, Routine;
    /// A consent was withdrawn.
    ConsentWithdraw = "consent.withdraw", Consent, Routine;
    /// A patient's scans were listed (what they are, never their content).
    ScanList = "scan.list", Scan, Routine;
    /// A file was imported as a scan: checked, stripped of metadata, encrypted and stored.
    /// A refused file is a failure whose local detail keeps the reason, never the content.
    ScanImport = "scan.import", Scan, Routine;
    /// A scan's thumbnail was shown (a view of its content).
    ScanThumbnail = "scan.thumbnail", Scan, Routine;
    /// A scan was decrypted and written to a file outside the vault.
    ScanExport = "scan.export", Scan, Routine;
    /// A scan was decrypted in memory and opened in the viewer.
    ScanView = "scan.view", Scan, Routine;
    /// Stored scans were authenticated chunk by chunk; the local detail names the damaged ones.
    ScanVerify = "scan.verify", Scan, Routine;
    /// A user set a PIN for quick unlock after their next idle or OS lock.
    UserPinSet = "user.pin_set", User, Routine;
    /// A user unlocked with their PIN, from the data key kept wrapped since their lock.
    UserQuickUnlock = "user.quick_unlock", User, Routine;
    /// An admin reset a user's forgotten password: a new one-time password, the old key
    /// slot removed.
    UserResetPassword = "user.reset_password", User, Alert;
    /// An admin gave a user another role; the local detail keeps the old and new role.
    UserRoleChange = "user.role_change", User, Alert;
    /// An admin enrolled this workstation with a sync server (its URL and the
    /// workstation name in the local detail).
    DeviceEnroll = "device.enroll", Device, Routine;
    /// An admin made this workstation forget its sync server: it stops syncing, and
    /// what is queued stays in the vault.
    DeviceForget = "device.forget", Device, Alert;
    /// Sync stopped until a person acts: the local chain was cut or rewritten, the
    /// server holds less than it acknowledged, or it refuses this device (the code in
    /// the local detail).
    SyncHalt = "sync.halt", Device, Alert;
    /// Sync failed in a new way and keeps retrying (a server that answers garbage, a
    /// certificate that does not verify, an unreachable server): recorded once per
    /// change of the error's code, never once per attempt.
    SyncError = "sync.error", Device, Routine;
}

impl Action {
    /// The action with this wire name.
    pub fn from_wire(name: &str) -> Option<Action> {
        Action::ALL.iter().copied().find(|a| a.wire_name() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_are_unique_and_round_trip() {
        let mut names: Vec<&str> = Action::ALL.iter().map(|a| a.wire_name()).collect();
        for action in Action::ALL {
            assert_eq!(Action::from_wire(action.wire_name()), Some(*action));
        }
        names.sort_unstable();
        let n = names.len();
        names.dedup();
        assert_eq!(names.len(), n, "a wire name is used twice");
        assert_eq!(Action::from_wire("user.sudo"), None);
    }

    #[test]
    fn each_action_is_named_after_its_resource() {
        for action in Action::ALL {
            let prefix = action.wire_name().split('.').next().expect("prefix");
            let resource = action.resource_type().wire_name();
            // `recovery.use` and `recovery_key.*` concern users and the vault; the
            // journal's reports of attempts name the user they claim.
            let expected = match action.wire_name() {
                "journal.attempt" | "journal.lockout" => "user",
                _ => match prefix {
                    "recovery" => "user",
                    "recovery_key" => "vault",
                    "sync" => "device",
                    other => other,
                },
            };
            assert_eq!(resource, expected, "{action:?}");
        }
    }

    #[test]
    fn the_alert_level_actions_are_the_role_grants_the_password_reset_the_clock_override_the_redaction_and_the_sync_stops(
    ) {
        let alerts: Vec<&str> = Action::ALL
            .iter()
            .filter(|a| a.level() == AlertLevel::Alert)
            .map(|a| a.wire_name())
            .collect();
        assert_eq!(
            alerts,
            [
                "vault.clock_accept",
                "user.add",
                "user.enable",
                "audit.redact",
                "user.reset_password",
                "user.role_change",
                "device.forget",
                "sync.halt"
            ]
        );
        assert_eq!(
            Action::UserAdd.description(),
            "An account was created with a role."
        );
    }
}
