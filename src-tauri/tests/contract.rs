//! The shell's contract with the UI and its hardening, checked from the files
//! themselves: every command the UI invokes exists and is granted to the main window
//! (and nothing more), the CSP forbids inline and data:/blob: scripts, the core crate
//! knows nothing of Tauri.

use std::collections::BTreeSet;
use std::path::Path;

use clinic_vault_app::command_names::ALL;
use serde_json::Value;

fn repo(path: &str) -> String {
    let root = manifest_dir().join("..");
    std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn ipc_ts_commands() -> BTreeSet<String> {
    let text = repo("ui/src/lib/ipc.ts");
    text.split("invoke<")
        .skip(1)
        .filter_map(|rest| {
            let start = rest.find("('")? + 2;
            let end = start + rest[start..].find('\'')?;
            Some(rest[start..end].to_string())
        })
        .collect()
}

#[test]
fn the_ui_invokes_exactly_the_registered_commands() {
    let registered: BTreeSet<String> = ALL.iter().map(|s| s.to_string()).collect();
    assert_eq!(ipc_ts_commands(), registered);
    let lib = repo("src-tauri/src/lib.rs");
    for name in ALL {
        assert!(
            ["commands", "scans", "sync"]
                .iter()
                .any(|module| lib.contains(&format!("{module}::{name},"))),
            "{name} is not in generate_handler!"
        );
    }
}

#[test]
fn only_ipc_ts_calls_invoke() {
    fn walk(dir: &Path, hits: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).expect("read ui/src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                // Test helpers (mockIPC) live in ui/src/testing/.
                if !path.ends_with("testing") {
                    walk(&path, hits);
                }
            } else if path.extension().is_some_and(|e| e == "ts" || e == "svelte")
                && !path.to_string_lossy().ends_with(".test.ts")
            {
                let text = std::fs::read_to_string(&path).expect("read");
                if text.contains("@tauri-apps/api/core") || text.contains("@tauri-apps/api/event") {
                    hits.push(path.display().to_string());
                }
            }
        }
    }
    let mut hits = Vec::new();
    walk(&manifest_dir().join("../ui/src"), &mut hits);
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert!(hits[0].ends_with("lib/ipc.ts"), "{hits:?}");
}

#[test]
fn the_main_window_is_granted_the_apps_commands_and_event_listening_only() {
    let cap: Value = serde_json::from_str(&repo("src-tauri/capabilities/main.json")).expect("json");
    assert_eq!(cap["windows"], serde_json::json!(["main"]));
    assert_eq!(cap["local"], true);
    assert!(
        cap.get("remote").is_none(),
        "no remote URL may reach the IPC"
    );
    let granted: BTreeSet<String> = cap["permissions"]
        .as_array()
        .expect("permissions")
        .iter()
        .map(|p| p.as_str().expect("plain identifiers").to_string())
        .collect();
    let mut expected: BTreeSet<String> = ALL
        .iter()
        .map(|c| format!("allow-{}", c.replace('_', "-")))
        .collect();
    expected.insert("core:event:allow-listen".into());
    expected.insert("core:event:allow-unlisten".into());
    assert_eq!(granted, expected);
}

#[test]
fn the_csp_forbids_inline_and_remote_scripts() {
    let conf: Value = serde_json::from_str(&repo("src-tauri/tauri.conf.json")).expect("json");
    let csp = &conf["app"]["security"]["csp"];
    let script = csp["script-src"].as_str().expect("script-src");
    assert_eq!(script, "'self'");
    for directive in ["default-src", "script-src", "connect-src", "img-src"] {
        let value = csp[directive].as_str().unwrap_or_default();
        for bad in [
            "'unsafe-inline'",
            "'unsafe-eval'",
            "data:",
            "blob:",
            "http:",
            "https:",
            "*",
        ] {
            assert!(
                !value.split_whitespace().any(|v| v == bad),
                "{directive} allows {bad}"
            );
        }
    }
    // Scan images come through the app's own scheme, for images only; files to import
    // go the other way through another scheme, which scripts may connect to.
    assert_eq!(csp["img-src"], "'self' cvscan:");
    assert_eq!(csp["connect-src"], "ipc: http://ipc.localhost cvupload:");
    for directive in [
        "default-src",
        "script-src",
        "connect-src",
        "style-src",
        "frame-src",
    ] {
        let value = csp[directive].as_str().unwrap_or_default();
        assert!(
            !value.contains("cvscan"),
            "{directive} allows the scan scheme"
        );
    }
    assert_eq!(csp["object-src"], "'none'");
    assert_eq!(conf["app"]["withGlobalTauri"], false);
    assert!(
        conf["build"].get("devUrl").is_none(),
        "the app never loads from a server"
    );
    let features = repo("src-tauri/Cargo.toml");
    assert!(
        !features.contains("devtools"),
        "devtools stay out of release builds"
    );
}

#[test]
fn core_knows_no_shell() {
    let core = repo("crates/core/Cargo.toml");
    for shell in ["tauri", "axum", "zbus", "arboard"] {
        assert!(!core.contains(shell), "crates/core depends on {shell}");
    }
}

/// The package's directory, read when the test runs (cargo sets it), never the one
/// baked in at compile time: a persistent target directory shared by clones at other
/// paths may hold a binary compiled in another clone.
fn manifest_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(std::path::PathBuf::from)
        .expect("tests run through cargo, which sets CARGO_MANIFEST_DIR")
}
