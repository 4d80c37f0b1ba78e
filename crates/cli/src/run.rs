//! What each command does: unlock, call core, render.

use std::path::{Path, PathBuf};

use clap::Parser;
use clinic_vault_core::clock::{format_utc, process_clock};
use clinic_vault_core::records::PatientId;
use clinic_vault_core::{AuditFilter, CoreConfig, Role, Session};

use crate::error::{Error, Result};
use serde_json::json;

use crate::args::{
    AuditCommand, BatchLine, Cli, Command, RecoveryKeyCommand, SessionCommand, UserCommand,
    VaultCommand,
};
use crate::input::Input;
use crate::render::{qr, Output};

fn emit(json_mode: bool, out: &Output) {
    if json_mode && !out.json_lines.is_empty() {
        for line in &out.json_lines {
            println!("{}", crate::render::json_line(line));
        }
    } else if json_mode {
        println!("{}", crate::render::json_line(&out.json));
    } else if !out.text.is_empty() {
        println!("{}", crate::render::terminal_safe(&out.text, true));
    }
}

fn required<'a, T>(value: &'a Option<T>, flag: &str) -> Result<&'a T> {
    value
        .as_ref()
        .ok_or_else(|| Error::Usage(format!("{flag} is required for this command")))
}

/// A flag given after the command, else the same flag before it.
fn either<'a>(after: &'a Option<String>, before: &'a Option<String>) -> &'a Option<String> {
    if after.is_some() {
        after
    } else {
        before
    }
}

pub fn run(cli: Cli) -> Result<()> {
    let cfg = CoreConfig::new(process_clock());
    let mut input = Input::stdin();
    let json_mode = cli.json;
    match cli.command {
        Command::Init { ref admin } => init(&cli, admin, &cfg, &mut input),
        Command::FirstLogin { ref user } => {
            let vault = required(&cli.vault, "--vault")?;
            let user = required(either(user, &cli.user), "--user")?;
            let otp = input.secret("One-time password: ", "one-time password")?;
            let new = input.new_secret("New password: ", "new password")?;
            let done = clinic_vault_core::first_login(vault, user, &otp, &new, &cfg)?;
            let lead = format!(
                "Password set for {user}. Add this account to your authenticator app; your first unlock confirms it:"
            );
            emit_enrollment(
                json_mode,
                input.is_tty,
                user,
                done.totp_uri.expose_secret(),
                &lead,
            );
            Ok(())
        }
        Command::Recover {
            ref user,
            accept_clock,
        } => {
            let vault = required(&cli.vault, "--vault")?;
            let user = required(either(user, &cli.user), "--user")?;
            let key = input.secret("Recovery key: ", "recovery key")?;
            let new = input.new_secret("New admin password: ", "new password")?;
            let options = clinic_vault_core::RecoverOptions { accept_clock };
            let done = clinic_vault_core::recover_with(vault, user, &key, &new, &cfg, options)?;
            let clock_note = match done.clock_accepted_from_us {
                Some(latest) => format!(
                    " The PC's clock was accepted as correct (the vault had seen {}).",
                    crate::render::when(latest)
                ),
                None => String::new(),
            };
            let lead = format!(
                "Recovered {user}: new password set, lockouts cleared.{clock_note} Enroll this authenticator (the first unlock confirms it):"
            );
            emit_enrollment(
                json_mode,
                input.is_tty,
                user,
                done.totp_uri.expose_secret(),
                &lead,
            );
            Ok(())
        }
        Command::Passwd => {
            let mut session = unlock(&cli, &cfg, &mut input)?;
            let enrolled = enrolled_uri(&mut session);
            let new = input.new_secret("New password: ", "new password")?;
            let result = session
                .change_password(&new)
                .map(|()| {
                    Output::new(
                        json!({ "user": session.user_name(), "password_changed": true }),
                        format!("Password changed for {}.", session.user_name()),
                    )
                })
                .map_err(Error::from);
            finish_session(session, json_mode, vec![result], enrolled)
        }
        Command::Batch => {
            let mut session = unlock(&cli, &cfg, &mut input)?;
            let mut enrolled = enrolled_uri(&mut session);
            let mut failed = None;
            while let Some(line) = input.line()? {
                let text = String::from_utf8(line)
                    .map_err(|_| Error::Usage("a batch line is not UTF-8".into()));
                let result = text.and_then(|t| {
                    let words = shell_words::split(&t)
                        .map_err(|e| Error::Usage(format!("batch line: {e}")))?;
                    if words.is_empty() {
                        return Ok(None);
                    }
                    let parsed = BatchLine::try_parse_from(&words).map_err(|e| {
                        Error::Usage(format!("batch line '{t}': {}", crate::clap_message(&e)))
                    })?;
                    session_command(&mut session, &parsed.command).map(Some)
                });
                match result {
                    Ok(None) => {}
                    Ok(Some(mut out)) => {
                        attach_enrollment(&mut out, &mut enrolled);
                        emit(json_mode, &out);
                        if let Some(err) = out.failure.take() {
                            failed = Some(err);
                            break;
                        }
                    }
                    Err(err) => {
                        // Stop at the first failure: later lines may depend on it.
                        failed = Some(err);
                        break;
                    }
                }
            }
            let locked = session.lock().map_err(Error::from);
            match (failed, locked) {
                (Some(err), _) | (None, Err(err)) => Err(err),
                (None, Ok(())) => Ok(()),
            }
        }
        Command::Session(ref command) => {
            let mut session = unlock(&cli, &cfg, &mut input)?;
            let enrolled = enrolled_uri(&mut session);
            let result = session_command(&mut session, command);
            finish_session(session, json_mode, vec![result], enrolled)
        }
    }
}

