//! Unit tests of the importer checks: sniffing, polyglot signatures, the JPEG marker walk,
//! the PNG chunk walk, the PDF pre-scan, the body reader and the public types' traits.

use std::io::Read;

use super::body::Body;
use super::pdf_scan::{name_is, prescan, MAX_DEPTH};
use super::{jpeg, png, sanitize, sniff, Refusal, ScanKind, ScanLimits};

#[test]
fn sniff_reads_magic_bytes_and_agrees_with_infer() {
    let cases: &[(&[u8], Option<ScanKind>)] = &[
        (b"\xFF\xD8\xFF\xE0\0\x10JFIF\0", Some(ScanKind::Jpeg)),
        (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", Some(ScanKind::Png)),
        (b"II*\0\x08\0\0\0\0\0\0\0\0\0\0\0", Some(ScanKind::Tiff)),
        (b"MM\0*\0\0\0\x08\0\0\0\0\0\0\0\0", Some(ScanKind::Tiff)),
        (b"%PDF-1.7\n", Some(ScanKind::Pdf)),
        // A Canon raw file is TIFF-shaped; infer names it, so it is refused.
        (b"II*\0\x10\0\0\0CR\x02\0", None),
        (b"GIF89a", None),
        (b"\xFF\xD8", None),
        (b"", None),
        (b" %PDF-1.7", None),
    ];
    for (input, want) in cases {
        assert_eq!(sniff(input), *want, "{input:?}");
    }
}

#[test]
fn scan_kind_names_round_trip() {
    for kind in [ScanKind::Jpeg, ScanKind::Png, ScanKind::Tiff, ScanKind::Pdf] {
        assert_eq!(ScanKind::parse(kind.as_str()), Some(kind));
        assert_eq!(kind.to_string(), kind.as_str());
        assert!(kind.mime().contains('/'));
        assert_eq!(
            serde_json::to_string(&kind).ok(),
            Some(format!("\"{}\"", kind.as_str()))
        );
    }
    assert_eq!(ScanKind::parse("gif"), None);
}

#[test]
fn default_limits_are_the_issues() {
    let limits = ScanLimits::default();
    assert_eq!(
        (
            limits.max_file_bytes,
            limits.max_megapixels,
            limits.max_side_px,
            limits.max_pages
        ),
        (50_000_000, 100, 20_000, 200)
    );
    assert_eq!(limits.max_decoded_page_bytes(), 400_000_000);
    let kind = ScanKind::Jpeg;
    assert!(limits.check_page(kind, 20_000, 5_000).is_ok());
    assert_eq!(
        limits.check_page(kind, 20_001, 1),
        Err(Refusal::SideTooLong {
            width: 20_001,
            height: 1,
            max_side_px: 20_000
        })
    );
    assert_eq!(
        limits.check_page(kind, 10_001, 10_000),
        Err(Refusal::TooManyPixels {
            width: 10_001,
            height: 10_000,
            max_megapixels: 100
        })
    );
    assert!(matches!(
        limits.check_page(kind, 0, 10),
        Err(Refusal::Malformed { .. })
    ));
}

#[test]
fn polyglot_signatures_are_found_where_readers_look() {
    let mut jpeg = b"\xFF\xD8\xFF\xE0 image data".to_vec();
    assert_eq!(sniff::check_not_polyglot(ScanKind::Jpeg, &jpeg), Ok(()));
    jpeg.extend_from_slice(b"%PDF-1.4");
    assert_eq!(
        sniff::check_not_polyglot(ScanKind::Jpeg, &jpeg),
        Err(Refusal::Polyglot { other: "pdf" })
    );
    // A PDF may say %PDF- itself, but not carry a ZIP directory at its end.
    let mut pdf = b"%PDF-1.7 body".to_vec();
    assert_eq!(sniff::check_not_polyglot(ScanKind::Pdf, &pdf), Ok(()));
    pdf.extend_from_slice(b"PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0");
    assert_eq!(
        sniff::check_not_polyglot(ScanKind::Pdf, &pdf),
        Err(Refusal::Polyglot { other: "zip" })
    );
    // The same bytes followed by more data are not an end of directory.
    pdf.extend_from_slice(b"more");
    assert_eq!(sniff::check_not_polyglot(ScanKind::Pdf, &pdf), Ok(()));
    assert_eq!(
        sniff::check_not_polyglot(ScanKind::Pdf, b"%PDF-1.7 PK\x03\x04\x14\0"),
        Err(Refusal::Polyglot { other: "zip" })
    );
    assert_eq!(
        sniff::check_not_polyglot(ScanKind::Pdf, b"%PDF-1.7 PK\x03\x04\xFF\xFF"),
        Ok(())
    );
}

#[test]
fn trailing_data_of_another_format_is_a_polyglot() {
    let own = b"\xFF\xD8\xFF\xE0 second jpeg";
    assert_eq!(sniff::check_trailing(ScanKind::Jpeg, own), Ok(()));
    assert_eq!(sniff::check_trailing(ScanKind::Jpeg, b"\n\0 junk"), Ok(()));
    assert_eq!(sniff::check_trailing(ScanKind::Jpeg, b""), Ok(()));
    assert_eq!(
        sniff::check_trailing(ScanKind::Png, b"\r\nPK\x03\x04"),
        Err(Refusal::Polyglot { other: "zip" })
    );
    assert_eq!(
        sniff::check_trailing(ScanKind::Pdf, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
        Err(Refusal::Polyglot { other: "png" })
    );
}

fn segment(marker: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![0xFF, marker];
    out.extend_from_slice(&u16::try_from(payload.len() + 2).unwrap_or(0).to_be_bytes());
    out.extend_from_slice(payload);
    out
}

/// SOI, a frame of 8 × 8 grey, a scan header, entropy bytes with a stuffed zero, a
/// restart marker and fill bytes, then EOI.
fn tiny_jpeg(middle: &[u8]) -> Vec<u8> {
    let mut out = vec![0xFF, 0xD8];
    out.extend_from_slice(middle);
    out.extend(segment(0xC0, &[8, 0, 8, 0, 8, 1, 1, 0x11, 0]));
    out.extend(segment(0xDA, &[1, 1, 0, 0, 63, 0]));
    out.extend_from_slice(&[0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56, 0xFF, 0xFF, 0xD9]);
    out
}

#[test]
fn the_jpeg_walk_keeps_display_segments_and_drops_metadata() -> Result<(), Refusal> {
    let mut middle = segment(
        0xE1,
        b"Exif\0\0MM\0*\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01\0\x08\0\0",
    );
    middle.extend(segment(0xFE, b"comment"));
    middle.extend(segment(0xE2, b"ICC_PROFILE\0\x01\x01"));
    middle.extend(segment(0xED, b"Photoshop 3.0\0"));
    let input = tiny_jpeg(&middle);
    let walk = jpeg::walk(&input)?;
    assert_eq!(walk.orientation, 8);
    assert_eq!(walk.removed.0, ["exif", "comment", "iptc"]);
    assert_eq!((walk.frame.width, walk.frame.height), (8, 8));
    assert!(walk.trailing.is_empty());
    let kept: Vec<u8> = walk
        .kept
        .iter()
        .flat_map(|r| input[r.clone()].to_vec())
        .collect();
    assert_eq!(kept, tiny_jpeg(&segment(0xE2, b"ICC_PROFILE\0\x01\x01")));
    Ok(())
}

#[test]
fn the_jpeg_walk_refuses_broken_structure() {
    let cases: &[(&[u8], Refusal)] = &[
        (
            b"\xFF\xD8",
            Refusal::Truncated {
                kind: ScanKind::Jpeg,
            },
        ),
        (
            b"\xFF\xD8\x00",
            Refusal::Malformed {
                kind: ScanKind::Jpeg,
                what: "bad_marker",
            },
        ),
        (
            b"\xFF\xD8\xFF\xD9",
            Refusal::Malformed {
                kind: ScanKind::Jpeg,
                what: "no_image_data",
            },
        ),
        (
            b"\xFF\xD8\xFF\xE0\x00\x01",
            Refusal::Malformed {
                kind: ScanKind::Jpeg,
                what: "segment_length",
            },
        ),
        (
            b"\xFF\xD8\xFF\xE0\x00\x10JF",
            Refusal::Truncated {
                kind: ScanKind::Jpeg,
            },
        ),
        (
            b"\xFF\xD8\xFF\xDA\x00\x02",
            Refusal::Malformed {
                kind: ScanKind::Jpeg,
                what: "scan_before_frame",
            },
        ),
        (
            b"\xFF\xD8\xFF\xC0\x00\x08\x08\x00\x00\x00\x08\x01",
            Refusal::Malformed {
                kind: ScanKind::Jpeg,
                what: "frame_components",
            },
        ),
        (
            b"\xFF\xD8\xFF\xC3\x00\x02",
            Refusal::Unsupported {
                kind: ScanKind::Jpeg,
                what: "lossless",
            },
        ),
    ];
    for (input, want) in cases {
        assert_eq!(jpeg::walk(input).err().as_ref(), Some(want), "{input:?}");
    }
    let mut scan_cut = tiny_jpeg(&[]);
    scan_cut.truncate(scan_cut.len() - 3);
    assert_eq!(
        jpeg::walk(&scan_cut).err(),
        Some(Refusal::Truncated {
            kind: ScanKind::Jpeg
        })
    );
}

fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = u32::try_from(data.len())
        .unwrap_or(0)
        .to_be_bytes()
        .to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32fast::hash(&out[4..]);
    out.extend_from_slice(&crc.to_be_bytes());
    out
}

fn tiny_png(extra: &[u8]) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend(chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]));
    out.extend_from_slice(extra);
    out.extend(chunk(b"IDAT", b"\x78\x9c\x63\x60\x00\x00\x00\x02\x00\x01"));
    out.extend(chunk(b"IEND", b""));
    out
}

