//! Scan-import benchmark: `sanitize` (sniff, strip, thumbnail) of a 12-megapixel, ~4 MB
//! noisy JPEG made in memory, in milliseconds; then the peak heap while sanitizing ~50 MB
//! files (JPEG, PNG, TIFF, PDF), counted by a global allocator: above the input, and in
//! total (input included) for `sanitize` and `sanitize_owned`, against the budget
//! of the file plus one decoded page plus 64 MB.
//!
//! `cargo bench -p clinic-vault-core --bench scan_import [-- --quick]`
#![allow(clippy::print_stdout, missing_docs)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use clinic_vault_core::scans::sanitize::{sanitize, sanitize_owned, ScanLimits};
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{ExtendedColorType, ImageEncoder};

/// The system allocator, counting live bytes and their high-water mark.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded as is to the system allocator.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded as is to the system allocator.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded as is to the system allocator.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            if new_size >= layout.size() {
                let grow = new_size - layout.size();
                let live = LIVE.fetch_add(grow, Ordering::Relaxed) + grow;
                PEAK.fetch_max(live, Ordering::Relaxed);
            } else {
                LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// xorshift64*: the same noise on every run.
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> u8 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D).to_be_bytes()[0]
    }
}

fn noisy_rgb(width: u32, height: u32, amplitude: u8) -> Vec<u8> {
    let mut noise = Noise(0x5eed);
    let mut out = Vec::with_capacity((width * height * 3) as usize);
    for y in 0..height {
        for x in 0..width {
            let base = [(x % 256) as u8, (y % 256) as u8, ((x + y) % 256) as u8];
            for b in base {
                out.push(b.wrapping_add(noise.next() % amplitude));
            }
        }
    }
    out
}

fn jpeg(width: u32, height: u32, amplitude: u8, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, quality)
        .encode(
            &noisy_rgb(width, height, amplitude),
            width,
            height,
            ExtendedColorType::Rgb8,
        )
        .expect("encode");
    // An EXIF block (orientation 6) and a comment, as a phone or scanner writes.
    let mut exif =
        b"\xFF\xE1\x00\x22Exif\0\0MM\0*\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01\0\x06\0\0\0\0\0\0"
            .to_vec();
    exif.extend_from_slice(b"\xFF\xFE\x00\x09comment");
    out.splice(2..2, exif);
    out
}

/// The noisiest JPEG of that size that stays within `max_bytes`.
fn sized_jpeg(width: u32, height: u32, max_bytes: usize) -> Vec<u8> {
    [64u8, 48, 40, 32, 24, 16, 12, 8, 6, 4, 2]
        .into_iter()
        .map(|amplitude| jpeg(width, height, amplitude, 90))
        .find(|j| j.len() <= max_bytes)
        .expect("a noise level fits")
}

/// A noisy RGB PNG (fast compression, so it stays near the raw size).
fn png(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::NoFilter)
        .write_image(
            &noisy_rgb(width, height, 255),
            width,
            height,
            ExtendedColorType::Rgb8,
        )
        .expect("png");
    out
}

/// An uncompressed one-page RGB TIFF.
fn tiff(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder =
        tiff::encoder::TiffEncoder::new(std::io::Cursor::new(&mut out)).expect("tiff");
    encoder
        .write_image::<tiff::encoder::colortype::RGB8>(width, height, &noisy_rgb(width, height, 64))
        .expect("tiff");
    out
}

/// A one-page PDF whose page shows one large image stream (random bytes, stored).
fn pdf(image_bytes: usize) -> Vec<u8> {
    let mut noise = Noise(7);
    let side = ((image_bytes / 3) as f64).sqrt() as usize;
    let data: Vec<u8> = (0..side * side * 3).map(|_| noise.next()).collect();
    pdf_showing(&data, side, side, "")
}

