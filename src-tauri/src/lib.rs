//! Clinic Vault's desktop shell: Tauri 2 over `clinic-vault-core`. The commands in
//! [`commands`] are thin adapters; the unlocked session lives in [`state::AppState`];
//! [`autolock`] decides when to lock on its own and [`logind`] reports OS lock and
//! suspend. [`build_app`] is generic over the runtime so tests drive the real IPC path
//! with Tauri's mock runtime.

pub mod autolock;
pub mod clipboard;
pub mod command_names;
pub mod commands;
pub mod error;
pub mod logind;
pub mod scans;
pub mod state;
pub mod sync;

use std::path::PathBuf;
use std::time::Duration;

use tauri::{Emitter, Manager, Runtime, WebviewUrl, WebviewWindowBuilder};

use crate::autolock::LockReason;
use crate::state::{AppState, ShellEvent};

/// The main window's label (capabilities/main.json grants it the app's commands).
pub const MAIN_WINDOW: &str = "main";
/// The event the UI listens for to unmount every view (payload: the lock reason).
pub const LOCKED_EVENT: &str = "session-locked";
/// The event that closes a first login's or recovery's setup page whose deadline
/// passed (payload: [`state::ExpiredEnrollment`]).
pub const ENROLLMENT_EXPIRED_EVENT: &str = "enrollment-expired";
/// Files were dropped on the window from the desktop (payload: [`state::DroppedFiles`]).
pub const FILES_DROPPED_EVENT: &str = "files-dropped";
/// Files are being dragged over the window (payload: `{x, y}` from the window's top left
/// in GTK's widget pixels, which are the page's CSS pixels at the app's zoom, or `null`
/// when they left). Tauri's type calls the point physical; wry passes GTK's as it is.
pub const FILES_HOVER_EVENT: &str = "files-hover";
/// The workstation's sync status changed (payload: [`sync::SyncStatus`]).
pub const SYNC_STATUS_EVENT: &str = "sync-status";

/// Registers the commands. Everything else (window, plugins, watchers) is in [`run`].
pub fn build_app<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder
        .invoke_handler(tauri::generate_handler![
            commands::app_status,
            commands::check_password,
            commands::create_vault,
            commands::confirm_totp,
            commands::unlock,
            commands::first_login,
            commands::recover_admin,
            commands::finish_enrollment,
            commands::cancel_enrollment,
            commands::lock,
            commands::lock_require_password,
            commands::set_pin,
            commands::quick_unlock,
            commands::report_activity,
            commands::session_info,
            commands::copy_text,
            commands::search_patients,
            commands::show_patient,
            commands::add_patient,
            commands::update_patient,
            commands::archive_patient,
            commands::patient_history,
            commands::list_consents,
            commands::grant_consent,
            commands::withdraw_consent,
            commands::list_notes,
            commands::add_note,
            commands::add_addendum,
            commands::void_note,
            commands::list_prescriptions,
            commands::add_prescription,
            commands::void_prescription,
            commands::list_users,
            commands::add_user,
            commands::disable_user,
            commands::enable_user,
            commands::reset_totp,
            commands::reset_password,
            commands::change_role,
            commands::clear_lockout,
            commands::rotate_data_key,
            commands::rotate_recovery_key,
            commands::clear_recovery_lockout,
            commands::audit_list,
            commands::verify_vault,
            commands::get_settings,
            commands::set_settings,
            commands::get_quick_unlock_settings,
            commands::set_quick_unlock_settings,
            scans::list_scans,
            scans::scan_upload_key,
            scans::open_scan,
            scans::close_scan,
            scans::scan_devices,
            scans::acquire_page,
            scans::import_acquired,
            scans::discard_acquired,
            scans::export_scan,
            scans::import_dropped,
            scans::forget_dropped,
            sync::sync_status,
            sync::sync_now,
            sync::enroll_device,
            sync::forget_server,
        ])
        .register_asynchronous_uri_scheme_protocol(scans::SCHEME, |ctx, request, responder| {
            // Decoding a page takes a moment: off the main thread.
            let app = ctx.app_handle().clone();
            let path = request.uri().path().to_string();
            std::thread::spawn(move || {
                responder.respond(scans::respond(&app.state::<AppState>(), &path));
            });
        })
        .register_asynchronous_uri_scheme_protocol(
            scans::UPLOAD_SCHEME,
            |ctx, request, responder| {
                // Importing takes a moment: off the main thread.
                let app = ctx.app_handle().clone();
                std::thread::spawn(move || {
                    responder.respond(scans::upload(&app.state::<AppState>(), request));
                });
            },
        )
}