/// Prints a new authenticator enrollment: the URI, and the QR code on a terminal.
fn emit_enrollment(json_mode: bool, is_tty: bool, user: &str, uri: &str, lead: &str) {
    let mut text = format!("{lead}\n{uri}");
    if is_tty {
        text.push_str(&format!("\n{}", qr(uri).unwrap_or_default()));
    }
    emit(
        json_mode,
        &Output::new(json!({ "user": user, "totp_uri": uri }), text),
    );
}

fn enrolled_uri(session: &mut Session) -> Option<String> {
    session
        .take_enrolled_totp_uri()
        .map(|s| s.expose_secret().to_string())
}

/// After a TOTP reset the unlock enrolled a new authenticator: its URI rides along with
/// the first result.
fn attach_enrollment(out: &mut Output, enrolled: &mut Option<String>) {
    if let Some(uri) = enrolled.take() {
        out.json["enrolled_totp_uri"] = json!(uri);
        out.text = format!(
            "New authenticator enrolled (add it to your app; the next unlock confirms it):\n{uri}\n{}",
            out.text
        );
    }
}

fn finish_session(
    session: Session,
    json_mode: bool,
    results: Vec<Result<Output>>,
    mut enrolled: Option<String>,
) -> Result<()> {
    let mut first_err = None;
    for result in results {
        match result {
            Ok(mut out) => {
                attach_enrollment(&mut out, &mut enrolled);
                emit(json_mode, &out);
                if let Some(err) = out.failure.take() {
                    first_err.get_or_insert(err);
                }
            }
            Err(e) => {
                first_err.get_or_insert(e);
            }
        }
    }
    let locked = session.lock().map_err(Error::from);
    match (first_err, locked) {
        (Some(err), _) | (None, Err(err)) => Err(err),
        (None, Ok(())) => Ok(()),
    }
}