#[test]
fn the_png_walk_keeps_display_chunks_refuses_apng_and_unknown_critical_chunks() {
    let mut extra = chunk(b"tEXt", b"Author\0someone");
    extra.extend(chunk(b"sRGB", &[0]));
    extra.extend(chunk(b"caBX", b"c2pa"));
    let input = tiny_png(&extra);
    let walk = png::walk(&input).expect("walk");
    assert_eq!(walk.removed.0, ["text", "ancillary_chunk"]);
    let kept: Vec<u8> = walk
        .kept
        .iter()
        .flat_map(|r| input[r.clone()].to_vec())
        .collect();
    assert_eq!(kept, tiny_png(&chunk(b"sRGB", &[0])));
    assert_eq!(
        png::walk(&tiny_png(&chunk(b"fcTL", &[0; 26]))).err(),
        Some(Refusal::Animated)
    );
    assert_eq!(
        png::walk(&tiny_png(&chunk(b"XYZW", b""))).err(),
        Some(Refusal::Unsupported {
            kind: ScanKind::Png,
            what: "critical_chunk"
        })
    );
    let mut bad_ihdr = b"\x89PNG\r\n\x1a\n".to_vec();
    bad_ihdr.extend(chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 3, 2, 0, 0, 0]));
    assert_eq!(
        png::walk(&bad_ihdr).err(),
        Some(Refusal::Malformed {
            kind: ScanKind::Png,
            what: "ihdr_fields"
        })
    );
}

