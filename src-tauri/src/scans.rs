//! Scans in the app: the IPC commands (list, import from bytes the page read from a
//! file or a drop, the desk scanner page by page, open and close the viewer) and the
//! `cvscan:` URI scheme that hands the window a scan's images. The scheme answers only
//! while a session is unlocked, and only with what that session may see: thumbnails
//! (core checks the role and audits each), the pages of the one scan open in the
//! viewer (decrypted in memory by `open_scan`, audited there), and previews of the
//! pages just scanned. Nothing is written to a file, except the one copy a clinician
//! exports on purpose (`export_scan`, into the Downloads folder, audited in core).

use clinic_vault_core::scans::acquire::{self, AcquireOptions, ColourMode, ScanDevice};
use clinic_vault_core::scans::{ScanKind, ScanSummary};
use serde::Serialize;
use tauri::http::{Response, StatusCode};
use tauri::ipc::{InvokeBody, Request};
use tauri::{AppHandle, Manager, Runtime, State};
use zeroize::Zeroizing;

use crate::error::{CmdResult, IpcError};
use crate::state::{AppState, ScannedPage, EXPORTS_PER_SESSION};

/// The URI scheme of scan images (`cvscan://localhost/…`; the CSP allows it for images).
pub const SCHEME: &str = "cvscan";

/// A scan open in the viewer: what the toolbar needs.
#[derive(Debug, Clone, Serialize)]
pub struct OpenedScan {
    scan_id: String,
    /// This opening's number: part of the page URLs, so that no page URL is ever
    /// served again after the viewer closes.
    opening: u64,
    kind: ScanKind,
    pages: u32,
    /// EXIF orientation of the original (1–8), for the viewer to turn the page upright.
    orientation: u8,
}

/// The pages waiting after a scan at the desk.
#[derive(Debug, Clone, Serialize)]
pub struct AcquiredPages {
    patient_id: String,
    pages: usize,
}

fn header<'a>(request: &'a Request<'_>, name: &str) -> CmdResult<&'a str> {
    request
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| IpcError::invalid(format!("The request lacks its {name}.")))
}

#[tauri::command(async)]
pub fn list_scans(state: State<'_, AppState>, patient_id: String) -> CmdResult<Vec<ScanSummary>> {
    state.with_session(|s| s.list_scans(&patient_id))
}

/// Imports the bytes of one file (the raw request body; the patient in the
/// `patient-id` header). The page read them from a file picker or a drop.
#[tauri::command(async)]
pub fn import_scan(state: State<'_, AppState>, request: Request<'_>) -> CmdResult<ScanSummary> {
    let patient_id = header(&request, "patient-id")?.to_string();
    let InvokeBody::Raw(bytes) = request.body() else {
        return Err(IpcError::invalid("The file must be sent as raw bytes."));
    };
    state.with_session(|s| s.import_scan(&patient_id, bytes))
}

/// Decrypts a scan into memory for the viewer (clinician; audited as `scan.view`). A
/// lock or another unlock while it decrypts leaves the viewer closed.
#[tauri::command(async)]
pub fn open_scan(state: State<'_, AppState>, scan_id: String) -> CmdResult<OpenedScan> {
    let (view, epoch) = state.with_session_epoch(|s| s.view_scan(&scan_id))?;
    let (scan_id, kind, pages, orientation) = (
        view.scan_id.to_string(),
        view.kind,
        view.pages,
        view.orientation,
    );
    let opening = state.set_viewer(epoch, view)?;
    Ok(OpenedScan {
        scan_id,
        opening,
        kind,
        pages,
        orientation,
    })
}

/// Closes the viewer: its plaintext is wiped.
#[tauri::command(async)]
pub fn close_scan(state: State<'_, AppState>) -> CmdResult<()> {
    state.close_viewer();
    Ok(())
}

/// The scanners attached (an empty list when there are none: not an error).
#[tauri::command(async)]
pub fn scan_devices(state: State<'_, AppState>) -> CmdResult<Vec<ScanDevice>> {
    if !state.is_unlocked() {
        return Err(IpcError::locked());
    }
    acquire::Scanner::system()
        .devices()
        .map_err(|e| state.core_err(clinic_vault_core::error::ScanError::from(e).into()))
}

