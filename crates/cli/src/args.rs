//! The command line, exactly as DESIGN and the admin docs describe it. Scripts depend
//! on it: change it only compatibly.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// clinicvault: the headless face of Clinic Vault for IT admins.
///
/// Secrets come on standard input, never as arguments: the password is the first line.
#[derive(Debug, Parser)]
#[command(name = "clinicvault", version, about, long_about = None)]
pub struct Cli {
    /// The vault directory.
    #[arg(long, global = true, value_name = "DIR")]
    pub vault: Option<PathBuf>,
    /// The user to unlock as (`first-login` and `recover` also take it after the command).
    // Not global: `audit list --user U` is a filter, and a global `--user` would clash
    // with it (clap's debug assertions panic on two `--user` in one command).
    #[arg(long, value_name = "NAME")]
    pub user: Option<String>,
    /// The 6-digit code from the authenticator app (or a TOTP reset code).
    #[arg(long, global = true, value_name = "CODE")]
    pub totp: Option<String>,
    /// One JSON object per result on stdout; errors as {"error":{"code","message"}}.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

/// Top-level commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a vault; the admin password is the first stdin line.
    Init {
        /// The first admin's user name.
        #[arg(long, value_name = "NAME")]
        admin: String,
    },
    /// A new user's first login: stdin line 1 the one-time password, line 2 the new password.
    FirstLogin {
        /// The new user (may also come before the command).
        #[arg(long, value_name = "NAME")]
        user: Option<String>,
    },
    /// Use the recovery key: stdin line 1 the key, line 2 the admin's new password.
    Recover {
        /// The admin whose password and authenticator are reset.
        #[arg(long, value_name = "NAME")]
        user: Option<String>,
        /// The PC's clock is right although the vault saw a later time (a clock that ran
        /// ahead was corrected): accept it, audited with both times.
        #[arg(long)]
        accept_clock: bool,
    },
    /// Change your password: stdin line 1 the current password, line 2 the new one.
    Passwd,
    /// Run the remaining stdin lines as commands under one unlock, one result per line.
    Batch,
    #[command(flatten)]
    Session(SessionCommand),
}

/// Commands that run in an unlocked session (also inside `batch`).
#[derive(Debug, Subcommand)]
pub enum SessionCommand {
    /// Who is unlocked.
    Whoami,
    /// Manage users (admin).
    #[command(subcommand)]
    User(UserCommand),
    /// Vault key operations (admin).
    #[command(subcommand)]
    Vault(VaultCommand),
    /// Recovery key operations (admin).
    #[command(subcommand, name = "recovery-key")]
    RecoveryKey(RecoveryKeyCommand),
    /// The audit trail (admin).
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Authenticate every page of the vault, verify the audit chain and every chunk of
    /// every scan (admin).
    Verify,
    /// Patient demographics: add, show, update, search, archive, history.
    #[command(subcommand)]
    Patient(PatientCommand),
    /// Clinical notes (clinician): append-only, corrected by addendum or void.
    #[command(subcommand)]
    Note(NoteCommand),
    /// Prescriptions (clinician): append-only, voided with a reason.
    #[command(subcommand)]
    Rx(RxCommand),
    /// Consents: treatment, data_processing, reminders, research.
    #[command(subcommand)]
    Consent(ConsentCommand),
    /// Prescription scans: import and the desk scanner's acquire (receptionist,
    /// clinician), list, export (clinician), verify (admin), limits, devices.
    #[command(subcommand)]
    Scan(ScanCommand),
    /// This workstation's registration with the clinic's sync server (admin).
    #[command(subcommand)]
    Device(DeviceCommand),
    /// Run one sync cycle now: send the audit events and scans waiting, print what was
    /// sent (admin).
    Sync,
    /// Developer tools (only in builds with the `dev` feature).
    #[cfg(feature = "dev")]
    #[command(subcommand)]
    Dev(DevCommand),
}

