//! The scan commands: `scan import`, `list`, `export`, `verify`, `limits`, and the desk
//! scanner's `devices` and `acquire`. Each file of
//! an import is one call into core; its progress goes to stderr as it happens, its id
//! (or, with `--json`, one object) to stdout.

use std::io::IsTerminal;

use clinic_vault_core::error::ScanError;
use clinic_vault_core::scans::{acquire, ScanLimits, ScanSummary};
use clinic_vault_core::Session;
use serde_json::json;

use crate::args::ScanCommand;
use crate::error::{Error, Result};
use crate::render::{table, terminal_safe, when, Output};

fn file_label(path: &std::path::Path) -> String {
    terminal_safe(&path.display().to_string(), false)
}

fn pages(n: u32) -> String {
    if n == 1 {
        "1 page".into()
    } else {
        format!("{n} pages")
    }
}

fn removed_text(s: &ScanSummary) -> String {
    if s.removed.is_empty() {
        "no metadata found".into()
    } else {
        format!("removed {}", s.removed.join(", "))
    }
}

/// `scan …`
pub fn scan_command(session: &mut Session, command: &ScanCommand) -> Result<Output> {
    match command {
        ScanCommand::Import { id, files } => import(session, id, files),
        ScanCommand::Devices => devices(),
        ScanCommand::Acquire {
            id,
            device,
            dpi,
            mode,
            pages,
        } => acquire_command(session, id, device.as_deref(), *dpi, mode, *pages),
        ScanCommand::List { id } => {
            let list = session.list_scans(id)?;
            let text = if list.is_empty() {
                "No scans.".to_string()
            } else {
                let rows: Vec<Vec<String>> = list
                    .iter()
                    .map(|s| {
                        vec![
                            s.id.to_string(),
                            s.kind.as_str().to_string(),
                            s.pages.to_string(),
                            s.bytes.to_string(),
                            when(s.imported_us),
                            s.imported_by.clone(),
                            if s.prescriptions.is_empty() {
                                "-".into()
                            } else {
                                s.prescriptions.join(",")
                            },
                        ]
                    })
                    .collect();
                table(
                    &[
                        "ID",
                        "KIND",
                        "PAGES",
                        "BYTES",
                        "IMPORTED",
                        "BY",
                        "PRESCRIPTIONS",
                    ],
                    &rows,
                )
            };
            Ok(Output::new(json!({ "scans": list }), text))
        }
        ScanCommand::Export { scan_id, out } => {
            let done = session.export_scan(scan_id, out)?;
            let text = format!(
                "Exported scan {} ({}, {} bytes) to {}.",
                done.scan_id,
                done.kind.as_str(),
                done.bytes,
                file_label(&done.path)
            );
            let json = json!({
                "scan_id": done.scan_id, "kind": done.kind, "bytes": done.bytes,
                "path": done.path.to_string_lossy(),
            });
            Ok(Output::new(json, text))
        }
        ScanCommand::Verify { scan_id } => verify(session, scan_id.as_deref()),
        ScanCommand::Limits {
            max_file_mb,
            max_megapixels,
            max_side_px,
            max_pages,
        } => {
            let mut limits = session.scan_limits()?;
            let changing = max_file_mb.is_some()
                || max_megapixels.is_some()
                || max_side_px.is_some()
                || max_pages.is_some();
            if changing {
                let new = ScanLimits {
                    max_file_bytes: max_file_mb
                        .map_or(limits.max_file_bytes, |mb| mb.saturating_mul(1_000_000)),
                    max_megapixels: max_megapixels.unwrap_or(limits.max_megapixels),
                    max_side_px: max_side_px.unwrap_or(limits.max_side_px),
                    max_pages: max_pages.unwrap_or(limits.max_pages),
                };
                limits = session.set_scan_limits(&new)?;
            }
            let text = format!(
                "{}Files up to {} MB, {} megapixels and {} pixels a side, {} pages.",
                if changing { "Limits changed. " } else { "" },
                limits.max_file_bytes / 1_000_000,
                limits.max_megapixels,
                limits.max_side_px,
                limits.max_pages
            );
            Ok(Output::new(json!(limits), text))
        }
    }
}

