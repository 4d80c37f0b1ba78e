//! `device enroll | show | forget` and `sync`: the workstation's registration with the
//! clinic's sync server, and one sync cycle run by hand. The wording of every failure
//! is the sync crate's (the app shows the same sentences).

use clinic_vault_core::clock::format_utc;
use clinic_vault_core::sync::plan::Plan;
use clinic_vault_core::Session;
use clinic_vault_sync::{End, EnrollError, Report, Target};
use serde_json::json;

use crate::args::DeviceCommand;
use crate::error::{Error, Result};
use crate::render::{terminal_safe, Output};

fn enroll_error(e: EnrollError) -> Error {
    match e {
        EnrollError::Vault(clinic_vault_sync::CycleError::Core(e)) => Error::Core(e),
        EnrollError::Code(e) => Error::Usage(format!("{e}")),
        other => Error::Sync {
            code: other.code(),
            message: match &other {
                EnrollError::Client(c) => clinic_vault_sync::words::client_error(c),
                _ => other.to_string(),
            },
        },
    }
}

fn cycle_error(e: clinic_vault_sync::CycleError) -> Error {
    match e {
        clinic_vault_sync::CycleError::Core(e) => Error::Core(e),
        clinic_vault_sync::CycleError::Locked => Error::Io("the vault was locked".into()),
    }
}

/// `device …`
pub fn device_command(session: &mut Session, command: &DeviceCommand) -> Result<Output> {
    match command {
        DeviceCommand::Enroll {
            code,
            server,
            token,
            ca_file,
        } => {
            let target = match (code, server, token) {
                (Some(code), _, _) => Target::from_code(code),
                (None, Some(server), Some(token)) => Target::from_parts(server, token),
                _ => return Err(Error::Usage(
                    "give --code, or --server and --token (see clinicvault device enroll --help)"
                        .into(),
                )),
            }
            .map_err(|e| Error::Usage(e.to_string()))?;
            let mut vault = &mut *session;
            let device = clinic_vault_sync::enroll(&mut vault, &target, ca_file.as_deref())
                .map_err(enroll_error)?;
            let out = session.sync_outbox()?;
            let text = format!(
                "Enrolled as \"{}\" with {} (device {}). {} events and {} scans wait to be sent: run clinicvault sync, or leave it to the app.",
                terminal_safe(&device.workstation, false),
                terminal_safe(&device.server_url, false),
                device.device_id,
                out.events_waiting(),
                out.blobs_waiting
            );
            Ok(Output::new(
                json!({
                    "device_id": device.device_id,
                    "server_url": device.server_url,
                    "workstation": device.workstation,
                    "events_waiting": out.events_waiting(),
                    "scans_waiting": out.blobs_waiting,
                }),
                text,
            ))
        }
        DeviceCommand::Show => show(session),
        DeviceCommand::Forget => {
            session.sync_forget()?;
            Ok(Output::new(
                json!({ "forgotten": true }),
                "This workstation no longer syncs. What waits stays queued here; enroll again to send it.",
            ))
        }
    }
}

fn show(session: &mut Session) -> Result<Output> {
    let device = session.sync_device()?;
    let out = session.sync_outbox()?;
    let mut lines = Vec::new();
    match &device {
        Some(d) => {
            lines.push(format!(
                "Enrolled as \"{}\" with {} since {} UTC (device {}).",
                terminal_safe(&d.workstation, false),
                terminal_safe(&d.server_url, false),
                format_utc(d.enrolled_us),
                d.device_id
            ));
            if let Some(ca) = &d.ca_file {
                lines.push(format!(
                    "Trusts only the CA in {}.",
                    terminal_safe(&ca.display().to_string(), false)
                ));
            }
        }
        None => lines.push("Not enrolled with a sync server.".into()),
    }
    lines.push(format!(
        "Waiting: {} events, {} scans.",
        out.events_waiting(),
        out.blobs_waiting
    ));
    match &out.anchor {
        Some(a) => lines.push(format!(
            "The server confirmed events up to {} at {} UTC.",
            a.seq,
            format_utc(a.server_time_us)
        )),
        None => lines.push("The server has confirmed no event yet.".into()),
    }
    if let Some(at) = out.last_success_us {
        lines.push(format!("Last synced at {} UTC.", format_utc(at)));
    }
    if let Some(e) = &out.last_error {
        lines.push(format!(
            "Last error at {} UTC ({}): {}",
            format_utc(e.at_us),
            e.code,
            terminal_safe(&e.message, false)
        ));
    }
    Ok(Output::new(
        json!({
            "enrolled": device.is_some(),
            "device_id": device.as_ref().map(|d| d.device_id.clone()),
            "server_url": device.as_ref().map(|d| d.server_url.clone()),
            "workstation": device.as_ref().map(|d| d.workstation.clone()),
            "events_waiting": out.events_waiting(),
            "scans_waiting": out.blobs_waiting,
            "anchor": out.anchor,
            "last_success_us": out.last_success_us,
            "last_error": out.last_error,
        }),
        lines.join("\n"),
    ))
}

fn plural(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

fn sent_text(report: &Report) -> String {
    let mut text = format!(
        "Sent {} in {} ({} new to the server) and {} ({} bytes)",
        plural(report.events_sent, "event", "events"),
        plural(report.batches, "batch", "batches"),
        report.events_new,
        plural(report.scans_sent, "scan", "scans"),
        report.scan_bytes
    );
    if report.deletions > 0 {
        text.push_str(&format!(
            ", and deleted {} on the server",
            plural(report.deletions, "scan", "scans")
        ));
    }
    text.push('.');
    text
}

/// `sync`: one cycle.
pub fn sync_command(session: &mut Session) -> Result<Output> {
    let mut plan = Plan::default();
    let mut vault = &mut *session;
    let interactive = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let report = clinic_vault_sync::run_cycle(&mut vault, &mut plan, &mut |r| {
        if interactive {
            eprint!("\r{} events, {} scans sent…", r.events_sent, r.scans_sent);
        }
    })
    .map_err(cycle_error)?;
    if interactive {
        eprintln!();
    }
    let out = session.sync_outbox()?;
    let sent = sent_text(&report);
    let json = json!({
        "events_sent": report.events_sent,
        "events_new": report.events_new,
        "batches": report.batches,
        "scans_sent": report.scans_sent,
        "scan_bytes": report.scan_bytes,
        "deletions": report.deletions,
        "server_seq": report.server_seq,
        "events_waiting": out.events_waiting(),
        "scans_waiting": out.blobs_waiting,
    });
    match report.end {
        End::Synced => Ok(Output::new(
            json,
            format!(
                "{sent} The server holds every event up to {}; nothing waits.",
                out.head_seq
            ),
        )),
        End::Retry {
            code,
            message,
            wait,
        } => {
            let mut output = Output::new(json, sent);
            output.failure = Some(Error::Sync {
                code,
                message: format!(
                    "{message} Still waiting: {} and {}. (The app would retry in {} s.)",
                    plural(out.events_waiting(), "event", "events"),
                    plural(out.blobs_waiting, "scan", "scans"),
                    wait.as_secs().max(1)
                ),
            });
            Ok(output)
        }
        End::Halted {
            code,
            message,
            corrupt,
        } => {
            let mut output = Output::new(json, sent);
            output.failure = Some(Error::Sync {
                code: if corrupt { "corrupt".into() } else { code },
                message,
            });
            Ok(output)
        }
    }
}