/// Only the app's own pages may load in the window: no remote content, no navigation
/// away (a link in a patient's address field, a hostile redirect).
pub fn is_app_url(url: &tauri::Url) -> bool {
    match url.scheme() {
        "tauri" => url.host_str() == Some("localhost"),
        "http" | "https" => url.host_str() == Some("tauri.localhost"),
        _ => false,
    }
}

/// The webview keeps nothing on disk (WebKit's ephemeral context), except in a
/// test-hooks build driven by tauri-driver: WebKit lets WebDriver automate only a
/// persistent context. The end-to-end run then scans that context's files for patient
/// names, which is stricter than the release setting.
fn incognito() -> bool {
    !(cfg!(feature = "test-hooks")
        && std::env::var("TAURI_WEBVIEW_AUTOMATION").as_deref() == Ok("true"))
}

/// The vault directory: `--vault DIR`, else `CLINICVAULT_VAULT_DIR`, else `vault/` in
/// the app's data directory.
fn vault_dir(app: &tauri::App) -> Result<PathBuf, Box<dyn std::error::Error>> {
    let mut args = std::env::args_os().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--vault" {
            if let Some(dir) = args.next() {
                return Ok(PathBuf::from(dir));
            }
        }
    }
    if let Some(dir) = std::env::var_os("CLINICVAULT_VAULT_DIR") {
        return Ok(PathBuf::from(dir));
    }
    Ok(app.path().app_data_dir()?.join("vault"))
}

/// Drops what WebKit keeps of loaded resources (decoded scan images in its memory
/// cache above all), so that after a lock not even the webview can show a scan again
/// from its cache. The `cvscan:` answers say `no-store`; this covers WebKit's in-page
/// image cache, which keeps images for the page's life regardless.
fn forget_cached_images<R: Runtime>(handle: &tauri::AppHandle<R>) {
    #[cfg(target_os = "linux")]
    if let Some(window) = handle.get_webview_window(MAIN_WINDOW) {
        let _ = window.with_webview(|webview| {
            use webkit2gtk::{WebContextExt, WebViewExt};
            if let Some(context) = webview.inner().context() {
                context.clear_cache();
            }
        });
    }
    #[cfg(not(target_os = "linux"))]
    let _ = handle;
}

/// Files dragged onto the window from the desktop: while they hover the page is told
/// where (to show the drop zone); a drop is kept in the state and the page told its
/// token and file names.
fn on_drag_drop<R: Runtime>(handle: &tauri::AppHandle<R>, drag: &tauri::DragDropEvent) {
    let _ = match drag {
        tauri::DragDropEvent::Enter { position, .. } | tauri::DragDropEvent::Over { position } => {
            handle.emit_to(
                MAIN_WINDOW,
                FILES_HOVER_EVENT,
                serde_json::json!({ "x": position.x, "y": position.y }),
            )
        }
        tauri::DragDropEvent::Drop { paths, position } => {
            let dropped = handle
                .state::<AppState>()
                .drop_files(paths, position.x, position.y);
            let _ = handle.emit_to(MAIN_WINDOW, FILES_HOVER_EVENT, serde_json::Value::Null);
            match dropped {
                Some(dropped) => handle.emit_to(MAIN_WINDOW, FILES_DROPPED_EVENT, dropped),
                None => Ok(()),
            }
        }
        tauri::DragDropEvent::Leave => {
            handle.emit_to(MAIN_WINDOW, FILES_HOVER_EVENT, serde_json::Value::Null)
        }
        _ => Ok(()),
    };
}

/// The app's compiled configuration, capabilities and embedded UI, for any runtime
/// (tests build the real ACL with the mock runtime).
pub fn context<R: Runtime>() -> tauri::Context<R> {
    tauri::generate_context!()
}

