//! A PDF import through the vault stores a thumbnail drawn by the sandboxed renderer;
//! with the renderer missing (or failing) the import still succeeds, without one, and
//! the import event's detail says why (`render_failed:<reason>`), never any content.
//! One test: it points `CLINICVAULT_RENDERER` at the real renderer, then at nothing.

#[path = "scan_render/desk.rs"]
mod desk;
#[path = "scan_render/pdfs.rs"]
mod pdfs;
#[path = "scan_render/real.rs"]
mod real;

use std::path::PathBuf;

use clinic_vault_core::audit::AuditFilter;
use clinic_vault_core::scans::render::RENDERER_ENV;
use clinic_vault_core::scans::{Preview, ScanKind};

fn real_renderer() -> PathBuf {
    real::renderer_path()
}

#[test]
fn a_pdf_import_stores_a_thumbnail_and_survives_a_missing_renderer() {
    let dir = tempfile::tempdir().expect("tempdir");
    let desk = desk::Desk::new(dir.path());
    let pdf = pdfs::a4_text_and_image(3);

    std::env::set_var(RENDERER_ENV, real_renderer());
    let mut carl = desk.carl();
    let with = carl.import_scan(&desk.patient_id, &pdf).expect("import");
    assert_eq!(with.kind, ScanKind::Pdf);
    assert_eq!(with.pages, 3);
    assert_eq!(with.preview, Preview::Thumbnail);
    let thumb = carl
        .scan_thumbnail(&with.id)
        .expect("thumbnail")
        .expect("a PDF has one now");
    assert_eq!(
        (thumb.kind, thumb.width, thumb.height),
        (ScanKind::Jpeg, 181, 256)
    );
    image::load_from_memory(&thumb.bytes).expect("a JPEG that decodes");

    std::env::set_var(RENDERER_ENV, dir.path().join("no-such-renderer"));
    let without = carl
        .import_scan(&desk.patient_id, &pdf)
        .expect("import still succeeds");
    assert_eq!(without.preview, Preview::Icon);
    assert_eq!(carl.scan_thumbnail(&without.id).expect("thumbnail"), None);
    carl.lock().expect("lock");

    let mut admin = desk.admin();
    let events = admin
        .audit_list(&AuditFilter {
            action: Some("scan.import".into()),
            ..AuditFilter::default()
        })
        .expect("events");
    let detail_of = |id: &str| {
        events
            .iter()
            .find(|e| e.event.resource_id.as_deref() == Some(id))
            .and_then(|e| e.detail.clone())
            .expect("the import's detail")
    };
    assert_eq!(detail_of(&with.id).get("thumbnail"), None);
    assert_eq!(
        detail_of(&without.id)["thumbnail"],
        serde_json::json!("render_failed:missing")
    );
}
