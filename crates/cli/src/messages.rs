//! The CLI's own sentences for core's errors, written for an IT admin at a terminal:
//! they name the commands and flags that help. Core's errors carry the facts; where the
//! CLI has nothing to add, core's neutral wording is shown as it is.

use clinic_vault_core::clock::format_utc;
use clinic_vault_core::error::{AuthError, RecordError, ScanError, UserError, VaultError};
use clinic_vault_core::scans::acquire::AcquireError;
use clinic_vault_core::Error as CoreError;

use crate::error::Error;

/// The one-line message for `err`.
pub fn error_message(err: &Error) -> String {
    match err {
        Error::Core(err) => core_message(err),
        Error::Usage(text) | Error::Io(text) | Error::Partial(text) | Error::Damaged(text) => {
            text.clone()
        }
        Error::Sync { message, .. } => message.clone(),
    }
}

fn core_message(err: &CoreError) -> String {
    use CoreError as Error;
    match err {
        Error::Records(RecordError::LikelyDuplicate { mrn, .. }) => format!(
            "a patient with the same name and date of birth already exists (MRN {mrn}); check it is not the same person, then add with --force"
        ),
        Error::Records(RecordError::NoteVoided { note_id, reason }) => {
            format!("note {note_id} was voided ({reason}); write a new note instead")
        }
        Error::Auth(AuthError::LockedOut {
            retry_after_secs: Some(secs),
            n_failures,
        }) => format!("too many failed attempts ({n_failures}): try again in {secs} s"),
        Error::Auth(AuthError::LockedOut {
            retry_after_secs: None,
            n_failures,
        }) => format!(
            "locked after {n_failures} failed attempts: an admin must clear it (user unlock NAME for an account, recovery-key clear-lockout for the recovery key), or use the recovery key"
        ),
        Error::Auth(AuthError::ClockBehind {
            pc_time_us,
            latest_seen_us,
        }) => format!(
            "this PC's clock reads {} UTC, but the vault was last used at {} UTC: correct the PC's date and time and try again; if the clock is right now (it had run ahead), an admin accepts it with the recovery key: recover --accept-clock",
            format_utc(*pc_time_us),
            format_utc(*latest_seen_us)
        ),
        Error::Auth(AuthError::OneTimePasswordExpired { expired_us }) => format!(
            "this one-time password expired at {} UTC: ask an admin to issue a new one (user disable, then user enable)",
            format_utc(*expired_us)
        ),
        Error::Auth(AuthError::ResetCodeExpired) => {
            "this TOTP reset code has expired: ask an admin for a new one (user reset-totp)".into()
        }
        Error::Auth(AuthError::StillOneTimePassword { user }) => format!(
            "{user} still has a one-time password: run first-login to choose a password and set up the authenticator"
        ),
        Error::Users(UserError::NotOnOwnAccount) => {
            "not on your own account: change your own password with passwd; another admin changes your role".into()
        }
        Error::Users(UserError::NotLoggedInYet { name }) => format!(
            "{name} has not logged in yet: first-login enrolls the authenticator"
        ),
        Error::Vault(VaultError::KeyslotsMissing {
            path,
            interrupted_init: true,
        }) => format!(
            "{} holds a half-created vault (init was interrupted before the keyslots file was written): run init again",
            path.display()
        ),
        Error::Vault(VaultError::KeyslotsMissing {
            path,
            interrupted_init: false,
        }) => format!(
            "{} holds a vault database but its keyslots file is missing: restore keyslots from a backup into that directory (init will not overwrite the database)",
            path.display()
        ),
        Error::Vault(VaultError::WouldOverwrite { path, files }) => format!(
            "{} holds a vault database ({}) but no keyslots file, and init never deletes a database: restore keyslots from a backup; if you are sure the database holds nothing you need, move these files away and run init again",
            path.display(),
            files.join(", ")
        ),
        Error::VaultNotFound(path) => format!(
            "no vault at {}: check --vault, or create one with init",
            path.display()
        ),
        Error::VaultTooNew { found, supported } => format!(
            "this vault uses format {found}; this build understands up to {supported}: update Clinic Vault"
        ),
        Error::Scans(ScanError::Refused(refusal)) => format!("the file was refused: {refusal}"),
        Error::Scans(ScanError::ExportExists { path }) => format!(
            "{} exists already: exports never replace a file; choose a new name",
            path.display()
        ),
        Error::Scans(ScanError::ExportInsideVault { path }) => format!(
            "{} is inside the vault directory: decrypted scans never go there; export to a folder outside the vault",
            path.display()
        ),
        Error::Scans(ScanError::Damaged { scan_id, problem }) => format!(
            "scan {scan_id} is damaged ({problem}): nothing was exported; run scan verify, and restore the vault from a backup"
        ),
        Error::Scans(ScanError::Scanner(AcquireError::NoScanner)) => {
            "no scanner was found: check that it is switched on and connected; scan devices lists what SANE sees".into()
        }
        Error::Scans(ScanError::Scanner(AcquireError::UnknownDevice { device })) => format!(
            "the scanner {device} was not found: scan devices lists the scanners attached"
        ),
        Error::Scans(ScanError::Scanner(AcquireError::ToolMissing { program })) => format!(
            "the scanner software ({program}) is not installed: install Debian's sane-utils package"
        ),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_duplicate_names_the_mrn_and_the_flag_that_adds_anyway() {
        let err = CoreError::Records(RecordError::LikelyDuplicate {
            patient_id: "0190-…".into(),
            mrn: "ABCD-000001".into(),
        });
        let text = core_message(&err);
        assert!(text.contains("MRN ABCD-000001"), "{text}");
        assert!(text.contains("--force"), "{text}");
        assert!(!err.to_string().contains("--force"), "core names no flag");
    }

    #[test]
    fn a_hard_lock_says_who_can_clear_it() {
        let err = Error::Core(CoreError::Auth(AuthError::LockedOut {
            retry_after_secs: None,
            n_failures: 20,
        }));
        assert!(error_message(&err).contains("user unlock"));
        assert!(error_message(&err).contains("20 failed attempts"));
        assert_eq!(err.code(), "locked_out");
    }
}
