//! The command line: `serve`, `admin-token create`, `enroll-token create`, `device
//! list`, `device revoke`, `migrate`, `check`. Tokens are printed once, on stdout; logs
//! go to stderr.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Parser, Subcommand};

use crate::serve::{open_store, serve, StartError};
use crate::store::{Store, StoreError};
use crate::tokens::{
    new_token, parse_lifetime, token_hash, BadLifetime, ADMIN_PREFIX, ENROLL_PREFIX,
};
use crate::{Clock, Settings, SystemClock};

/// `clinic-vault-server`.
#[derive(Debug, Parser)]
#[command(
    name = "clinic-vault-server",
    version,
    about = "The clinic's sync server"
)]
pub struct Cli {
    /// A TOML settings file (also CLINIC_VAULT_SERVER_CONFIG).
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API (migrates the store forward first).
    Serve,
    /// Admin tokens.
    #[command(subcommand)]
    AdminToken(TokenCommand),
    /// One-time enrollment tokens for workstations.
    #[command(subcommand)]
    EnrollToken(EnrollCommand),
    /// Enrolled devices.
    #[command(subcommand)]
    Device(DeviceCommand),
    /// Apply the migrations the store lacks.
    Migrate,
    /// Check that the store is reachable and its schema current.
    Check,
}

/// `admin-token …`.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Make an admin token; it is shown once.
    Create {
        /// Whose it is.
        #[arg(long)]
        name: String,
    },
}

/// `enroll-token …`.
#[derive(Debug, Subcommand)]
pub enum EnrollCommand {
    /// Make a one-time enrollment token for a workstation; it is shown once.
    Create {
        /// The workstation's name.
        #[arg(long)]
        name: String,
        /// How long it stays valid (30m, 24h, 7d).
        #[arg(long, default_value = "24h")]
        ttl: String,
        /// Print the enrollment code a workstation pastes (`cvenroll1:…`: this server's
        /// CLINIC_VAULT_SERVER_PUBLIC_URL and the token) instead of the bare token.
        #[arg(long)]
        code: bool,
    },
}