#[test]
fn the_pdf_prescan_counts_nesting_outside_strings_comments_and_streams() -> Result<(), Refusal> {
    let deep = |n: usize| {
        format!(
            "%PDF-1.7\n1 0 obj {}{} endobj",
            "[".repeat(n),
            "]".repeat(n)
        )
    };
    assert_eq!(prescan(deep(64).as_bytes())?.max_depth, 64);
    assert_eq!(
        prescan(deep(65).as_bytes()).err(),
        Some(Refusal::PdfTooDeep {
            max_depth: MAX_DEPTH
        })
    );
    let hidden = format!(
        "%PDF-1.7\n% {open}\n1 0 obj << /S ({open} \\) {open}) /H <{hex}> >>\nstream\n{open}\nendstream endobj\n2 0 obj << /Length 5 >> stream\n[[[[[\nendstream",
        open = "[".repeat(200),
        hex = "0A0B",
    );
    assert_eq!(prescan(hidden.as_bytes())?.max_depth, 1);
    assert_eq!(
        prescan(b"%PDF-1.7\ntrailer << /Encr#79pt 5 0 R >>").err(),
        Some(Refusal::PdfEncrypted)
    );
    assert_eq!(
        prescan(b"%PDF-1.7\n1 0 obj (unterminated").err(),
        Some(Refusal::Truncated {
            kind: ScanKind::Pdf
        })
    );
    assert_eq!(
        prescan(b"%PDF-1.7\n1 0 obj << >> stream\nno end").err(),
        Some(Refusal::Truncated {
            kind: ScanKind::Pdf
        })
    );
    let eof = prescan(b"%PDF-1.7\n%%EOF\nold\n%%EOF\r\nafter")?;
    assert_eq!(eof.end_of_last_eof, Some(26));
    Ok(())
}

