//! Errors as the UI receives them: `{code, message}` plus the facts a screen needs
//! (the lockout countdown, the PC's time for a clock error).

use serde::Serialize;

use crate::state::EnrollmentKind;

/// A failed command, serialized for the webview.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct IpcError {
    /// Core's error code, `locked` when no session is unlocked, or
    /// `enrollment_expired` when a first login's or recovery's setup page timed out.
    pub code: &'static str,
    /// A sentence for the user.
    pub message: String,
    /// With `locked_out`: seconds until the next attempt is allowed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after_secs: Option<u64>,
    /// With `clock_error`: this PC's time (UTC, ISO 8601).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pc_time_utc: Option<String>,
    /// With `invalid_input` from core: the field that broke a rule (`dob`, `phone`, …),
    /// so a form can point at it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<&'static str>,
}

impl IpcError {
    /// No session is unlocked (locked by idle, by hand, or never unlocked).
    pub fn locked() -> Self {
        IpcError {
            code: "locked",
            message: "The vault is locked. Unlock it to continue.".into(),
            retry_after_secs: None,
            pc_time_utc: None,
            field: None,
        }
    }

    /// A request the UI should not have made in this state.
    pub fn invalid(message: impl Into<String>) -> Self {
        IpcError {
            code: "invalid_input",
            message: message.into(),
            retry_after_secs: None,
            pc_time_utc: None,
            field: None,
        }
    }

    /// A code typed for a first login's or recovery's enrollment after its deadline:
    /// the new password waiting for it is gone.
    pub fn enrollment_expired(message: String) -> Self {
        IpcError {
            code: "enrollment_expired",
            message,
            retry_after_secs: None,
            pc_time_utc: None,
            field: None,
        }
    }

    /// Something went wrong that the user cannot fix.
    pub fn internal(message: impl Into<String>) -> Self {
        IpcError {
            code: "internal",
            message: message.into(),
            retry_after_secs: None,
            pc_time_utc: None,
            field: None,
        }
    }

    /// Maps a core error; `now_us` is the PC's time, shown with a clock error.
    pub fn from_core(err: clinic_vault_core::Error, now_us: i64) -> Self {
        let code = err.code();
        IpcError {
            code,
            retry_after_secs: err.retry_after_secs(),
            pc_time_utc: (code == "clock_error").then(|| iso_utc(now_us)),
            field: match &err {
                clinic_vault_core::Error::InvalidInput(invalid) => Some(invalid.field),
                clinic_vault_core::Error::Quick(
                    clinic_vault_core::error::QuickError::PinShape
                    | clinic_vault_core::error::QuickError::PinGuessable,
                ) => Some("pin"),
                _ => None,
            },
            message: desk_message(&err),
        }
    }
}