/// Scans one page at the desk for the patient and keeps it, in memory, with the pages
/// scanned before it, until `import_acquired` or `discard_acquired`. The import's
/// permission is checked (and a refusal audited) before the scanner runs; the page
/// joins the others only if the same session is still unlocked when it arrives, and
/// only if the scan stays within the import limits (size, pages, pixels a side).
#[tauri::command(async)]
pub fn acquire_page(
    state: State<'_, AppState>,
    patient_id: String,
    device: Option<String>,
    dpi: u32,
    mode: ColourMode,
) -> CmdResult<AcquiredPages> {
    let discards = state.discards();
    let (limits, epoch) = state.with_session_epoch(|s| {
        s.check_scan_import(&patient_id)?;
        s.scan_limits()
    })?;
    let max_pixels = u64::from(limits.max_megapixels) * 1_000_000;
    let options = AcquireOptions {
        device,
        dpi,
        mode,
        ..Default::default()
    };
    let scan_failed = |e: acquire::AcquireError| {
        state.core_err(clinic_vault_core::error::ScanError::from(e).into())
    };
    // The scanner runs without the state's lock held: the app stays responsive, and a
    // lock meanwhile makes the page land nowhere (the epoch check below).
    let page = acquire::Scanner::system()
        .scan_page(&options, max_pixels)
        .map_err(scan_failed)?;
    if page.width.max(page.height) > limits.max_side_px {
        return Err(IpcError::invalid(format!(
            "The scanned page is {} × {} pixels; the limit is {} pixels a side. Choose a lower resolution.",
            page.width, page.height, limits.max_side_px
        )));
    }
    // Its compressed size (the scan's size is the sum) and its preview, made once here,
    // outside the state's lock.
    let size = acquire::pages_to_tiff(std::slice::from_ref(&page), dpi)
        .map_err(scan_failed)?
        .len() as u64;
    let preview = preview_jpeg(&page).unwrap_or_default();
    let scanned = ScannedPage {
        page,
        preview,
        size,
    };
    let pages = state.add_acquired(
        (epoch, discards),
        &patient_id,
        dpi,
        scanned,
        limits.max_file_bytes,
        limits.max_pages as usize,
    )?;
    Ok(AcquiredPages { patient_id, pages })
}

/// Imports the pages scanned for the patient as one scan (a lossless multi-page TIFF).
/// The pages are taken out of the state while they are encoded and imported, and put
/// back if the import fails.
#[tauri::command(async)]
pub fn import_acquired(state: State<'_, AppState>, patient_id: String) -> CmdResult<ScanSummary> {
    let (acquired, epoch, discards) = state
        .take_acquired(&patient_id)
        .ok_or_else(|| IpcError::invalid("There are no scanned pages to import."))?;
    let tiff = match acquire::pages_to_tiff(&acquired.pages, acquired.dpi) {
        Ok(tiff) => tiff,
        Err(e) => {
            state.return_acquired(acquired, epoch, discards);
            return Err(state.core_err(clinic_vault_core::error::ScanError::from(e).into()));
        }
    };
    // Imported by the session that scanned them, or not at all.
    match state.with_session_at(epoch, |s| s.import_scan(&patient_id, &tiff)) {
        Ok(scan) => Ok(scan),
        Err(e) => {
            state.return_acquired(acquired, epoch, discards);
            Err(e)
        }
    }
}

/// Where an export went.
#[derive(Debug, Clone, Serialize)]
pub struct ExportedCopy {
    /// The file written (absolute).
    path: String,
    /// Its folder, as the user knows it.
    folder: String,
    /// Bytes written.
    bytes: u64,
}

/// The file name extension of a scan's kind.
fn extension(kind: ScanKind) -> &'static str {
    match kind {
        ScanKind::Jpeg => "jpg",
        ScanKind::Png => "png",
        ScanKind::Tiff => "tif",
        ScanKind::Pdf => "pdf",
    }
}

/// The folder exports go to: `CLINICVAULT_EXPORT_DIR` when the IT admin set one (it
/// must exist), else the user's Downloads folder (XDG's, else `~/Downloads`), made
/// (0700) when it does not exist yet.
fn export_folder<R: Runtime>(
    app: &AppHandle<R>,
    state: &AppState,
) -> CmdResult<std::path::PathBuf> {
    if let Some(dir) = state.export_dir() {
        return Ok(dir.clone());
    }
    let dir = match app.path().download_dir() {
        Ok(dir) => dir,
        Err(_) => app
            .path()
            .home_dir()
            .map_err(|_| IpcError::invalid("There is no home folder to save the copy in."))?
            .join("Downloads"),
    };
    if !dir.is_dir() {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(&dir)
            .map_err(|e| {
                IpcError::invalid(format!(
                    "The folder {} could not be made: {e}.",
                    dir.display()
                ))
            })?;
    }
    Ok(dir)
}