fn unlock(cli: &Cli, cfg: &CoreConfig, input: &mut Input) -> Result<Session> {
    let vault = required(&cli.vault, "--vault")?;
    let user = required(&cli.user, "--user")?;
    let code = required(&cli.totp, "--totp")?;
    let password = input.secret(&format!("Password for {user}: "), "password")?;
    Ok(clinic_vault_core::unlock(
        vault, user, &password, code, cfg,
    )?)
}

fn init(cli: &Cli, admin: &str, cfg: &CoreConfig, input: &mut Input) -> Result<()> {
    let vault: &PathBuf = required(&cli.vault, "--vault")?;
    let password = input.new_secret(
        &format!("Choose a password for {admin}: "),
        "admin password",
    )?;
    let (outcome, mut session) = clinic_vault_core::init(vault, admin, &password, cfg)?;
    let uri = outcome.totp_uri.expose_secret().to_string();
    let recovery = outcome.recovery_key.expose_secret().to_string();
    if cli.json {
        println!(
            "{}",
            json!({ "vault_id": outcome.vault_id, "user": outcome.user, "totp_uri": uri, "recovery_key": recovery })
        );
    } else {
        println!(
            "Vault {} created at {}.",
            outcome.vault_id,
            crate::render::terminal_safe(&display(vault), false)
        );
        println!("Admin: {}", outcome.user);
        println!("Authenticator (add to Google Authenticator, Aegis or any TOTP app):\n{uri}");
        if input.is_tty {
            println!("{}", qr(&uri).unwrap_or_default());
        }
        println!("Recovery key (shown once; store it offline, e.g. printed in the clinic safe):\n{recovery}");
    }
    if input.is_tty {
        confirm_authenticator(&mut session, input);
    }
    Ok(session.lock()?)
}

fn confirm_authenticator(session: &mut Session, input: &mut Input) {
    for _ in 0..3 {
        let Ok(Some(code)) =
            input.ask("Type the 6-digit code your authenticator shows, to confirm it: ")
        else {
            break;
        };
        match session.confirm_totp(&code) {
            Ok(()) => {
                eprintln!("Authenticator confirmed.");
                return;
            }
            Err(e) => eprintln!("{}", crate::render::terminal_safe(&e.to_string(), false)),
        }
    }
    eprintln!("Authenticator not confirmed yet: your first successful unlock will confirm it.");
}

fn display(path: &Path) -> String {
    path.display().to_string()
}

fn session_command(session: &mut Session, command: &SessionCommand) -> Result<Output> {
    match command {
        SessionCommand::Whoami => {
            let me = session.whoami()?;
            Ok(Output::new(
                json!(me),
                format!(
                    "{} ({}) in vault {}",
                    me.user,
                    me.role.as_str(),
                    me.vault_id
                ),
            ))
        }
        SessionCommand::User(cmd) => user_command(session, cmd),
        SessionCommand::Vault(VaultCommand::Rekey) => {
            session.rekey()?;
            Ok(Output::new(
                json!({ "rekeyed": true }),
                "Data key rotated: every page re-encrypted, every slot resealed.",
            ))
        }
        SessionCommand::RecoveryKey(RecoveryKeyCommand::ClearLockout) => {
            session.clear_recovery_lockout()?;
            Ok(Output::new(
                json!({ "recovery_key_lockout_cleared": true }),
                "The recovery key's failed-attempt counter is cleared.",
            ))
        }
        SessionCommand::RecoveryKey(RecoveryKeyCommand::Rotate) => {
            let key = session.rotate_recovery_key()?;
            Ok(Output::new(
                json!({ "recovery_key": key.expose_secret() }),
                format!(
                    "New recovery key (the old one no longer works; store this one offline):\n{}",
                    key.expose_secret()
                ),
            ))
        }
        SessionCommand::Audit(cmd) => audit_command(session, cmd),
        SessionCommand::Patient(cmd) => crate::records::patient_command(session, cmd),
        SessionCommand::Note(cmd) => crate::records::note_command(session, cmd),
        SessionCommand::Rx(cmd) => crate::records::rx_command(session, cmd),
        SessionCommand::Consent(cmd) => crate::records::consent_command(session, cmd),
        SessionCommand::Scan(cmd) => crate::scans::scan_command(session, cmd),
        SessionCommand::Device(cmd) => crate::sync::device_command(session, cmd),
        SessionCommand::Sync => crate::sync::sync_command(session),
        #[cfg(feature = "dev")]
        SessionCommand::Dev(cmd) => crate::records::dev_command(session, cmd),
        SessionCommand::Verify => {
            let report = session.verify()?;
            // The scan files are part of the vault: checked too, every chunk.
            let scans = crate::scans::verify_all(session)?;
            let ok = scans.failure.is_none();
            let mut out = Output::new(
                json!({
                    "ok": ok,
                    "pages": report.pages,
                    "audit": report.audit,
                    "scans": scans.json["report"],
                }),
                format!(
                    "{}: {} pages authenticated; audit chain of {} events verified (head {}).\n{}",
                    if ok { "OK" } else { "DAMAGED" },
                    report.pages,
                    report.audit.n_events,
                    report.audit.head,
                    scans.text
                ),
            );
            out.failure = scans.failure;
            Ok(out)
        }
    }
}

