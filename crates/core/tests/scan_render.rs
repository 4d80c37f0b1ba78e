//! PDF pages drawn by the sandboxed renderer (`clinic_vault_core::scans::render`): the
//! real `clinic-vault-render` draws known pixels, counts pages and makes a thumbnail;
//! stand-in renderers that hang, crash, spew or answer garbage become precise errors
//! and the caller carries on; the child holds no descriptor beyond 0–2, sees no
//! environment and runs in `/`; a memory limit kills the child, not the caller.
//!
//! The real renderer is `CLINICVAULT_RENDERER` (scripts/test.sh builds it in release and
//! points there), else `target/<profile>/clinic-vault-render` or the release build.

#[path = "scan_render/fakes.rs"]
mod fakes;
#[path = "scan_render/pdfs.rs"]
mod pdfs;
#[path = "scan_render/real.rs"]
mod real;

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use clinic_vault_core::scans::render::{RenderError, RenderLimits, Renderer};

/// The real renderer (`scan_render/real.rs`).
fn real_renderer() -> Renderer {
    Renderer::at(real::renderer_path())
}

fn quick() -> RenderLimits {
    RenderLimits {
        timeout: Duration::from_millis(500),
        ..RenderLimits::default()
    }
}

#[test]
fn a_red_rectangle_is_red_where_it_was_drawn() -> Result<(), RenderError> {
    let page = real_renderer().render_page(&pdfs::red_box(1), 0, 400, &RenderLimits::default())?;
    assert_eq!((page.width, page.height), (400, 200));
    let at = |x: usize, y: usize| page.rgba[(y * 400 + x) * 4..(y * 400 + x) * 4 + 4].to_vec();
    assert_eq!(at(200, 100), [255, 0, 0, 255], "inside");
    assert_eq!(
        at(295, 145),
        [255, 0, 0, 255],
        "inside, near the bottom right corner"
    );
    assert_eq!(at(50, 100), [255, 255, 255, 255], "left of it");
    assert_eq!(at(200, 10), [255, 255, 255, 255], "above it");
    assert_eq!(at(390, 190), [255, 255, 255, 255], "the far corner");
    Ok(())
}

#[test]
fn a_multi_page_pdf_counts_its_pages() -> Result<(), RenderError> {
    let renderer = real_renderer();
    assert_eq!(
        renderer.page_count(&pdfs::red_box(7), &RenderLimits::default())?,
        7
    );
    assert_eq!(
        renderer.page_count(&pdfs::a4_text_and_image(3), &RenderLimits::default())?,
        3
    );
    Ok(())
}

#[test]
fn a_page_that_does_not_exist_is_refused_with_its_word() {
    let result = real_renderer().render_page(&pdfs::red_box(2), 2, 100, &RenderLimits::default());
    assert_eq!(
        result.map(|_| ()),
        Err(RenderError::Refused {
            code: 5,
            reason: "no_such_page".into()
        })
    );
}

#[test]
fn a_pdf_thumbnail_is_a_small_upright_jpeg_of_page_one() -> Result<(), Box<dyn std::error::Error>> {
    let thumb =
        real_renderer().pdf_thumbnail(&pdfs::a4_text_and_image(2), &RenderLimits::default())?;
    assert_eq!(
        (thumb.width, thumb.height),
        (181, 256),
        "A4 fitted into 256 × 256"
    );
    assert_eq!(&thumb.bytes[..3], &[0xFF, 0xD8, 0xFF]);
    let decoded = image::load_from_memory(&thumb.bytes)?.to_rgb8();
    assert_eq!(decoded.dimensions(), (181, 256));
    // The top margin is white paper; the image sits in the lower part of the page.
    let top = decoded.get_pixel(90, 5);
    assert!(top.0.iter().all(|&c| c > 240), "{top:?}");
    let red_box = real_renderer().pdf_thumbnail(&pdfs::red_box(1), &RenderLimits::default())?;
    assert_eq!((red_box.width, red_box.height), (256, 128));
    let centre = image::load_from_memory(&red_box.bytes)?.to_rgb8();
    let px = centre.get_pixel(128, 64).0;
    assert!(px[0] > 200 && px[1] < 60 && px[2] < 60, "{px:?}");
    Ok(())
}