fn devices() -> Result<Output> {
    let found = acquire::Scanner::system()
        .devices()
        .map_err(|e| clinic_vault_core::Error::from(ScanError::from(e)))?;
    let text = if found.is_empty() {
        "No scanner found. Check that it is switched on and connected; `scanimage -L` shows \
         what SANE sees."
            .to_string()
    } else {
        let rows: Vec<Vec<String>> = found
            .iter()
            .map(|d| {
                vec![
                    terminal_safe(&d.name, false),
                    terminal_safe(&format!("{} {}", d.vendor, d.model), false),
                    terminal_safe(&d.kind, false),
                ]
            })
            .collect();
        table(&["DEVICE", "MODEL", "KIND"], &rows)
    };
    Ok(Output::new(json!({ "devices": found }), text))
}

fn acquire_command(
    session: &mut Session,
    patient_id: &str,
    device: Option<&str>,
    dpi: u32,
    mode: &str,
    n_pages: u32,
) -> Result<Output> {
    let mode = acquire::ColourMode::parse(mode)
        .ok_or_else(|| Error::Usage(format!("--mode {mode:?}: use color, gray or lineart")))?;
    if !acquire::DPI_RANGE.contains(&dpi) {
        return Err(Error::Usage(format!(
            "--dpi {dpi}: use {}–{}",
            acquire::DPI_RANGE.start(),
            acquire::DPI_RANGE.end()
        )));
    }
    let limits = session.scan_limits()?;
    let max_pixels = u64::from(limits.max_megapixels) * 1_000_000;
    if n_pages == 0 || n_pages > limits.max_pages {
        return Err(Error::Usage(format!(
            "--pages {n_pages}: use 1–{}",
            limits.max_pages
        )));
    }
    // Refused before the paper is scanned, when this user may not import for them.
    session.check_scan_import(patient_id)?;
    let scanner = acquire::Scanner::system();
    let device = match device {
        Some(d) => d.to_string(),
        None => {
            scanner
                .devices()
                .map_err(|e| clinic_vault_core::Error::from(ScanError::from(e)))?
                .into_iter()
                .next()
                .ok_or_else(|| {
                    clinic_vault_core::Error::from(ScanError::from(
                        acquire::AcquireError::NoScanner,
                    ))
                })?
                .name
        }
    };
    let options = acquire::AcquireOptions {
        device: Some(device.clone()),
        dpi,
        mode,
        ..Default::default()
    };
    let interactive = std::io::stdin().is_terminal();
    let mut scanned = Vec::new();
    // The scan's size as pages come in (each page compressed as the import will), so
    // that paper past the size limit is not scanned for nothing.
    let mut bytes_so_far = 0u64;
    for n in 1..=n_pages {
        if n > 1 && interactive {
            eprint!("Place page {n} of {n_pages} on the scanner and press Enter: ");
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .map_err(|e| Error::Io(format!("reading the terminal: {e}")))?;
        }
        eprintln!(
            "Scanning page {n} of {n_pages} on {} …",
            terminal_safe(&device, false)
        );
        let page = scanner
            .scan_page(&options, max_pixels)
            .map_err(|e| clinic_vault_core::Error::from(ScanError::from(e)))?;
        if n_pages > 1 {
            bytes_so_far += acquire::pages_to_tiff(std::slice::from_ref(&page), dpi)
                .map_err(|e| clinic_vault_core::Error::from(ScanError::from(e)))?
                .len() as u64;
            if bytes_so_far > limits.max_file_bytes {
                let max_mb = limits.max_file_bytes as f64 / 1e6;
                return Err(Error::Usage(if n == 1 {
                    format!(
                        "page 1 alone is {:.1} MB, over the {max_mb:.0} MB limit: nothing was imported; use a lower --dpi or --mode gray",
                        bytes_so_far as f64 / 1e6
                    )
                } else {
                    format!(
                        "page {n} makes the scan {:.1} MB, over the {max_mb:.0} MB limit: nothing was imported; scan at most {} pages at a time, or use a lower --dpi or --mode gray",
                        bytes_so_far as f64 / 1e6,
                        n - 1
                    )
                }));
            }
        }
        scanned.push(page);
    }
    let tiff = acquire::pages_to_tiff(&scanned, dpi)
        .map_err(|e| clinic_vault_core::Error::from(ScanError::from(e)))?;
    drop(scanned);
    let scan = session.import_scan(patient_id, &tiff)?;
    let text = scan.id.to_string();
    eprintln!(
        "Imported as {} ({}; {})",
        scan.id,
        pages(scan.pages),
        removed_text(&scan)
    );
    Ok(Output::new(json!({ "device": device, "scan": scan }), text))
}