#[test]
fn pdf_names_match_through_hex_escapes() {
    assert!(name_is(b"JavaScript", b"JavaScript"));
    assert!(name_is(b"J#61vaScript", b"JavaScript"));
    assert!(name_is(b"#4A#53", b"JS"));
    assert!(!name_is(b"JSX", b"JS"));
    assert!(!name_is(b"J#5", b"JS"));
}

#[test]
fn the_body_reader_streams_ranges_in_small_reads_and_refuses_another_input() {
    let input = b"0123456789";
    let body = Body::Ranges(vec![0..2, 4..4, 5..10]);
    assert_eq!(body.len(), 7);
    let mut out = Vec::new();
    let mut reader = body.reader(input);
    let mut buf = [0u8; 3];
    loop {
        let n = reader.read(&mut buf).expect("read");
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
    }
    assert_eq!(out, b"0156789");
    assert_eq!(body.to_vec(input), b"0156789");
    let mut short = Vec::new();
    assert!(body.reader(b"01").read_to_end(&mut short).is_err());
    let owned = Body::Owned(b"abc".to_vec());
    let mut all = Vec::new();
    owned.reader(b"").read_to_end(&mut all).expect("read");
    assert_eq!(all, b"abc");
}

#[test]
fn debug_output_never_dumps_the_file() {
    let input = tiny_png(&chunk(b"tEXt", b"Author\0PATIENT-NAME"));
    let out = sanitize(&input, &ScanLimits::default()).expect("sanitize");
    let shown = format!("{out:?}");
    assert!(
        !shown.contains("PATIENT") && !shown.contains("137, 80"),
        "{shown}"
    );
    assert!(shown.contains("len"));
    assert_eq!(out.to_vec(&input), tiny_png(&[]));
}

#[test]
fn sanitize_checks_size_before_type() {
    assert_eq!(
        sanitize(b"", &ScanLimits::default()).err(),
        Some(Refusal::Empty)
    );
    let limits = ScanLimits {
        max_file_bytes: 3,
        ..ScanLimits::default()
    };
    assert_eq!(
        sanitize(b"four", &limits).err(),
        Some(Refusal::TooLarge { bytes: 4, max: 3 })
    );
    assert_eq!(
        sanitize(b"four", &ScanLimits::default()).err(),
        Some(Refusal::UnknownType)
    );
}

/// A cross-reference entry may point into what the pre-scan skips (here a comment), so
/// lopdf can meet nesting the pre-scan never counted: its own limit (100) must hold on a
/// test thread's small stack, in a debug build.
#[test]
fn nesting_hidden_from_the_prescan_is_bounded_by_the_parser() {
    for depth in [99usize, 150, 5_000] {
        let mut file = b"%PDF-1.7\n".to_vec();
        let catalog_at = file.len();
        file.extend_from_slice(b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n");
        let pages_at = file.len();
        file.extend_from_slice(b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n");
        let hidden_at = file.len() + 2;
        file.extend_from_slice(b"% 3 0 obj ");
        file.extend(std::iter::repeat_n(b'[', depth));
        file.extend(std::iter::repeat_n(b']', depth));
        file.extend_from_slice(b" endobj\n");
        let xref_at = file.len();
        file.extend_from_slice(
            format!(
                "xref\n0 4\n0000000000 65535 f \n{catalog_at:010} 00000 n \n{pages_at:010} 00000 n \n{hidden_at:010} 00000 n \ntrailer << /Size 4 /Root 1 0 R /Hidden 3 0 R >>\nstartxref\n{xref_at}\n%%EOF\n"
            )
            .as_bytes(),
        );
        let got = sanitize(&file, &ScanLimits::default());
        assert!(
            !matches!(got, Err(Refusal::DecoderPanic { .. })),
            "{depth}: {got:?}"
        );
    }
}