/// Saves a decrypted copy of the scan open in the viewer into the Downloads folder
/// (clinician; core checks the role, audits it as `scan.export`, never replaces a
/// file and names the file only once the export is recorded). The name says what it
/// is without naming the patient: `scan-YYYY-MM-DD-<id>.<ext>`, with `-2`, `-3`… when
/// the name is taken.
#[tauri::command(async)]
pub fn export_scan<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    scan_id: String,
    opening: u64,
) -> CmdResult<ExportedCopy> {
    // The session the viewer belongs to: the export runs in it or not at all, and
    // within its cap.
    let ((), epoch) = state.with_session_epoch(|_| Ok(()))?;
    // A place under the cap is taken now (two exports at once cannot both take the
    // last one) and given back unless a copy was saved.
    state.with_session_at_active(epoch, |active| {
        if active.exports >= EXPORTS_PER_SESSION {
            return Err(IpcError::invalid(format!(
                "This session has saved {EXPORTS_PER_SESSION} copies already: lock and unlock again to save more."
            )));
        }
        active.exports += 1;
        Ok(())
    })?;
    let saved = save_copy(&app, &state, epoch, &scan_id, opening);
    if saved.is_err() {
        let _ = state.with_session_at_active(epoch, |active| {
            active.exports = active.exports.saturating_sub(1);
            Ok(())
        });
    }
    saved
}

/// [`export_scan`] once its place under the cap is taken.
fn save_copy<R: Runtime>(
    app: &AppHandle<R>,
    state: &AppState,
    epoch: u64,
    scan_id: &str,
    opening: u64,
) -> CmdResult<ExportedCopy> {
    let view = state
        .viewer(scan_id, opening)
        .ok_or_else(|| IpcError::invalid("Open the scan before exporting it."))?;
    let folder = export_folder(app, state)?;
    let day = crate::error::iso_utc(state.now_us());
    let day = day.get(..10).unwrap_or("export");
    let short: String = {
        let id = view.scan_id.as_str();
        let tail: Vec<char> = id.chars().filter(char::is_ascii_alphanumeric).collect();
        tail[tail.len().saturating_sub(8)..].iter().collect()
    };
    let ext = extension(view.kind);
    drop(view);
    for n in 1..=99u32 {
        let name = if n == 1 {
            format!("scan-{day}-{short}.{ext}")
        } else {
            format!("scan-{day}-{short}-{n}.{ext}")
        };
        let target = folder.join(&name);
        // A name seen taken is skipped without an attempt (core still refuses, and
        // audits, one taken between this look and its own check).
        if target.symlink_metadata().is_ok() {
            continue;
        }
        match state.with_session_at(epoch, |s| s.export_scan(scan_id, &target)) {
            Ok(done) => {
                return Ok(ExportedCopy {
                    path: done.path.display().to_string(),
                    folder: folder.display().to_string(),
                    bytes: done.bytes,
                })
            }
            Err(e) if e.code == "would_overwrite" => continue,
            Err(e) => return Err(e),
        }
    }
    Err(IpcError::invalid(format!(
        "{} already holds 99 copies of this scan: delete some first.",
        folder.display()
    )))
}

/// Forgets the pages scanned and not imported.
#[tauri::command(async)]
pub fn discard_acquired(state: State<'_, AppState>) -> CmdResult<()> {
    state.discard_acquired();
    Ok(())
}

/// A `cvscan:` answer.
fn answer(status: StatusCode, mime: &str, body: Vec<u8>) -> Response<Vec<u8>> {
    Response::builder()
        .status(status)
        .header("Content-Type", mime)
        .header("Cache-Control", "no-store")
        .header("X-Content-Type-Options", "nosniff")
        .header("Content-Security-Policy", "default-src 'none'")
        .body(body)
        .unwrap_or_else(|_| Response::new(Vec::new()))
}

fn refuse(status: StatusCode) -> Response<Vec<u8>> {
    answer(status, "text/plain", Vec::new())
}

