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
    /// The first page's width and height in pixels (0 for a PDF).
    width: u32,
    height: u32,
    /// A large photo's screen rendition (`screen/<scan>/<opening>`): its size, for the
    /// viewer to show it first and the page itself only when zoomed past it.
    screen: Option<ScreenSize>,
}

/// The pixel size of a screen rendition.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ScreenSize {
    width: u32,
    height: u32,
}

/// The pages waiting after a scan at the desk.
#[derive(Debug, Clone, Serialize)]
pub struct AcquiredPages {
    patient_id: String,
    pages: usize,
}

#[tauri::command(async)]
pub fn list_scans(state: State<'_, AppState>, patient_id: String) -> CmdResult<Vec<ScanSummary>> {
    state.with_session(|s| s.list_scans(&patient_id))
}

/// The key the page sends with each upload to `cvupload://localhost/scan` (one per run
/// of the app, like Tauri's own invoke key): only the app's page, which may call this
/// command, can hand the app a file to import.
#[tauri::command]
pub fn scan_upload_key(state: State<'_, AppState>) -> String {
    state.upload_key_hex()
}

/// The URI scheme the page uploads files to import through
/// (`cvupload://localhost/scan`): its own scheme, so that `cvscan:` stays one for images
/// only (the CSP lets scripts connect to this one, never read a scan's pages as data).
pub const UPLOAD_SCHEME: &str = "cvupload";

/// The path of the upload on the `cvupload:` scheme.
const UPLOAD_PATH: &str = "/scan";

/// Imports the bytes of one file, POSTed by the page to `cvupload://localhost/scan`
/// (the patient in the `patient-id` header, the run's key in `upload-key`). The page
/// read them from a file picker or a drop. The body arrives here owned, so core frees a
/// PDF's bytes once parsed (`import_scan_owned`): an IPC command only borrows its body,
/// and a 50 MB PDF imported from a borrow needs a copy more than the memory budget.
/// The answer is the scan's summary as JSON, or the error's `{code, message}` with a
/// status (401 locked, 403 a wrong key or a role that may not, 400 a bad request, 422
/// a refused file).
pub fn upload(state: &AppState, request: tauri::http::Request<Vec<u8>>) -> Response<Vec<u8>> {
    let method = request.method().clone();
    if method == tauri::http::Method::OPTIONS {
        // The page's origin (tauri://localhost) differs from the scheme's: the preflight.
        return cors(answer(StatusCode::NO_CONTENT, "text/plain", Vec::new()));
    }
    if method != tauri::http::Method::POST || request.uri().path() != UPLOAD_PATH {
        return cors(refuse(StatusCode::NOT_FOUND));
    }
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let err = |status: StatusCode, e: IpcError| {
        let body = serde_json::to_vec(&e).unwrap_or_default();
        cors(answer(status, "application/json", body))
    };
    if !header("upload-key").is_some_and(|k| state.is_upload_key(&k)) {
        return err(
            StatusCode::FORBIDDEN,
            IpcError::invalid("The upload did not come from this app's window."),
        );
    }
    let Some(patient_id) = header("patient-id") else {
        return err(
            StatusCode::BAD_REQUEST,
            IpcError::invalid("The request lacks its patient-id."),
        );
    };
    let bytes = request.into_body();
    match state.with_session(|s| s.import_scan_owned(&patient_id, bytes)) {
        Ok(summary) => cors(answer(
            StatusCode::OK,
            "application/json",
            serde_json::to_vec(&summary).unwrap_or_default(),
        )),
        Err(e) => {
            let status = match e.code {
                "locked" => StatusCode::UNAUTHORIZED,
                "forbidden" => StatusCode::FORBIDDEN,
                "scan_refused" => StatusCode::UNPROCESSABLE_ENTITY,
                "not_found" => StatusCode::NOT_FOUND,
                "invalid_input" => StatusCode::BAD_REQUEST,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            };
            err(status, e)
        }
    }
}

/// The headers that let the page's fetch read an upload's answer: any origin may
/// read it (Tauri's own IPC answers the same way), because what guards the upload is
/// the run's key, not the origin.
fn cors(mut response: Response<Vec<u8>>) -> Response<Vec<u8>> {
    let headers = response.headers_mut();
    headers.insert(
        "Access-Control-Allow-Origin",
        tauri::http::HeaderValue::from_static("*"),
    );
    headers.insert(
        "Access-Control-Allow-Headers",
        tauri::http::HeaderValue::from_static("patient-id, upload-key, content-type"),
    );
    headers.insert(
        "Access-Control-Allow-Methods",
        tauri::http::HeaderValue::from_static("POST, OPTIONS"),
    );
    response
}

/// Decrypts a scan into memory for the viewer (clinician; audited as `scan.view`). A
/// lock or another unlock while it decrypts leaves the viewer closed.
#[tauri::command(async)]
pub fn open_scan(state: State<'_, AppState>, scan_id: String) -> CmdResult<OpenedScan> {
    let (view, epoch) = state.with_session_epoch(|s| s.view_scan(&scan_id))?;
    let opened = OpenedScan {
        scan_id: view.scan_id.to_string(),
        opening: 0,
        kind: view.kind,
        pages: view.pages,
        orientation: view.orientation,
        width: view.width,
        height: view.height,
        screen: view
            .screen_size()
            .map(|(width, height)| ScreenSize { width, height }),
    };
    let opening = state.set_viewer(epoch, view)?;
    Ok(OpenedScan { opening, ..opened })
}

/// Imports file `index` of the files dropped on the window (`files-dropped`, token
/// `token`) as a scan of `patient_id`, through core's file path (read and sanitized as
/// `scan import` does in the CLI). The page names the drop and the patient; the paths
/// never leave Rust, so nothing but what the user dropped can be imported this way.
#[tauri::command(async)]
pub fn import_dropped(
    state: State<'_, AppState>,
    token: String,
    index: u32,
    patient_id: String,
) -> CmdResult<ScanSummary> {
    let (path, epoch) = state.dropped_path(&token, index as usize)?;
    state.with_session_at(epoch, |s| s.import_scan_file(&patient_id, &path))
}

/// Forgets the files dropped on the window (imported, or dropped where nothing takes
/// them).
#[tauri::command(async)]
pub fn forget_dropped(state: State<'_, AppState>) {
    state.forget_dropped();
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
/// - `screen/<scan>/<opening>`: its screen rendition (a large photo's first image);
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
        ["screen", scan_id, opening] => {
            let Ok(opening) = opening.parse::<u64>() else {
                return refuse(StatusCode::NOT_FOUND);
            };
            match state
                .viewer(scan_id, opening)
                .and_then(|view| view.screen())
            {
                Some(jpeg) => answer(StatusCode::OK, jpeg.mime, jpeg.bytes.to_vec()),
                None => refuse(StatusCode::NOT_FOUND),
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