#[test]
fn a_hanging_renderer_is_killed_at_the_timeout_and_the_caller_carries_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hang = Renderer::at(fakes::script(dir.path(), "hang", fakes::HANG));
    let limits = RenderLimits {
        timeout: Duration::from_millis(300),
        ..RenderLimits::default()
    };
    let started = Instant::now();
    // A PDF bigger than a pipe's buffer, so that the writer is blocked too.
    let pdf = pdfs::a4_text_and_image(2);
    assert_eq!(
        hang.page_count(&pdf, &limits),
        Err(RenderError::TimedOut {
            after: Duration::from_millis(300)
        })
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(real_renderer().page_count(&pdf, &quick()), Ok(2));
}

#[test]
fn a_pdf_that_stalls_the_real_renderer_times_out_and_the_caller_carries_on() {
    let limits = RenderLimits {
        timeout: Duration::from_secs(1),
        ..RenderLimits::default()
    };
    let started = Instant::now();
    assert_eq!(
        real_renderer()
            .render_page(&pdfs::nested_dicts(500_000), 0, 256, &limits)
            .map(|_| ()),
        Err(RenderError::TimedOut {
            after: Duration::from_secs(1)
        })
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        real_renderer().page_count(&pdfs::red_box(2), &quick()),
        Ok(2)
    );
}

#[test]
fn a_crashing_renderer_is_a_crash() {
    let dir = tempfile::tempdir().expect("tempdir");
    let crash = Renderer::at(fakes::script(dir.path(), "crash", fakes::CRASH));
    assert_eq!(
        crash
            .render_page(&pdfs::red_box(1), 0, 100, &quick())
            .map(|_| ()),
        Err(RenderError::Crashed {
            signal: libc::SIGSEGV
        })
    );
}

#[test]
fn a_spewing_renderer_is_cut_off_at_the_answer_cap() {
    let dir = tempfile::tempdir().expect("tempdir");
    let spew = Renderer::at(fakes::script(dir.path(), "spew", fakes::SPEW));
    let limits = RenderLimits {
        max_output_bytes: 1 << 20,
        ..quick()
    };
    assert_eq!(
        spew.render_page(&pdfs::red_box(1), 0, 100, &limits)
            .map(|_| ()),
        Err(RenderError::Malformed { what: "too_large" })
    );
}

#[test]
fn garbage_on_a_clean_exit_is_malformed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let garbage = Renderer::at(fakes::script(dir.path(), "garbage", fakes::GARBAGE));
    assert_eq!(
        garbage.page_count(&pdfs::red_box(1), &quick()),
        Err(RenderError::Malformed { what: "magic" })
    );
}

#[test]
fn a_missing_renderer_is_missing() {
    let path = PathBuf::from("/nonexistent/clinic-vault-render");
    assert_eq!(
        Renderer::at(&path).page_count(&pdfs::red_box(1), &quick()),
        Err(RenderError::Missing { path })
    );
}

#[test]
fn the_child_holds_only_its_pipes_sees_no_environment_and_runs_in_root() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inspect = fakes::script(dir.path(), "inspect", fakes::INSPECT);
    // A descriptor without close-on-exec, as a careless library might leave the
    // vault's database: a plain child would inherit it.
    let db = std::fs::File::create(dir.path().join("vault.db")).expect("file");
    // SAFETY: dup returns a new descriptor (without FD_CLOEXEC) that we then own.
    let leaky = unsafe { OwnedFd::from_raw_fd(libc::dup(db.as_raw_fd())) };
    assert!(leaky.as_raw_fd() > 2);
    let plain = Command::new(&inspect).output().expect("plain child");
    let seen = String::from_utf8_lossy(&plain.stderr);
    assert!(
        seen.contains(&format!("_{}_", leaky.as_raw_fd())),
        "the probe sees an inherited descriptor: {seen}"
    );
    assert_eq!(
        Renderer::at(&inspect).page_count(&pdfs::red_box(1), &quick()),
        Err(RenderError::Refused {
            code: 9,
            reason: "fds_none_env_clear_cwd_root".into()
        })
    );
}

#[test]
fn a_page_over_the_memory_limit_kills_the_child_not_the_caller() {
    let limits = RenderLimits {
        max_memory_bytes: 64 << 20,
        ..RenderLimits::default()
    };
    // 16384 × 8192 RGBA is 512 MiB of pixmap.
    let result = real_renderer().render_page(&pdfs::red_box(1), 0, 16_384, &limits);
    assert!(
        matches!(
            result,
            Err(RenderError::Crashed { .. } | RenderError::Refused { .. })
        ),
        "{result:?}"
    );
    assert_eq!(
        real_renderer().page_count(&pdfs::red_box(1), &quick()),
        Ok(1)
    );
}