fn added_output(added: clinic_vault_core::vault::AddedUser, verb: &str) -> Output {
    let otp = added.one_time_password.expose_secret();
    let expires = format_utc(added.expires_us);
    Output::new(
        json!({ "user": added.user, "role": added.role, "one_time_password": otp, "expires_at": expires, "expires_us": added.expires_us }),
        format!(
            "{verb} {} ({}). One-time password (valid until {expires} UTC; give it to them in person):\n{otp}",
            added.user,
            added.role.as_str()
        ),
    )
}

fn user_command(session: &mut Session, command: &UserCommand) -> Result<Output> {
    match command {
        UserCommand::Add { name, role } => {
            let role = Role::parse(role)?;
            Ok(added_output(session.add_user(name, role)?, "Added"))
        }
        UserCommand::List => {
            let users = session.list_users()?;
            let text = users
                .iter()
                .map(|u| {
                    format!(
                        "{:<24} {:<13} {:<9} password:{:<9} totp:{:<10}{}",
                        u.name,
                        u.role.as_str(),
                        if u.enabled { "enabled" } else { "disabled" },
                        u.password,
                        u.totp,
                        if u.locked_out {
                            format!(" LOCKED OUT ({} failures)", u.failed_attempts)
                        } else if u.failed_attempts > 0 {
                            format!(" {} failed attempts", u.failed_attempts)
                        } else {
                            String::new()
                        }
                    )
                    .trim_end()
                    .to_string()
                })
                .collect::<Vec<_>>()
                .join("\n");
            Ok(Output::new(json!({ "users": users }), text))
        }
        UserCommand::Disable { name } => {
            let disabled = session.disable_user(name)?;
            let mut text = format!("Disabled {name}; their key slot is removed. If they may have copied the vault, run `vault rekey`.");
            if disabled.rotate_recovery_key {
                text.push_str(" They were an admin and may know the recovery key, which still works: run `recovery-key rotate`.");
            }
            Ok(Output::new(
                json!({ "user": name, "enabled": false, "rotate_recovery_key": disabled.rotate_recovery_key }),
                text,
            ))
        }
        UserCommand::Enable { name } => Ok(added_output(session.enable_user(name)?, "Re-enabled")),
        UserCommand::ResetTotp { name } => {
            let code = session.reset_totp(name)?;
            Ok(Output::new(
                json!({ "user": name, "reset_code": code.expose_secret() }),
                format!(
                    "TOTP reset for {name}. Their next unlock needs their password and this reset code (valid 72 h) instead of a code:\n{}",
                    code.expose_secret()
                ),
            ))
        }
        UserCommand::ResetPassword { name } => {
            let added = session.reset_password(name)?;
            let mut output = added_output(added, "Password reset for");
            output.text.push_str(
                "\nTheir old password no longer works. They run `first-login` with this one-time password to choose a new password, and set up their authenticator again.",
            );
            Ok(output)
        }
        UserCommand::Role { name, role } => {
            let role = Role::parse(role)?;
            let old = session.change_role(name, role)?;
            Ok(Output::new(
                json!({ "user": name, "role": role, "previous_role": old }),
                format!(
                    "{name} is now {} (was {}). A session of theirs that is open follows the new role from its next action.",
                    role.as_str(),
                    old.as_str()
                ),
            ))
        }
        UserCommand::Unlock { name } => {
            session.clear_lockout(name)?;
            Ok(Output::new(
                json!({ "user": name, "cleared": true }),
                format!("Cleared failed attempts and lockout for {name}."),
            ))
        }
    }
}