/// `device …`.
#[derive(Debug, Subcommand)]
pub enum DeviceCommand {
    /// List enrolled devices.
    List,
    /// Revoke a device.
    Revoke {
        /// The device id.
        id: String,
    },
}

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The settings.
    #[error(transparent)]
    Settings(#[from] crate::settings::SettingsError),
    /// Starting or opening.
    #[error(transparent)]
    Start(#[from] StartError),
    /// The store.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A lifetime.
    #[error(transparent)]
    Lifetime(#[from] BadLifetime),
    /// A name that is empty or too long.
    #[error("--name must be 1 to 200 characters")]
    BadName,
    /// No such active device.
    #[error("no active device {0}")]
    NoSuchDevice(String),
    /// The store is not at this binary's schema.
    #[error("the schema is at version {current}, this server needs {latest}: run `clinic-vault-server migrate`")]
    NotMigrated {
        /// The store's.
        current: u32,
        /// This binary's.
        latest: u32,
    },
    /// `--code` without a usable public URL.
    #[error("--code needs CLINIC_VAULT_SERVER_PUBLIC_URL, the address workstations reach this server at (https://…, or http:// to this computer only): {0}")]
    NoPublicUrl(String),
    /// Writing the output failed.
    #[error("writing output: {0}")]
    Output(#[from] std::io::Error),
    /// The alert webhook's settings.
    #[error(transparent)]
    Webhook(#[from] crate::alerts::webhook::WebhookError),
}

async fn current_store(settings: &Settings) -> Result<Arc<dyn Store>, CliError> {
    let store = open_store(settings).await?;
    let status = store.schema_status().await?;
    if status.current != status.latest {
        return Err(CliError::NotMigrated {
            current: status.current,
            latest: status.latest,
        });
    }
    Ok(store)
}

fn checked_name(name: &str) -> Result<&str, CliError> {
    let n_chars = name.chars().count();
    if n_chars == 0 || n_chars > 200 || name.chars().any(char::is_control) {
        return Err(CliError::BadName);
    }
    Ok(name)
}

/// Runs a command with these settings, writing what it shows to `out`.
pub async fn run(
    command: Command,
    settings: &Settings,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let clock = SystemClock;
    match command {
        Command::Serve => {
            let clock: Arc<dyn Clock> = Arc::new(clock);
            let webhook = crate::alerts::webhook::Webhook::from_settings(&settings.alerts)?;
            // The background tasks hold their own store handle (a second SQLite
            // connection, or another pool); they run until the process ends.
            let mut tasks = Vec::new();
            if settings.alerts.silent_after_secs > 0 || webhook.is_some() {
                let store = open_store(settings).await?;
                tasks.extend(crate::alerts::silence::spawn(
                    Arc::clone(&store),
                    Arc::clone(&clock),
                    settings.alerts.clone(),
                ));
                if let Some(webhook) = webhook {
                    tasks.push(crate::alerts::webhook::spawn(
                        store,
                        Arc::clone(&clock),
                        webhook,
                        settings.alerts.webhook_poll_secs,
                    ));
                }
            }
            serve(settings, clock).await?
        }
        Command::Migrate => {
            let (from, to) = open_store(settings).await?.migrate().await?;
            writeln!(out, "schema version {from} -> {to}")?;
        }
        Command::Check => {
            let store = open_store(settings).await?;
            store.ping().await?;
            let status = store.schema_status().await?;
            if status.current != status.latest {
                return Err(CliError::NotMigrated {
                    current: status.current,
                    latest: status.latest,
                });
            }
            writeln!(
                out,
                "ok: storage reachable, schema version {}",
                status.current
            )?;
        }
        Command::AdminToken(TokenCommand::Create { name }) => {
            let name = checked_name(&name)?;
            let token = new_token(ADMIN_PREFIX);
            current_store(settings)
                .await?
                .create_admin_token(name, &token_hash(&token), clock.now_us())
                .await?;
            writeln!(out, "{token}")?;
        }
        Command::EnrollToken(EnrollCommand::Create { name, ttl, code }) => {
            let name = checked_name(&name)?;
            let ttl_us = parse_lifetime(&ttl)?;
            // Checked before a token exists, so a refusal leaves none behind.
            if code {
                clinic_vault_proto::EnrollCode::new(&settings.public_url, "check")
                    .map_err(|e| CliError::NoPublicUrl(e.to_string()))?;
            }
            let token = new_token(ENROLL_PREFIX);
            let now_us = clock.now_us();
            current_store(settings)
                .await?
                .create_enroll_token(
                    name,
                    &token_hash(&token),
                    now_us.saturating_add(ttl_us),
                    now_us,
                )
                .await?;
            if code {
                let code = clinic_vault_proto::EnrollCode::new(&settings.public_url, &token)
                    .map_err(|e| CliError::NoPublicUrl(e.to_string()))?;
                writeln!(out, "{}", code.encode())?;
            } else {
                writeln!(out, "{token}")?;
            }
        }
        Command::Device(DeviceCommand::List) => {
            for device in current_store(settings).await?.devices().await? {
                let state = if device.revoked_us.is_some() {
                    "revoked"
                } else {
                    "active"
                };
                writeln!(
                    out,
                    "{}\t{}\t{}\thead {}",
                    device.device_id,
                    state,
                    device.workstation.escape_default(),
                    device.head_seq
                )?;
            }
        }
        Command::Device(DeviceCommand::Revoke { id }) => {
            if !current_store(settings)
                .await?
                .revoke_device(&id, clock.now_us())
                .await?
            {
                return Err(CliError::NoSuchDevice(id));
            }
            writeln!(out, "revoked {id}")?;
        }
    }
    Ok(())
}