fn status_of(err: &IpcError) -> StatusCode {
    match err.code {
        "locked" => StatusCode::UNAUTHORIZED,
        "forbidden" => StatusCode::FORBIDDEN,
        "scan_damaged" => StatusCode::UNPROCESSABLE_ENTITY,
        "renderer_unavailable" => StatusCode::NOT_IMPLEMENTED,
        "render_failed" => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::NOT_FOUND,
    }
}

/// Longest side of a scanned page's preview, pixels.
const PREVIEW_PX: u32 = 900;

fn preview_jpeg(page: &acquire::RawPage) -> Option<Zeroizing<Vec<u8>>> {
    let scale = (f64::from(PREVIEW_PX) / f64::from(page.width.max(page.height).max(1))).min(1.0);
    let tw = ((f64::from(page.width) * scale).round() as u32).max(1);
    let th = ((f64::from(page.height) * scale).round() as u32).max(1);
    let copy = &page.pixels;
    let small = match page.channels {
        3 => {
            let view: image::ImageBuffer<image::Rgb<u8>, &[u8]> =
                image::ImageBuffer::from_raw(page.width, page.height, &copy[..])?;
            image::DynamicImage::ImageRgb8(image::imageops::thumbnail(&view, tw, th))
        }
        _ => {
            let view: image::ImageBuffer<image::Luma<u8>, &[u8]> =
                image::ImageBuffer::from_raw(page.width, page.height, &copy[..])?;
            image::DynamicImage::ImageLuma8(image::imageops::thumbnail(&view, tw, th))
        }
    };
    let mut out = Zeroizing::new(Vec::new());
    small
        .write_with_encoder(image::codecs::jpeg::JpegEncoder::new_with_quality(
            &mut *out, 80,
        ))
        .ok()?;
    zeroize::Zeroize::zeroize(&mut small.into_bytes());
    Some(out)
}

/// One page decode at a time for the whole viewer: paging quickly through a large TIFF
/// or a PDF must not start a decode (or a renderer) per click at once.
static DECODING: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Answers `cvscan://localhost/<path>`:
/// - `thumb/<scan>`: the scan's thumbnail (core checks the role and audits it);
/// - `page/<scan>/<opening>/<n>`: page `n` (from 0) of the scan open in the viewer;
/// - `acquired/<patient>/<n>`: a preview of page `n` just scanned for the patient.
///
/// 401 while locked, 403 for a role that may not, 404 for anything else.
pub fn respond(state: &AppState, path: &str) -> Response<Vec<u8>> {
    if !state.is_unlocked() {
        return refuse(StatusCode::UNAUTHORIZED);
    }
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match parts.as_slice() {
        ["thumb", scan_id] => match state.with_session(|s| s.scan_thumbnail(scan_id)) {
            Ok(Some(thumb)) => answer(StatusCode::OK, "image/jpeg", thumb.bytes.to_vec()),
            Ok(None) => refuse(StatusCode::NOT_FOUND),
            Err(e) => refuse(status_of(&e)),
        },
        ["page", scan_id, opening, n] => {
            let (Ok(opening), Ok(n)) = (opening.parse::<u64>(), n.parse::<u32>()) else {
                return refuse(StatusCode::NOT_FOUND);
            };
            let Some(view) = state.viewer(scan_id, opening) else {
                return refuse(StatusCode::NOT_FOUND);
            };
            let _one_at_a_time = DECODING.lock().unwrap_or_else(|p| p.into_inner());
            // Closed or locked while waiting for the decoder: nothing to do.
            if !state.still_viewing(&view) {
                return refuse(StatusCode::UNAUTHORIZED);
            }
            let page = view.page(n);
            // Locked or closed while decoding: the page is not handed out.
            if !state.still_viewing(&view) {
                return refuse(StatusCode::UNAUTHORIZED);
            }
            match page {
                Ok(page) => {
                    let bytes: Zeroizing<Vec<u8>> = page.bytes;
                    answer(StatusCode::OK, page.mime, bytes.to_vec())
                }
                Err(e) => refuse(status_of(&state.core_err(e))),
            }
        }
        ["acquired", patient_id, n] => {
            let Ok(n) = n.parse::<usize>() else {
                return refuse(StatusCode::NOT_FOUND);
            };
            match state.acquired_preview(patient_id, n) {
                Some(jpeg) if !jpeg.is_empty() => {
                    answer(StatusCode::OK, "image/jpeg", jpeg.to_vec())
                }
                _ => refuse(StatusCode::NOT_FOUND),
            }
        }
        _ => refuse(StatusCode::NOT_FOUND),
    }
}