/// Starts the desktop app.
pub fn run() {
    clinic_vault_core::hardening::disable_core_dumps();
    // A panic's message could quote data (a patient's name in a failed parse); print
    // only where it happened. The state recovers from a poisoned lock.
    std::panic::set_hook(Box::new(|info| {
        let at = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_else(|| "an unknown place".into());
        eprintln!(
            "clinic-vault: internal error at {at} (details withheld: they may hold patient data)"
        );
    }));
    let builder = tauri::Builder::default()
        // First, so that a second launch only focuses this one and exits.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            if let Some(window) = app.get_webview_window(MAIN_WINDOW) {
                let _ = window.unminimize();
                let _ = window.show();
                let _ = window.set_focus();
            }
        }))
        .setup(|app| {
            let dir = vault_dir(app)?;
            let cfg = clinic_vault_core::CoreConfig::new(clinic_vault_core::clock::process_clock());
            let state = AppState::new(dir, cfg, Box::new(clipboard::SystemClipboard::default()));
            // An IT admin's export folder: absolute, or ignored (an empty or relative
            // value would mean wherever the app was started from).
            if let Some(exports) = std::env::var_os("CLINICVAULT_EXPORT_DIR") {
                let exports = PathBuf::from(exports);
                if exports.is_absolute() {
                    state.set_export_dir(exports);
                } else if !exports.as_os_str().is_empty() {
                    eprintln!(
                        "clinic-vault: CLINICVAULT_EXPORT_DIR={} is not an absolute path; exports go to the Downloads folder",
                        exports.display()
                    );
                }
            }
            let handle = app.handle().clone();
            state.set_notifier(Box::new(move |event: &ShellEvent| {
                let _ = match event {
                    ShellEvent::Locked(reason) => {
                        forget_cached_images(&handle);
                        handle.emit_to(MAIN_WINDOW, LOCKED_EVENT, reason.as_str())
                    }
                    ShellEvent::EnrollmentExpired(expired) => {
                        handle.emit_to(MAIN_WINDOW, ENROLLMENT_EXPIRED_EVENT, expired)
                    }
                };
            }));
            // A sync server the run script started on this computer: its enrollment
            // code is offered to the admin (one click connects).
            if let Ok(code) = std::env::var("CLINICVAULT_SYNC_OFFER") {
                if let Err(e) = state.sync.offer(&code) {
                    eprintln!("clinic-vault: CLINICVAULT_SYNC_OFFER is not an enrollment code ({e}); nothing is offered");
                }
            }
            let handle = app.handle().clone();
            state.sync.set_notifier(Box::new(move |status| {
                let _ = handle.emit_to(MAIN_WINDOW, SYNC_STATUS_EVENT, status);
            }));
            app.manage(state);
            sync::spawn(app.handle().clone())?;

            let window =
                WebviewWindowBuilder::new(app, MAIN_WINDOW, WebviewUrl::App("index.html".into()))
                .title("Clinic Vault")
                .inner_size(1280.0, 800.0)
                .min_inner_size(1024.0, 680.0)
                .incognito(incognito())
                .on_navigation(is_app_url)
                .on_new_window(|_url, _features| tauri::webview::NewWindowResponse::Deny)
                // Files dragged from the desktop are taken by the native handler (wry
                // reads GTK's drop, so WebKit neither navigates to the file nor hides it
                // from the app: WebKitGTK 2.50 gives a page no files from another app's
                // drop). The paths stay in Rust; the page is told the names and where
                // they landed, and imports them into the open patient by token.
                .build()?;
            let handle = app.handle().clone();
            window.on_window_event(move |event| {
                if let tauri::WindowEvent::DragDrop(drag) = event {
                    on_drag_drop(&handle, drag);
                }
            });

            let handle = app.handle().clone();
            std::thread::Builder::new()
                .name("autolock".into())
                .spawn(move || loop {
                    std::thread::sleep(Duration::from_millis(500));
                    handle.state::<AppState>().check_timers();
                })?;
            let handle = app.handle().clone();
            logind::watch(move |reason| {
                handle.state::<AppState>().lock(reason);
            });
            Ok(())
        });
    build_app(builder)
        .build(context())
        .expect("error while starting Clinic Vault")
        .run(|app, event| {
            if let tauri::RunEvent::Exit = event {
                app.state::<AppState>().lock(LockReason::Exit);
            }
        });
}