fn import(session: &mut Session, patient_id: &str, files: &[std::path::PathBuf]) -> Result<Output> {
    if let [path] = files {
        // One file: its result is the command's (an error is the one error line).
        let scan = session.import_scan_file(patient_id, path)?;
        let text = scan.id.to_string();
        return Ok(Output::new(
            json!({ "file": path.to_string_lossy(), "scan": scan }),
            text,
        ));
    }
    let n_files = files.len();
    let mut ids = Vec::new();
    let mut lines = Vec::new();
    let mut n_failed = 0;
    for (idx, path) in files.iter().enumerate() {
        let label = file_label(path);
        match session.import_scan_file(patient_id, path) {
            Ok(scan) => {
                eprintln!(
                    "[{}/{n_files}] {label}: imported as {} ({}, {}; {})",
                    idx + 1,
                    scan.id,
                    scan.kind.as_str(),
                    pages(scan.pages),
                    removed_text(&scan)
                );
                ids.push(scan.id.to_string());
                lines.push(json!({ "file": path.to_string_lossy(), "scan": scan }));
            }
            Err(e) => {
                let err = Error::from(e);
                eprintln!(
                    "[{}/{n_files}] {label}: not imported: {} ({})",
                    idx + 1,
                    terminal_safe(&crate::messages::error_message(&err), false),
                    err.code()
                );
                let mut line = crate::render::error_json(&err);
                line["file"] = json!(path.to_string_lossy());
                lines.push(line);
                n_failed += 1;
            }
        }
    }
    let mut out = Output::new(json!({ "imported": ids }), ids.join("\n"));
    out.json_lines = lines;
    if n_failed > 0 {
        out.failure = Some(Error::Partial(format!(
            "{n_failed} of {n_files} files were not imported (see above); the others were"
        )));
    }
    Ok(out)
}

/// `verify`'s part for scans: every scan checked (the whole vault), its damage
/// as the text's first lines, and the failure that makes the command exit 1.
pub(crate) fn verify_all(session: &mut Session) -> Result<Output> {
    verify(session, None)
}

fn verify(session: &mut Session, only: Option<&str>) -> Result<Output> {
    let show_progress = std::io::stderr().is_terminal();
    let mut progress = |done: usize, total: usize| {
        if show_progress && total > 1 {
            eprint!("\rVerifying scans: {done}/{total}");
            if done == total {
                eprintln!();
            }
        }
    };
    let report = session.verify_scans(only, &mut progress)?;
    let mut text = String::new();
    for d in &report.damaged {
        text.push_str(&format!(
            "DAMAGED: scan {} (patient {}): {}\n",
            d.scan_id, d.patient_id, d.problem
        ));
    }
    text.push_str(&format!(
        "{} of {} scans intact; {} chunks authenticated.",
        report.n_checked - report.damaged.len(),
        report.n_checked,
        report.n_chunks
    ));
    let mut out = Output::new(
        json!({ "ok": report.damaged.is_empty(), "report": report }),
        text,
    );
    if let Some(first) = report.damaged.first() {
        out.failure = Some(Error::Damaged(format!(
            "{} of {} scans are damaged; the first is {}: {} (restore it from a backup)",
            report.damaged.len(),
            report.n_checked,
            first.scan_id,
            first.problem
        )));
    }
    Ok(out)
}