/// What the person at the desk reads: what happened and what to do next, in the app's
/// words (buttons and screens, never CLI commands). Errors the desk cannot act on fall
/// back to core's neutral wording as a sentence.
fn desk_message(err: &clinic_vault_core::Error) -> String {
    use clinic_vault_core::error::{
        AuthError, Denied, RecordError, ScanError, UserError, VaultError,
    };
    use clinic_vault_core::scans::acquire::AcquireError;
    use clinic_vault_core::Error;
    let time = |us: i64| clinic_vault_core::clock::format_utc(us);
    match err {
        Error::Auth(AuthError::BadCredentials) => {
            "The user name, password or code is not right. Check them and try again.".into()
        }
        Error::Auth(AuthError::LockedOut {
            retry_after_secs: Some(secs),
            ..
        }) => format!("Too many failed attempts. Try again in {secs} seconds."),
        Error::Auth(AuthError::LockedOut {
            retry_after_secs: None,
            n_failures,
        }) => format!(
            "Locked after {n_failures} failed attempts. An administrator can unlock the account on the Users screen (the recovery key's counter on the Keys screen)."
        ),
        Error::Auth(AuthError::ClockBehind { latest_seen_us, .. }) => format!(
            "This PC's clock is behind: the vault was last used at {} UTC. Correct the PC's date and time, then try again. If the clock is right now (it had run ahead before), an administrator can accept it with the recovery key on the recovery screen.",
            time(*latest_seen_us)
        ),
        Error::Auth(AuthError::OneTimePasswordExpired { expired_us }) => format!(
            "This one-time password expired at {} UTC. Ask an administrator to issue a new one.",
            time(*expired_us)
        ),
        Error::Auth(AuthError::ResetCodeExpired) => {
            "This reset code has expired. Ask an administrator for a new one.".into()
        }
        Error::Auth(AuthError::StillOneTimePassword { .. }) => {
            "You still have a one-time password. Choose \u{201c}First login with a one-time password\u{201d} to set your own password and authenticator.".into()
        }
        Error::Denied(Denied::AccountDisabled | Denied::KeySlotGone) => {
            "Your account has been disabled. Ask an administrator.".into()
        }
        Error::Denied(Denied::RoleMayNot { role, .. }) => {
            format!("Your role ({}) does not allow this.", role.as_str())
        }
        Error::Records(RecordError::LikelyDuplicate { mrn, .. }) => format!(
            "A patient with the same name and date of birth is already registered (MRN {mrn}). Check it is not the same person before adding them again."
        ),
        Error::Records(RecordError::NoteVoided { reason, .. }) => format!(
            "This note was voided ({reason}), so it takes no addendum. Write a new note instead."
        ),
        Error::Users(UserError::NotLoggedInYet { name }) => format!(
            "{name} has not logged in yet. Their first login sets up the authenticator."
        ),
        Error::Vault(VaultError::KeyslotsMissing {
            interrupted_init: true,
            ..
        }) => {
            "The vault on this PC was never finished: its creation was interrupted. Ask your IT administrator to create it again.".into()
        }
        Error::Vault(VaultError::KeyslotsMissing {
            interrupted_init: false,
            ..
        }) => {
            "The vault on this PC is damaged: its keyslots file is missing. Ask your IT administrator to restore it from a backup; nothing here will overwrite the records.".into()
        }
        Error::Vault(VaultError::NotARegularFile(_)) => {
            "One of the vault's files on this PC has been replaced by a link, so the app will not open it. Ask your IT administrator to check the PC and restore the vault from a backup.".into()
        }
        Error::Auth(AuthError::ChangedMeanwhile) => {
            "This account was changed while you were signing in (another first login or recovery finished first). Start again with its current password.".into()
        }
        Error::Users(UserError::CodeMismatch) => {
            "That code does not match. Check the authenticator app and the PC's clock.".into()
        }
        Error::Scans(ScanError::Scanner(AcquireError::NoScanner)) => {
            "No scanner was found. Check that it is switched on and connected, then try again.".into()
        }
        Error::Scans(ScanError::Scanner(AcquireError::UnknownDevice { .. })) => {
            "That scanner is no longer connected. Choose it again from the list.".into()
        }
        Error::Scans(ScanError::Scanner(AcquireError::ToolMissing { .. })) => {
            "The scanner software (SANE) is not installed on this PC. Ask your IT administrator to install it.".into()
        }
        Error::Scans(ScanError::Scanner(AcquireError::TimedOut { seconds, .. })) => format!(
            "The scanner did not finish the page within {seconds} seconds and was stopped. Check it, then scan the page again."
        ),
        Error::Scans(ScanError::ExportExists { .. }) => {
            "A file with that name exists already. Choose another name: an export never replaces a file.".into()
        }
        Error::Scans(ScanError::NeedsRenderer { .. }) => {
            "This PDF cannot be shown: the page renderer is not installed with the app.".into()
        }
        Error::Quick(quick) => quick_message(*quick),
        other => sentence(&other.to_string()),
    }
}

/// The desk's words for a PIN refused or a quick unlock that did not happen.
fn quick_message(err: clinic_vault_core::error::QuickError) -> String {
    use clinic_vault_core::error::{QuickError, Unavailable};
    let full = "unlock with your password and code";
    match err {
        QuickError::PinShape => "A PIN is 6 to 12 digits.".into(),
        QuickError::PinGuessable => {
            "That PIN is too easy to guess: choose one that is not one digit repeated or a run like 123456.".into()
        }
        QuickError::TurnedOff => {
            format!("Unlocking with a PIN is turned off for this clinic: {full}.")
        }
        QuickError::WrongPin { attempts_left: 0 }
        | QuickError::Unavailable(Unavailable::TooManyWrongPins) => format!(
            "Wrong PIN. After 3 wrong PINs the PIN no longer works on this PC: {full}."
        ),
        QuickError::WrongPin { attempts_left: 1 } => "Wrong PIN: 1 attempt left.".into(),
        QuickError::WrongPin { attempts_left } => {
            format!("Wrong PIN: {attempts_left} attempts left.")
        }
        QuickError::Unavailable(Unavailable::NotArmed) => {
            format!("There is no PIN unlock waiting for this user on this PC: {full}.")
        }
        QuickError::Unavailable(Unavailable::WindowExpired) => format!(
            "The PIN works only for a while after an unlock with your password and code, and that time is over: {full}."
        ),
        QuickError::Unavailable(Unavailable::AccountChanged) => format!(
            "An administrator changed this account since it was locked: {full}."
        ),
        QuickError::Unavailable(Unavailable::DataKeyRotated) => format!(
            "The vault's key was rotated since the lock: {full}."
        ),
        QuickError::MemoryNotLockable => {
            "This PC cannot keep a PIN unlock out of swap, so PINs cannot be used here. Ask your IT administrator about the memory-lock limit.".into()
        }
        QuickError::FullUnlockRequired => {
            "This needs a full unlock: lock, then unlock with your password and code.".into()
        }
    }
}

