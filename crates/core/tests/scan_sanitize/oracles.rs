//! Independent judges of the stripped files: exiftool finds no metadata, qpdf finds the
//! rewritten PDFs sound, decoders see the same pixels, and img-parts sees the kept
//! segments and chunks byte for byte. A missing tool fails the test, naming its package.

use std::io::Read;
use std::process::Command;

use clinic_vault_core::scans::sanitize::{sanitize, Sanitized, ScanKind, ScanLimits};
use image::ImageFormat;
use img_parts::jpeg::Jpeg;
use img_parts::png::Png;
use img_parts::Bytes;

use super::corpus::{cases, Expect};
use super::corpus_file;

/// The good files and their stripped output.
fn stripped_goods() -> Vec<(&'static str, Vec<u8>, Sanitized)> {
    cases()
        .iter()
        .filter(|c| matches!(c.expect, Expect::Ok { .. }))
        .map(|c| {
            let input = corpus_file(c.name);
            let out = sanitize(&input, &ScanLimits::default())
                .unwrap_or_else(|e| panic!("{}: {e:?}", c.name));
            (c.name, input, out)
        })
        .collect()
}

pub fn tool(program: &str, package: &str) -> Command {
    let found = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {program}"))
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found,
        "`{program}` is missing: install the Debian package {package} (apt-get install -y {package})"
    );
    Command::new(program)
}

/// Tags that must never survive, whatever group exiftool files them under.
const FORBIDDEN_TAGS: &[&str] = &[
    "Make",
    "Model",
    "SerialNumber",
    "BodySerialNumber",
    "Artist",
    "Software",
    "ModifyDate",
    "DateTimeOriginal",
    "CreateDate",
    "Comment",
    "UserComment",
    "Author",
    "Creator",
    "By-line",
    "Producer",
    "ImageDescription",
    "Title",
    "Subject",
    "Keywords",
    "Copyright",
    "XMPToolkit",
    "ModDate",
    "CreationDate",
];
/// Groups (exiftool -G1) that must be absent.
/// (`IFD1` is an EXIF thumbnail in a JPEG, but a TIFF's second page.)
const FORBIDDEN_GROUPS: &[&str] = &[
    "ExifIFD",
    "GPS",
    "IPTC",
    "Photoshop",
    "InteropIFD",
    "MakerNotes",
];

#[test]
fn exiftool_finds_no_exif_xmp_iptc_gps_or_comment_in_any_output() -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    for (name, input, out) in stripped_goods() {
        let path = dir.path().join(name.replace('/', "_"));
        let bytes = out.to_vec(&input);
        assert!(
            memchr::memmem::find(&bytes, b"SECRET").is_none(),
            "{name}: a SECRET marker survived in the bytes"
        );
        std::fs::write(&path, &bytes).map_err(|e| e.to_string())?;
        let report = tool("exiftool", "libimage-exiftool-perl")
            .args(["-j", "-a", "-G1", "-s", "-u"])
            .arg(&path)
            .output()
            .map_err(|e| e.to_string())?;
        let text = String::from_utf8_lossy(&report.stdout);
        let json: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format!("{name}: {e}: {text}"))?;
        let tags = json[0].as_object().ok_or(format!("{name}: no object"))?;
        assert!(
            !text.contains("SECRET"),
            "{name}: exiftool still reads a SECRET: {text}"
        );
        for key in tags.keys() {
            let (group, tag) = key.split_once(':').unwrap_or(("", key));
            assert!(
                !FORBIDDEN_GROUPS.contains(&group)
                    && !group.starts_with("XMP")
                    && (group != "IFD1" || out.kind == ScanKind::Tiff),
                "{name}: exiftool finds {key}"
            );
            assert!(
                !FORBIDDEN_TAGS.contains(&tag),
                "{name}: exiftool finds {key}"
            );
            assert!(!tag.starts_with("GPS"), "{name}: exiftool finds {key}");
        }
    }
    Ok(())
}

#[test]
fn qpdf_checks_every_rewritten_pdf() -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    for (name, input, out) in stripped_goods()
        .into_iter()
        .filter(|g| g.2.kind == ScanKind::Pdf)
    {
        let path = dir.path().join("out.pdf");
        std::fs::write(&path, out.to_vec(&input)).map_err(|e| e.to_string())?;
        let check = tool("qpdf", "qpdf")
            .arg("--check")
            .arg(&path)
            .output()
            .map_err(|e| e.to_string())?;
        assert!(
            check.status.code() == Some(0),
            "{name}: qpdf --check: {}{}",
            String::from_utf8_lossy(&check.stdout),
            String::from_utf8_lossy(&check.stderr)
        );
    }
    Ok(())
}