/// A one-page PDF whose page shows `data` as a `width` × `height` RGB image.
fn pdf_showing(data: &[u8], width: usize, height: usize, dict_extra: &str) -> Vec<u8> {
    let objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /XObject << /Im0 5 0 R >> >> >>".to_vec(),
        {
            let content = b"q 595 0 0 842 0 0 cm /Im0 Do Q";
            let mut s = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
            s.extend_from_slice(content);
            s.extend_from_slice(b"\nendstream");
            s
        },
        {
            let mut s = format!(
                "<< /Type /XObject /Subtype /Image /Width {width} /Height {height} /ColorSpace /DeviceRGB /BitsPerComponent 8 {dict_extra} /Length {} >>\nstream\n",
                data.len()
            )
            .into_bytes();
            s.extend_from_slice(data);
            s.extend_from_slice(b"\nendstream");
            s
        },
        b"<< /Producer (bench) >>".to_vec(),
    ];
    let mut out = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::new();
    for (idx, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", idx + 1).as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref_at = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R /Info 6 0 R >>\nstartxref\n{xref_at}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn mb(bytes: usize) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

/// Sanitizes a copy of `input` once (the copy made before counting starts) and returns
/// the peak heap above the input and the peak in total, input included, with the size of
/// the output. `owned` hands the copy to `sanitize_owned`.
fn peaks(input: &[u8], owned: bool) -> (usize, usize, u64) {
    let copy = input.to_vec();
    let before_input = LIVE.load(Ordering::Relaxed) - copy.len();
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let out_len = if owned {
        sanitize_owned(copy, &ScanLimits::default())
            .expect("sanitize_owned")
            .scan()
            .len()
    } else {
        let out = sanitize(&copy, &ScanLimits::default()).expect("sanitize");
        drop(copy);
        out.len()
    };
    let peak = PEAK.load(Ordering::Relaxed);
    (peak - before, peak - before_input, out_len)
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let runs = if quick { 3 } else { 11 };
    println!("# scan import: sanitize (sniff, strip, thumbnail); medians of {runs} runs");

    // The noise that makes a 12 MP photo of about 4 MB (the figure).
    let photo = sized_jpeg(4000, 3000, 4_500_000);
    let times: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            let out = sanitize(&photo, &ScanLimits::default()).expect("sanitize");
            assert_eq!(out.orientation, 6);
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    println!(
        "12 MP JPEG, {} ........................ {:.1} ms",
        mb(photo.len()),
        median(times)
    );

    let decode: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            let image = image::load_from_memory_with_format(&photo, image::ImageFormat::Jpeg)
                .expect("decode");
            assert_eq!(image.width(), 4000);
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    println!(
        "  of which a plain decode (image, zune-jpeg) .. {:.1} ms",
        median(decode)
    );

    let decoded =
        image::load_from_memory_with_format(&photo, image::ImageFormat::Jpeg).expect("decode");
    let shrink: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            let small = decoded.thumbnail(256, 256);
            assert_eq!(small.width(), 256);
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    println!(
        "  and a plain shrink to 256 px (image) ........ {:.1} ms",
        median(shrink)
    );

    println!(
        "# peak heap while sanitizing; budget = file + one decoded page + 64 MB (issue), \
         total = input included"
    );
    let big_jpeg = sized_jpeg(9000, 9000, 50_000_000);
    let big_png = png(4000, 4000);
    let big_tiff = tiff(4080, 4080);
    let big_pdf = pdf(50_000_000);
    // The 81 MP JPEG (EXIF and a comment) as a PDF's image: the DCT strip runs in place.
    let jpeg_pdf = pdf_showing(&big_jpeg, 9000, 9000, "/Filter /DCTDecode");
    for (label, input, decoded) in [
        ("JPEG 81 MP", &big_jpeg, 9000 * 9000 * 3),
        ("PNG 16 MP RGB", &big_png, 4000 * 4000 * 3),
        ("TIFF 16.6 MP RGB, uncompressed", &big_tiff, 4080 * 4080 * 3),
        ("PDF, one 50 MB image stream", &big_pdf, 0),
        ("PDF, the 81 MP JPEG as its image", &jpeg_pdf, 0),
    ] {
        let budget = input.len() + decoded + 64_000_000;
        let verdict = |total: usize| if total <= budget { "ok" } else { "OVER" };
        let (above, total, out_len) = peaks(input, false);
        let (_, total_owned, _) = peaks(input, true);
        println!(
            "{label:<32} file {} → out {}, decoded page {}: above input {}; \
             peak total vs budget {}: sanitize {} {}, sanitize_owned {} {}",
            mb(input.len()),
            mb(out_len as usize),
            mb(decoded),
            mb(above),
            mb(budget),
            mb(total),
            verdict(total),
            mb(total_owned),
            verdict(total_owned),
        );
    }
}