/// `device …`
#[derive(Debug, Subcommand)]
pub enum DeviceCommand {
    /// Enroll this workstation with a sync server: the enrollment code from the server's
    /// admin page, or its URL and one-time token.
    Enroll {
        /// The enrollment code (cvenroll1:…), holding the URL and the token.
        #[arg(long, conflicts_with_all = ["server", "token"])]
        code: Option<String>,
        /// The server's URL (https://…; plain http only to 127.0.0.1 or localhost).
        #[arg(long, value_name = "URL", requires = "token")]
        server: Option<String>,
        /// The one-time enrollment token.
        #[arg(long, requires = "server")]
        token: Option<String>,
        /// Trust only this CA certificate (PEM) for the server, not the system's roots.
        #[arg(long, value_name = "FILE")]
        ca_file: Option<std::path::PathBuf>,
    },
    /// Show the registration, what waits to be sent, and the last sync.
    Show,
    /// Forget the sync server: sync stops; what waits stays queued here.
    Forget,
}

/// `user …`
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user; prints their one-time password (valid 72 h).
    Add {
        /// User name.
        name: String,
        /// receptionist, clinician or admin.
        #[arg(long)]
        role: String,
    },
    /// List users.
    List,
    /// Disable a user (removes their key slot).
    Disable {
        /// User name.
        name: String,
    },
    /// Re-enable a user; prints a new one-time password.
    Enable {
        /// User name.
        name: String,
    },
    /// Reset a user's authenticator; prints a one-time reset code.
    ResetTotp {
        /// User name.
        name: String,
    },
    /// Reset a user's forgotten password; prints a new one-time password (valid 72 h).
    /// Their old password stops working; their first login sets a new password and
    /// authenticator.
    ResetPassword {
        /// User name.
        name: String,
    },
    /// Give a user another role (receptionist, clinician or admin).
    Role {
        /// User name.
        name: String,
        /// receptionist, clinician or admin.
        role: String,
    },
    /// Clear a user's failed attempts and lockout.
    Unlock {
        /// User name.
        name: String,
    },
}

/// `vault …`
#[derive(Debug, Subcommand)]
pub enum VaultCommand {
    /// Rotate the data key (every other session must be closed).
    Rekey,
}

/// `recovery-key …`
#[derive(Debug, Subcommand)]
pub enum RecoveryKeyCommand {
    /// Replace the recovery key; prints the new one.
    Rotate,
    /// Clear the recovery key's failed-attempt counter.
    ClearLockout,
}

/// `audit …`
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// List events with their sequence numbers and hashes.
    List {
        /// Only events by this user.
        #[arg(long = "user", value_name = "USER")]
        actor: Option<String>,
        /// Only events with this action (e.g. user.unlock).
        #[arg(long)]
        action: Option<String>,
        /// Only the last N matching events.
        #[arg(long)]
        limit: Option<u32>,
        /// Only events about this patient, including searches that showed them.
        #[arg(long, value_name = "ID")]
        patient: Option<String>,
    },
    /// Print the chain head as SEQ:HASH.
    Head,
    /// Recompute the chain; name the first bad event.
    Verify {
        /// A head recorded earlier (SEQ:HASH) that the chain must still contain.
        #[arg(long, value_name = "SEQ:HASH")]
        expect_head: Option<String>,
    },
}

