//! Scan import through the vault, end to end (sniff, strip, thumbnail, encrypt, stage,
//! store, audit, place): a 12-megapixel, ~4 MB JPEG, timed; a scanned A4 page at 300 dpi
//! from its raw samples to a stored scan, timed; and the memory a 50 MB file
//! takes while it is imported, against "the file plus one decoded page plus 64 MB".
//!
//! `cargo bench -p clinic-vault-core --features bench-support --bench scan_vault [-- --quick]`
//! (scripts/bench.sh). Medians of several runs; compare figures from the same run.
#![allow(clippy::print_stdout, missing_docs)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use clinic_vault_core::records::NewPatient;
use clinic_vault_core::scans::{acquire, sanitize, ScanLimits};
use clinic_vault_core::{
    first_login, init, totp, unlock, Clock, CoreConfig, ManualClock, Password, Role, Session,
};

/// Counts the heap the Rust side holds (SQLCipher's own allocations go to malloc
/// directly and are in the RSS figure instead).
struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is passed on unchanged.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as above.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size > layout.size() {
                let grow = new_size - layout.size();
                let now = CURRENT.fetch_add(grow, Ordering::Relaxed) + grow;
                PEAK.fetch_max(now, Ordering::Relaxed);
            } else {
                CURRENT.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

const PASSWORD: &str = "correct horse battery staple orbit";
const RITA_PW: &str = "plum orbit violet candle 42";
const T0_US: i64 = 1_767_225_600_000_000;
const MB: f64 = 1_000_000.0;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn code(clock: &ManualClock, uri: &str) -> String {
    clock.advance_us(30_000_000);
    totp::code_for_uri(uri, clock.now_us() / 1_000_000).expect("code")
}

/// A vault with an admin (limits raised to 60 MB for the big file) and a receptionist
/// unlocked, and one patient.
fn desk(dir: &std::path::Path) -> (Session, String) {
    let clock = Arc::new(ManualClock::new(T0_US));
    let cfg = CoreConfig::new(clock.clone() as Arc<dyn Clock>);
    let vault = dir.join("v");
    let (outcome, admin) =
        init(&vault, "alice", &Password::from_str_copy(PASSWORD), &cfg).expect("init");
    admin.lock().expect("lock");
    let admin_uri = outcome.totp_uri.expose_secret().to_string();
    let mut admin = unlock(
        &vault,
        "alice",
        &Password::from_str_copy(PASSWORD),
        &code(&clock, &admin_uri),
        &cfg,
    )
    .expect("unlock admin");
    admin
        .set_scan_limits(&ScanLimits {
            max_file_bytes: 60_000_000,
            ..ScanLimits::default()
        })
        .expect("limits");
    let added = admin.add_user("rita", Role::Receptionist).expect("add");
    admin.lock().expect("lock");
    let enrolled = first_login(
        &vault,
        "rita",
        &Password::from_str_copy(added.one_time_password.expose_secret()),
        &Password::from_str_copy(RITA_PW),
        &cfg,
    )
    .expect("first login");
    let uri = enrolled.totp_uri.expose_secret().to_string();
    let mut rita = unlock(
        &vault,
        "rita",
        &Password::from_str_copy(RITA_PW),
        &code(&clock, &uri),
        &cfg,
    )
    .expect("unlock rita");
    let patient = rita
        .add_patient(
            &NewPatient {
                given: "Zoë".into(),
                family: "Müller".into(),
                dob: "1990-02-03".into(),
                ..NewPatient::default()
            },
            false,
        )
        .expect("patient");
    (rita, patient.id.to_string())
}

/// A photo-like page: smooth gradients with a little seeded noise.
fn pixels(width: u32, height: u32, noise: u8) -> Vec<u8> {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut px = Vec::with_capacity((width * height * 3) as usize);
    for y in 0..height {
        for x in 0..width {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let n = if noise == 0 {
                0
            } else {
                (state % u64::from(noise)) as u8
            };
            px.push(((x * 255 / width) as u8).wrapping_add(n));
            px.push(((y * 255 / height) as u8).wrapping_add(n / 2));
            px.push((((x + y) % 256) as u8).wrapping_add(n));
        }
    }
    px
}

fn jpeg_12mp() -> Vec<u8> {
    let (w, h) = (4000, 3000);
    let px = pixels(w, h, 20);
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
        .encode(&px, w, h, image::ExtendedColorType::Rgb8)
        .expect("jpeg");
    out
}

fn png_of(w: u32, h: u32, noise: u8) -> Vec<u8> {
    use image::ImageEncoder;
    let px = pixels(w, h, noise);
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new_with_quality(
        &mut out,
        image::codecs::png::CompressionType::Fast,
        image::codecs::png::FilterType::NoFilter,
    )
    .write_image(&px, w, h, image::ExtendedColorType::Rgb8)
    .expect("png");
    out
}

/// Peak resident set since the last reset, bytes (Linux).
fn vm_hwm() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

fn reset_hwm() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let runs = if quick { 3 } else { 7 };
    let tmp = tempfile::tempdir().expect("tempdir");
    let (mut rita, patient) = desk(tmp.path());
    println!("# scan import through the vault ({runs} runs each, medians)");

    // The 50 MB file first, while the process is small, so its peak is the import's.
    let (w, h) = (4000u32, 4000u32);
    let big = png_of(w, h, 255);
    let decoded_page = u64::from(w) * u64::from(h) * 3;
    let file_len = big.len() as u64;
    let hwm_reset = reset_hwm();
    let rss_before = vm_hwm().unwrap_or(0);
    let heap_before = CURRENT.load(Ordering::Relaxed);
    PEAK.store(heap_before, Ordering::Relaxed);
    let t = Instant::now();
    let scan = rita.import_scan(&patient, &big).expect("import 50 MB");
    let big_ms = t.elapsed().as_secs_f64() * 1000.0;
    let heap_peak = PEAK.load(Ordering::Relaxed) - heap_before;
    let rss_peak = vm_hwm().unwrap_or(0).saturating_sub(rss_before);
    let budget = decoded_page + 64 * 1_000_000;
    println!(
        "import of a {:.1} MB PNG ({w}×{h}, stripped {:.1} MB) .. {big_ms:.0} ms",
        file_len as f64 / MB,
        scan.bytes as f64 / MB
    );
    println!(
        "  memory beyond the file in memory: heap peak {:.1} MB, RSS peak {:.1} MB{}; budget (one decoded page {:.1} MB + 64 MB) {:.1} MB: heap {:.2}x, RSS {:.2}x of budget",
        heap_peak as f64 / MB,
        rss_peak as f64 / MB,
        if hwm_reset { "" } else { " (VmHWM not resettable: process peak)" },
        decoded_page as f64 / MB,
        budget as f64 / MB,
        heap_peak as f64 / budget as f64,
        rss_peak as f64 / budget as f64,
    );
    drop(big);

    let jpeg = jpeg_12mp();
    println!(
        "12-megapixel JPEG (4000×3000): {:.2} MB",
        jpeg.len() as f64 / MB
    );
    let limits = ScanLimits::default();
    let sanitize_ms: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            sanitize::sanitize(&jpeg, &limits).expect("sanitize");
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    let import_ms: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            rita.import_scan(&patient, &jpeg).expect("import");
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    let sanitize_ms = median(sanitize_ms);
    let import_ms = median(import_ms);
    println!("  sniff + strip + thumbnail alone ........... {sanitize_ms:.1} ms");
    println!(
        "  import end to end (+ encrypt, stage, store, audit, place) {import_ms:.1} ms (target ≤ 300 ms: {:.2}x of it)",
        import_ms / 300.0
    );

    // A page from the desk scanner: A4 at 300 dpi, colour, as scanimage delivers it
    // (raw samples), to the stored scan: the TIFF of its pages, then the import.
    let page = a4_page();
    let a4_ms: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            let tiff = acquire::pages_to_tiff(std::slice::from_ref(&page), 300).expect("tiff");
            rita.import_scan(&patient, &tiff).expect("import A4");
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    let a4_ms = median(a4_ms);
    println!(
        "scanned A4 page, 300 dpi colour ({}×{}, {:.1} MB of samples), to a stored scan .. {a4_ms:.0} ms (target ≤ 2 s after the scanner: {:.2}x of it)",
        page.width,
        page.height,
        page.pixels.len() as f64 / MB,
        a4_ms / 2000.0
    );
    rita.lock().expect("lock");
}

/// A scanned letter: white paper, lines of dark "text" with a little sensor noise.
fn a4_page() -> acquire::RawPage {
    let (w, h) = (2480u32, 3508u32);
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut pixels = Vec::with_capacity((w * h * 3) as usize);
    for y in 0..h {
        let text_line = (y / 40) % 2 == 1 && y > 300 && y < h - 300;
        for x in 0..w {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let ink = text_line && x > 250 && x < w - 250 && (state >> 20) % 3 == 0;
            let base: u8 = if ink { 30 } else { 245 };
            let n = (state % 6) as u8;
            pixels.extend_from_slice(&[base + n, base + n, base.saturating_add(n / 2)]);
        }
    }
    acquire::RawPage {
        width: w,
        height: h,
        channels: 3,
        pixels,
    }
}