fn audit_command(session: &mut Session, command: &AuditCommand) -> Result<Output> {
    match command {
        AuditCommand::List {
            actor,
            action,
            limit,
            patient,
        } => {
            let filter = AuditFilter {
                actor: actor.clone(),
                action: action.clone(),
                limit: *limit,
                patient: patient.clone().map(PatientId::from),
                ..AuditFilter::default()
            };
            let events = session.audit_list(&filter)?;
            let text = events
                .iter()
                .map(|e| {
                    format!(
                        "{:>6} {} {:<24} {:<14} {:<22} {:<8} {}",
                        e.seq,
                        format_utc(e.event.time_us),
                        e.event.actor,
                        e.event.role,
                        e.event.action,
                        e.event.outcome,
                        e.event.resource_id.as_deref().unwrap_or("")
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            Ok(Output::new(json!({ "events": events }), text))
        }
        AuditCommand::Head => {
            let (seq, hash) = session.audit_head()?;
            let mut value = json!({ "seq": seq, "hash": hash, "head": format!("{seq}:{hash}") });
            let mut text = format!("{seq}:{hash}");
            // The sync server's signed receipt kept in the vault, beside the local head:
            // `audit verify` checks it; only the server itself closes the tail after it.
            if let Some(anchor) = session.audit_anchor()? {
                value["server_anchor"] = json!({
                    "seq": anchor.seq,
                    "hash": anchor.hash,
                    "head": format!("{}:{}", anchor.seq, anchor.hash),
                    "server_time_us": anchor.server_time_us,
                    "server_key": anchor.server_key,
                });
                text.push_str(&format!(
                    "\nanchored by the sync server at {}:{} ({} events after it not yet acknowledged)",
                    anchor.seq,
                    anchor.hash,
                    seq.saturating_sub(anchor.seq)
                ));
            }
            Ok(Output::new(value, text))
        }
        AuditCommand::Verify { expect_head } => {
            let report = session.audit_verify(expect_head.as_deref())?;
            let mut notes = Vec::new();
            if report.n_v1_events > 0 {
                notes.push(format!(
                    "{} written before format v2, whose local detail is not covered",
                    report.n_v1_events
                ));
            }
            if report.n_redacted > 0 {
                notes.push(format!(
                    "{} with their local detail redacted",
                    report.n_redacted
                ));
            }
            let notes = if notes.is_empty() {
                String::new()
            } else {
                format!(" ({})", notes.join("; "))
            };
            let mut text = format!(
                "OK: {} events verified{notes}; head {}",
                report.n_events, report.head
            );
            for receipt in &report.server_receipts {
                text.push_str(&format!(
                    "\nthe sync server's signed receipt of event {} holds (server key {}…)",
                    receipt.seq,
                    &receipt.server_key[..12]
                ));
            }
            let mut value = serde_json::to_value(&report).unwrap_or_default();
            value["ok"] = json!(true);
            Ok(Output::new(value, text))
        }
    }
}