/// `patient …`
#[derive(Debug, Subcommand)]
pub enum PatientCommand {
    /// Add a patient; prints the new id and MRN.
    Add {
        /// Given name(s).
        #[arg(long, allow_hyphen_values = true)]
        given: String,
        /// Family name(s).
        #[arg(long, allow_hyphen_values = true)]
        family: String,
        /// Date of birth, YYYY-MM-DD.
        #[arg(long, value_name = "YYYY-MM-DD", allow_hyphen_values = true)]
        dob: String,
        /// female, male, other or unknown.
        #[arg(long, allow_hyphen_values = true)]
        sex: Option<String>,
        /// Phone in international form (+4930123456).
        #[arg(long, allow_hyphen_values = true)]
        phone: Option<String>,
        /// E-mail address.
        #[arg(long, allow_hyphen_values = true)]
        email: Option<String>,
        /// Postal address.
        #[arg(long, allow_hyphen_values = true)]
        address: Option<String>,
        /// Add even if a patient with the same name and date of birth exists.
        #[arg(long)]
        force: bool,
    },
    /// Show a patient's demographics.
    Show {
        /// Patient id.
        id: String,
    },
    /// Change demographics (at least one field; "" clears an optional field).
    Update {
        /// Patient id.
        id: String,
        #[command(flatten)]
        fields: PatientFields,
    },
    /// Search by name prefix, full MRN, date of birth or 4+ phone digits.
    Search {
        /// What to look for.
        #[arg(allow_hyphen_values = true)]
        query: String,
        /// Most results (1–500, default 20).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=500))]
        limit: Option<u32>,
        /// Include archived patients.
        #[arg(long)]
        include_archived: bool,
    },
    /// Archive a patient (kept; found only with --include-archived).
    Archive {
        /// Patient id.
        id: String,
    },
    /// The before/after history of a patient's demographics.
    History {
        /// Patient id.
        id: String,
    },
}

/// The demographics `patient update` may change.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct PatientFields {
    /// New given name(s).
    #[arg(long, allow_hyphen_values = true)]
    pub given: Option<String>,
    /// New family name(s).
    #[arg(long, allow_hyphen_values = true)]
    pub family: Option<String>,
    /// New date of birth.
    #[arg(long, value_name = "YYYY-MM-DD", allow_hyphen_values = true)]
    pub dob: Option<String>,
    /// New sex ("" clears).
    #[arg(long, allow_hyphen_values = true)]
    pub sex: Option<String>,
    /// New phone ("" clears).
    #[arg(long, allow_hyphen_values = true)]
    pub phone: Option<String>,
    /// New e-mail ("" clears).
    #[arg(long, allow_hyphen_values = true)]
    pub email: Option<String>,
    /// New address ("" clears).
    #[arg(long, allow_hyphen_values = true)]
    pub address: Option<String>,
}

/// `note …`
#[derive(Debug, Subcommand)]
pub enum NoteCommand {
    /// Write a clinical note for a patient.
    Add {
        /// Patient id.
        id: String,
        /// The note.
        #[arg(long, allow_hyphen_values = true)]
        text: String,
    },
    /// Add an addendum to a note.
    Addendum {
        /// The note it corrects or completes.
        note_id: String,
        /// The addendum.
        #[arg(long, allow_hyphen_values = true)]
        text: String,
    },
    /// Void a note (it stays readable, marked void).
    Void {
        /// The note.
        note_id: String,
        /// Why.
        #[arg(long, allow_hyphen_values = true)]
        reason: String,
    },
    /// A patient's notes and addenda.
    List {
        /// Patient id.
        id: String,
    },
}

/// `rx …`
#[derive(Debug, Subcommand)]
pub enum RxCommand {
    /// Prescribe (you are the prescriber).
    Add {
        /// Patient id.
        id: String,
        /// Drug name.
        #[arg(long, allow_hyphen_values = true)]
        drug: String,
        /// Strength, e.g. "500 mg".
        #[arg(long, allow_hyphen_values = true)]
        strength: String,
        /// Dose, e.g. "1 tablet".
        #[arg(long, allow_hyphen_values = true)]
        dose: String,
        /// Frequency, e.g. "twice daily".
        #[arg(long, allow_hyphen_values = true)]
        frequency: String,
        /// Duration, e.g. "7 days".
        #[arg(long, allow_hyphen_values = true)]
        duration: Option<String>,
        /// Instructions for the patient.
        #[arg(long, allow_hyphen_values = true)]
        instructions: Option<String>,
        /// A scan of this patient the prescription was written from (repeatable).
        #[arg(long = "scan", value_name = "SCAN")]
        scans: Vec<String>,
    },
    /// Void a prescription.
    Void {
        /// The prescription.
        rx_id: String,
        /// Why.
        #[arg(long, allow_hyphen_values = true)]
        reason: String,
    },
    /// A patient's prescriptions.
    List {
        /// Patient id.
        id: String,
    },
}