#[test]
fn jpeg_and_png_keep_their_pixels_and_kept_parts_byte_for_byte() {
    for (name, input, out) in stripped_goods() {
        let bytes = out.to_vec(&input);
        let format = match out.kind {
            ScanKind::Jpeg => ImageFormat::Jpeg,
            ScanKind::Png => ImageFormat::Png,
            _ => continue,
        };
        let before = image::load_from_memory_with_format(&input, format).expect("input decodes");
        let after = image::load_from_memory_with_format(&bytes, format).expect("output decodes");
        assert_eq!(
            before.as_bytes(),
            after.as_bytes(),
            "{name}: pixels changed"
        );
        assert_eq!(out.len(), bytes.len() as u64);
        match out.kind {
            ScanKind::Jpeg => {
                let parse = |b: &[u8]| {
                    Jpeg::from_bytes(Bytes::copy_from_slice(b)).expect("img-parts reads it")
                };
                let (kept, all) = (parse(&bytes), parse(&input));
                let display = |m: u8| matches!(m, 0xC0..=0xCF | 0xDA..=0xDD | 0xE2 | 0xEE | 0xE0);
                let expected: Vec<_> = all
                    .segments()
                    .iter()
                    .filter(|s| display(s.marker()))
                    .filter(|s| s.marker() != 0xE0 || s.contents().len() == 14)
                    .map(|s| (s.marker(), s.contents().clone()))
                    .collect();
                let got: Vec<_> = kept
                    .segments()
                    .iter()
                    .map(|s| (s.marker(), s.contents().clone()))
                    .collect();
                assert_eq!(got, expected, "{name}: kept segments differ");
                assert!(kept
                    .segments()
                    .iter()
                    .all(|s| !matches!(s.marker(), 0xE1 | 0xED | 0xFE)));
            }
            _ => {
                let parse = |b: &[u8]| {
                    Png::from_bytes(Bytes::copy_from_slice(b)).expect("img-parts reads it")
                };
                let (kept, all) = (parse(&bytes), parse(&input));
                let display: &[&[u8; 4]] = &[
                    b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"pHYs",
                ];
                let expected: Vec<_> = all
                    .chunks()
                    .iter()
                    .filter(|c| display.contains(&&c.kind()))
                    .map(|c| (c.kind(), c.contents().clone()))
                    .collect();
                let got: Vec<_> = kept
                    .chunks()
                    .iter()
                    .map(|c| (c.kind(), c.contents().clone()))
                    .collect();
                assert_eq!(got, expected, "{name}: kept chunks differ");
            }
        }
    }
}

/// Every page of a TIFF, decoded (sub-byte grey as the importer expands it, to 0..=255).
fn tiff_pages(bytes: &[u8]) -> Vec<(u32, u32, Vec<u8>)> {
    let mut decoder = tiff::decoder::Decoder::new(std::io::Cursor::new(bytes)).expect("tiff");
    let mut pages = Vec::new();
    loop {
        let (w, h) = decoder.dimensions().expect("dimensions");
        let color = decoder.colortype().expect("colour");
        let data = match decoder.read_image().expect("decode") {
            tiff::decoder::DecodingResult::U8(v) => v,
            other => panic!("unexpected samples {:?}", std::mem::discriminant(&other)),
        };
        let data = if color == tiff::ColorType::Gray(1) {
            let row = (w as usize).div_ceil(8);
            (0..h as usize)
                .flat_map(|y| (0..w as usize).map(move |x| (y, x)))
                .map(|(y, x)| {
                    if data[y * row + x / 8] >> (7 - x % 8) & 1 == 1 {
                        255
                    } else {
                        0
                    }
                })
                .collect()
        } else {
            data
        };
        pages.push((w, h, data));
        if !decoder.more_images() {
            return pages;
        }
        decoder.next_image().expect("next page");
    }
}

#[test]
fn tiff_pages_are_re_encoded_losslessly() {
    for (name, input, out) in stripped_goods()
        .into_iter()
        .filter(|g| g.2.kind == ScanKind::Tiff)
    {
        let before = tiff_pages(&input);
        let after = tiff_pages(&out.to_vec(&input));
        assert_eq!(before.len(), after.len(), "{name}: pages");
        for (idx, (b, a)) in before.iter().zip(&after).enumerate() {
            assert!(b == a, "{name}: page {idx} differs");
        }
    }
}

#[test]
fn thumbnails_are_small_upright_jpegs() {
    for (name, input, out) in stripped_goods() {
        let Some(thumb) = &out.thumbnail else {
            assert_eq!(
                out.kind,
                ScanKind::Pdf,
                "{name}: only PDFs lack a thumbnail"
            );
            continue;
        };
        assert_eq!(thumb.kind, ScanKind::Jpeg);
        let decoded = image::load_from_memory_with_format(&thumb.bytes, ImageFormat::Jpeg)
            .expect("thumbnail decodes");
        assert_eq!(
            (decoded.width(), decoded.height()),
            (thumb.width, thumb.height)
        );
        assert!(thumb.width.max(thumb.height) <= 256, "{name}: {thumb:?}");
        let rotated = matches!(out.orientation, 5..=8);
        let (w, h) = if rotated {
            (out.height, out.width)
        } else {
            (out.width, out.height)
        };
        assert_eq!(
            w >= h,
            thumb.width >= thumb.height,
            "{name}: thumbnail is not upright: {thumb:?}"
        );
        assert!(memchr::memmem::find(&thumb.bytes, b"Exif").is_none());
        let mut streamed = Vec::new();
        out.reader(&input)
            .read_to_end(&mut streamed)
            .expect("stream");
        assert_eq!(
            streamed,
            out.to_vec(&input),
            "{name}: reader and to_vec agree"
        );
    }
}