/// What the unlock screen says after a first login's or recovery's setup page waited
/// longer than the idle timeout. The first login cannot simply be started again (its
/// one-time password is used up; the new password is already set), the recovery can.
pub fn enrollment_expired_message(kind: EnrollmentKind, idle_lock_secs: u32) -> String {
    let after = format!(
        "The setup page was closed after {} without activity",
        duration(idle_lock_secs)
    );
    match kind {
        EnrollmentKind::FirstLogin => format!(
            "{after}. Your new password is set: unlock with it and your authenticator's code, or ask an administrator for a reset code."
        ),
        EnrollmentKind::Recovery => format!("{after}; start again with the recovery key."),
    }
}

/// "5 minutes", "1 minute", "90 seconds".
fn duration(secs: u32) -> String {
    let (n, unit) = if secs >= 60 && secs % 60 == 0 {
        (secs / 60, "minute")
    } else {
        (secs, "second")
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

/// `2026-01-01T00:00:00Z` for µs since the epoch (the UI parses it with `Date`).
pub fn iso_utc(us: i64) -> String {
    format!(
        "{}Z",
        clinic_vault_core::clock::format_utc(us).replacen(' ', "T", 1)
    )
}

/// Core's messages are lower-case clauses (the CLI prefixes them); the UI shows sentences.
fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    let mut out: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => return "Something went wrong.".into(),
    };
    if !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

/// What every command returns.
pub type CmdResult<T> = std::result::Result<T, IpcError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_errors_keep_their_code_and_become_sentences() {
        let err = IpcError::from_core(
            clinic_vault_core::error::Invalid::quoting(
                "dob",
                clinic_vault_core::error::Rule::NotADate,
                "1990-02-30",
            )
            .into(),
            0,
        );
        assert_eq!(err.code, "invalid_input");
        assert_eq!(
            err.message,
            "Date of birth '1990-02-30' is not a real date (use YYYY-MM-DD)."
        );
        assert_eq!(err.field, Some("dob"));
        assert_eq!(err.pc_time_utc, None);
        let json = serde_json::to_value(&err).expect("json");
        assert_eq!(json["code"], "invalid_input");
        assert!(json.get("retry_after_secs").is_none());
    }

    #[test]
    fn a_clock_error_carries_the_pcs_time() {
        let err = IpcError::from_core(
            clinic_vault_core::error::AuthError::ClockBehind {
                pc_time_us: 1_767_225_600_000_000,
                latest_seen_us: 1_767_225_900_000_000,
            }
            .into(),
            1_767_225_600_000_000,
        );
        assert_eq!(err.code, "clock_error");
        assert_eq!(err.pc_time_utc.as_deref(), Some("2026-01-01T00:00:00Z"));
        assert!(err.message.contains("2026-01-01 00:05"), "{}", err.message);
        assert!(err.message.contains("recovery key"), "{}", err.message);
    }

    #[test]
    fn an_expired_setup_page_says_how_long_and_what_to_do_next() {
        let first = enrollment_expired_message(EnrollmentKind::FirstLogin, 300);
        assert!(
            first.starts_with("The setup page was closed after 5 minutes without activity."),
            "{first}"
        );
        assert!(first.contains("reset code"), "{first}");
        assert_eq!(
            enrollment_expired_message(EnrollmentKind::Recovery, 60),
            "The setup page was closed after 1 minute without activity; start again with the recovery key."
        );
        assert!(enrollment_expired_message(EnrollmentKind::Recovery, 90).contains("90 seconds"));
    }

    #[test]
    fn a_duplicate_is_explained_for_the_desk_without_cli_flags() {
        let err = IpcError::from_core(
            clinic_vault_core::error::RecordError::LikelyDuplicate {
                patient_id: "p".into(),
                mrn: "ABCD-000001".into(),
            }
            .into(),
            0,
        );
        assert_eq!(err.code, "conflict");
        assert!(err.message.contains("MRN ABCD-000001"), "{}", err.message);
        assert!(!err.message.contains("--"), "{}", err.message);
        let locked = IpcError::from_core(
            clinic_vault_core::error::AuthError::LockedOut {
                retry_after_secs: None,
                n_failures: 20,
            }
            .into(),
            0,
        );
        assert!(
            locked.message.contains("Users screen"),
            "{}",
            locked.message
        );
    }
}
