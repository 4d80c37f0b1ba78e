//! PDF import benchmark: a generated 20-page A4 PDF (a page of text and an image each,
//! ~11 MB) imported into a vault, first-page thumbnail drawn by the sandboxed renderer
//! included (target ≤ 1 s); then its parts: sanitizing alone, the thumbnail render alone
//! (spawn, sandbox, pipe, draw, JPEG), and one page drawn 1240 px wide for the viewer,
//! with what a PNG answer would add (encode in the child, decode in the parent).
//!
//! `cargo build -p clinic-vault-render --release && cargo bench -p clinic-vault-core --bench scan_pdf [-- --quick]`
#![allow(clippy::print_stdout, missing_docs)]

#[path = "../tests/scan_render/desk.rs"]
mod desk;
#[path = "../tests/scan_render/pdfs.rs"]
mod pdfs;

use std::time::Instant;

use clinic_vault_core::scans::render::{RenderLimits, Renderer, RENDERER_ENV};
use clinic_vault_core::scans::{sanitize, Preview, ScanLimits};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let runs = if quick { 3 } else { 9 };
    let exe = std::env::current_exe().expect("bench path");
    let renderer_path = exe
        .parent()
        .and_then(|deps| deps.parent())
        .map(|profile| profile.join("clinic-vault-render"))
        .expect("target/<profile>/");
    assert!(
        renderer_path.is_file(),
        "{} is missing: cargo build -p clinic-vault-render --release",
        renderer_path.display()
    );
    std::env::set_var(RENDERER_ENV, &renderer_path);
    let renderer = Renderer::at(&renderer_path);
    let limits = RenderLimits::default();

    let pdf = pdfs::a4_text_and_image(20);
    println!(
        "scan_pdf: 20-page A4 PDF (text + 600x400 image per page), {:.1} MB",
        pdf.len() as f64 / 1e6
    );

    let sanitize_ms = median(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                let clean = sanitize::sanitize(&pdf, &ScanLimits::default()).expect("sanitize");
                assert_eq!(clean.pages, 20);
                ms(t)
            })
            .collect(),
    );
    let stripped = sanitize::sanitize(&pdf, &ScanLimits::default())
        .expect("sanitize")
        .to_vec(&pdf);
    let thumb_ms = median(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                renderer
                    .pdf_thumbnail(&stripped, &limits)
                    .expect("thumbnail");
                ms(t)
            })
            .collect(),
    );
    let count_ms = median(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                assert_eq!(renderer.page_count(&stripped, &limits).expect("count"), 20);
                ms(t)
            })
            .collect(),
    );
    let mut page = None;
    let page_ms = median(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                page = Some(
                    renderer
                        .render_page(&stripped, 0, 1240, &limits)
                        .expect("page"),
                );
                ms(t)
            })
            .collect(),
    );
    let page = page.expect("a page");
    let t = Instant::now();
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image_rgba(&page)
        .expect("png");
    let png_encode_ms = ms(t);
    let t = Instant::now();
    image::load_from_memory(&png).expect("decode");
    let png_decode_ms = ms(t);

    let dir = tempfile::tempdir().expect("tempdir");
    let desk = desk::Desk::new(dir.path());
    let mut carl = desk.carl();
    let import_ms = median(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                let scan = carl.import_scan(&desk.patient_id, &pdf).expect("import");
                let took = ms(t);
                assert_eq!(scan.preview, Preview::Thumbnail, "the thumbnail is stored");
                took
            })
            .collect(),
    );
    carl.lock().expect("lock");

    println!(
        "  import, thumbnail included : {import_ms:7.1} ms (median of {runs}; target <= 1000)"
    );
    println!("  sanitize alone             : {sanitize_ms:7.1} ms");
    println!("  thumbnail render alone     : {thumb_ms:7.1} ms (spawn, sandbox, pipe, draw 256 px, JPEG)");
    println!("  page count                 : {count_ms:7.1} ms");
    println!(
        "  page 1 at 1240 x {} RGBA  : {page_ms:7.1} ms ({:.1} MB through the pipe)",
        page.height,
        page.rgba.len() as f64 / 1e6
    );
    println!(
        "  a PNG answer would add     : {:7.1} ms (encode {png_encode_ms:.1} + decode {png_decode_ms:.1}; {:.2} MB)",
        png_encode_ms + png_decode_ms,
        png.len() as f64 / 1e6
    );
}

trait WriteRgba {
    fn write_image_rgba(
        self,
        page: &clinic_vault_core::scans::render::RenderedPage,
    ) -> image::ImageResult<()>;
}

impl<W: std::io::Write> WriteRgba for image::codecs::png::PngEncoder<W> {
    fn write_image_rgba(
        self,
        page: &clinic_vault_core::scans::render::RenderedPage,
    ) -> image::ImageResult<()> {
        use image::ImageEncoder;
        self.write_image(
            &page.rgba,
            page.width,
            page.height,
            image::ExtendedColorType::Rgba8,
        )
    }
}