/// `scan …`
#[derive(Debug, Subcommand)]
pub enum ScanCommand {
    /// Import files (JPEG, PNG, TIFF, PDF) for a patient: checked, stripped of metadata,
    /// encrypted. Prints one scan id per file.
    Import {
        /// Patient id.
        id: String,
        /// The files.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// A patient's scans.
    List {
        /// Patient id.
        id: String,
    },
    /// Write a scan, decrypted, to a new file outside the vault (clinician).
    Export {
        /// The scan.
        scan_id: String,
        /// The file to create (never overwritten).
        out: PathBuf,
    },
    /// Authenticate every chunk of one scan, or of all of them (admin).
    Verify {
        /// The scan (all scans when left out).
        scan_id: Option<String>,
    },
    /// The scanners attached to this PC (SANE).
    Devices,
    /// Scan paper on the desk scanner into a patient's scans: all the pages as one
    /// scan. The scanner's output goes straight to the importer, never to a file.
    Acquire {
        /// Patient id.
        id: String,
        /// The scanner (a name from `scan devices`; the first one when left out).
        #[arg(long, value_name = "DEVICE")]
        device: Option<String>,
        /// Resolution, dots per inch (75–1200).
        #[arg(long, value_name = "N", default_value_t = 300)]
        dpi: u32,
        /// color, gray or lineart.
        #[arg(long, value_name = "MODE", default_value = "color")]
        mode: String,
        /// Pages to scan. On a terminal you are asked to place each page after the
        /// first; otherwise the scanner's feeder is expected to feed them.
        #[arg(long, value_name = "N", default_value_t = 1)]
        pages: u32,
    },
    /// Show the importer's limits; with a flag, change them (admin).
    Limits {
        /// Largest file, in MB (1 MB = 1,000,000 bytes).
        #[arg(long, value_name = "MB")]
        max_file_mb: Option<u64>,
        /// Most megapixels a page.
        #[arg(long, value_name = "N")]
        max_megapixels: Option<u32>,
        /// Most pixels a side.
        #[arg(long, value_name = "PX")]
        max_side_px: Option<u32>,
        /// Most pages a file.
        #[arg(long, value_name = "N")]
        max_pages: Option<u32>,
    },
}

/// `consent …`
#[derive(Debug, Subcommand)]
pub enum ConsentCommand {
    /// Record a consent given by the patient (or, with --by, a representative).
    Grant {
        /// Patient id.
        id: String,
        /// treatment, data_processing, reminders or research.
        #[arg(long)]
        purpose: String,
        /// The representative who gave it.
        #[arg(long, value_name = "NAME", allow_hyphen_values = true)]
        by: Option<String>,
    },
    /// Record the withdrawal of a consent in force.
    Withdraw {
        /// Patient id.
        id: String,
        /// treatment, data_processing, reminders or research.
        #[arg(long)]
        purpose: String,
    },
    /// A patient's consent decisions.
    List {
        /// Patient id.
        id: String,
    },
}

/// `dev …` (builds with the `dev` feature only).
#[cfg(feature = "dev")]
#[derive(Debug, Subcommand)]
pub enum DevCommand {
    /// Fill the vault with synthetic patients (1,000 per transaction).
    Seed {
        /// How many (1 to 10,000,000).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
        patients: u32,
        /// The generator's seed (the same seed gives the same patients).
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

/// One line of a `batch`.
#[derive(Debug, Parser)]
#[command(
    name = "batch",
    no_binary_name = true,
    disable_help_flag = true,
    disable_version_flag = true
)]
pub struct BatchLine {
    #[command(subcommand)]
    pub command: SessionCommand,
}
