// Every command gets a generated `allow-<command>` permission; capabilities/main.json
// grants the main window exactly the ones the UI uses (an ungranted command is refused).
fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(clinic_vault_commands::ALL)),
    )
    .expect("tauri build script");
}

#[path = "src/command_names.rs"]
mod clinic_vault_commands;
