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
    /// Authenticate every page of the vault, then verify the audit chain (admin).
    Verify,
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
