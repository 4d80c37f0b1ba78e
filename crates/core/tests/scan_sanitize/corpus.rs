//! The corpus: every file, how it is made, and what the importer must say about it.
//! Files live in `tests/scan_corpus/{good,nasty}/`; `UPDATE_SCAN_CORPUS=1` rewrites them.

use clinic_vault_core::scans::sanitize::{Refusal, ScanKind};
use image::codecs::jpeg::JpegEncoder;
use image::ExtendedColorType;

use super::build::*;

/// What the importer must answer.
pub enum Expect {
    /// Accepted: its kind, pages, first page's size and orientation, and what was dropped.
    Ok {
        kind: ScanKind,
        pages: u32,
        size: (u32, u32),
        orientation: u8,
        removed: &'static [&'static str],
    },
    /// Refused, exactly so.
    Refused(Refusal),
}

pub struct Case {
    pub name: &'static str,
    pub bytes: Vec<u8>,
    pub expect: Expect,
}

fn refused(name: &'static str, bytes: Vec<u8>, refusal: Refusal) -> Case {
    Case {
        name,
        bytes,
        expect: Expect::Refused(refusal),
    }
}

fn jpeg_of(width: u32, height: u32, seed: u64) -> Vec<u8> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 85)
        .encode(
            &rgb_pixels(width, height, seed),
            width,
            height,
            ExtendedColorType::Rgb8,
        )
        .expect("jpeg");
    out
}

/// The encoder's SOI and JFIF APP0, then `middle`, then the rest of the encoded file.
fn jpeg_with(middle: &[u8], width: u32, height: u32, keep_app0: bool) -> Vec<u8> {
    let plain = jpeg_of(width, height, 7);
    let app0_end = 4 + usize::from(u16::from_be_bytes([plain[4], plain[5]]));
    let mut out = if keep_app0 {
        plain[..app0_end].to_vec()
    } else {
        plain[..2].to_vec()
    };
    out.extend_from_slice(middle);
    out.extend_from_slice(&plain[app0_end..]);
    out
}

pub fn good_jpeg() -> Vec<u8> {
    let mut exif = b"Exif\0\0".to_vec();
    exif.extend(exif_block(6));
    let mut xmp = b"http://ns.adobe.com/xap/1.0/\0".to_vec();
    xmp.extend(xmp_packet());
    let mut middle = jpeg_segment(0xE1, &exif);
    middle.extend(jpeg_segment(0xE1, &xmp));
    middle.extend(jpeg_segment(0xED, &iptc_irb()));
    middle.extend(jpeg_segment(0xEE, b"Adobe\x00\x64\x00\x00\x00\x00\x01"));
    middle.extend(jpeg_segment(0xFE, b"SECRET comment"));
    middle.extend(jpeg_segment(0xE5, b"SECRET vendor data"));
    let mut out = jpeg_with(&middle, 640, 480, true);
    out.extend_from_slice(b"SECRET trailing bytes");
    out
}

/// A JPEG whose JFIF segment carries a 2 × 2 thumbnail, and a second JPEG after EOI.
fn jpeg_jfif_thumbnail() -> Vec<u8> {
    let mut jfif = b"JFIF\0\x01\x02\x00\x00\x01\x00\x01\x02\x02".to_vec();
    jfif.extend_from_slice(&[200; 12]);
    let mut out = jpeg_with(&jpeg_segment(0xE0, &jfif), 320, 240, false);
    out.extend(jpeg_of(16, 16, 3));
    out
}

pub fn good_png() -> Vec<u8> {
    let (w, h) = (300u32, 200u32);
    let px = rgb_pixels(w, h, 11);
    let mut raw = Vec::new();
    for row in px.chunks(w as usize * 3) {
        raw.push(0);
        raw.extend_from_slice(row);
    }
    let idat = zlib(&raw);
    let (first, second) = idat.split_at(idat.len() / 2);
    let mut zt = b"Comment\0\0".to_vec();
    zt.extend(zlib(b"SECRET compressed comment"));
    let mut it = b"XML:com.adobe.xmp\0\0\0\0\0".to_vec();
    it.extend(xmp_packet());
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend(png_ihdr(w, h, 8, 2));
    out.extend(png_chunk(b"gAMA", &45455u32.to_be_bytes()));
    out.extend(png_chunk(b"pHYs", b"\0\0\x0b\x13\0\0\x0b\x13\x01"));
    out.extend(png_chunk(b"tEXt", b"Author\0Dr SECRET"));
    out.extend(png_chunk(b"zTXt", &zt));
    out.extend(png_chunk(b"iTXt", &it));
    out.extend(png_chunk(b"eXIf", &exif_block(3)));
    out.extend(png_chunk(b"tIME", b"\x07\xea\x01\x02\x03\x04\x05"));
    out.extend(png_chunk(b"prVt", b"SECRET private"));
    out.extend(png_chunk(b"IDAT", first));
    out.extend(png_chunk(b"IDAT", second));
    out.extend(png_chunk(b"IEND", b""));
    out.extend_from_slice(b"SECRET trailing");
    out
}

fn palette_png() -> Vec<u8> {
    let (w, h) = (64u32, 64u32);
    let mut raw = Vec::new();
    for y in 0..h {
        raw.push(0);
        raw.extend((0..w).map(|x| ((x / 8 + y / 8) % 4) as u8));
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend(png_ihdr(w, h, 8, 3));
    out.extend(png_chunk(
        b"PLTE",
        &[0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255],
    ));
    out.extend(png_chunk(b"tRNS", &[0, 255, 255, 128]));
    out.extend(png_chunk(b"IDAT", &zlib(&raw)));
    out.extend(png_chunk(b"IEND", b""));
    out
}

/// One TIFF page: size, bits a sample, samples, photometric, pixels, extra tags.
pub struct TiffPage {
    pub width: u32,
    pub height: u32,
    pub bits: u16,
    pub samples: u16,
    pub photometric: u16,
    pub data: Vec<u8>,
    pub extra: Vec<Entry>,
}

/// A little-endian TIFF, one uncompressed strip a page; `next_of_last` links the last
/// directory (0 ends the chain; an offset makes a cycle).
pub fn tiff(pages: Vec<TiffPage>, cycle_to_first: bool) -> Vec<u8> {
    let mut out = b"II*\0\0\0\0\0".to_vec();
    let mut first_ifd = 0u32;
    let mut patch_at: Option<usize> = None;
    let n = pages.len();
    for (idx, page) in pages.into_iter().enumerate() {
        let data_at = out.len() as u32;
        out.extend_from_slice(&page.data);
        if out.len() % 2 == 1 {
            out.push(0);
        }
        let ifd_at = out.len() as u32;
        if idx == 0 {
            first_ifd = ifd_at;
            out[4..8].copy_from_slice(&ifd_at.to_le_bytes());
        }
        if let Some(at) = patch_at.take() {
            out[at..at + 4].copy_from_slice(&ifd_at.to_le_bytes());
        }
        let mut entries = vec![
            long(256, page.width),
            long(257, page.height),
            short(258, &vec![page.bits; page.samples as usize]),
            short(259, &[1]),
            short(262, &[page.photometric]),
            long(273, data_at),
            short(277, &[page.samples]),
            long(278, page.height),
            long(279, page.data.len() as u32),
        ];
        entries.extend(page.extra);
        let next_field = ifd_at as usize + 2 + 12 * entries.len();
        let next = if idx + 1 == n && cycle_to_first {
            first_ifd
        } else {
            0
        };
        out.extend(ifd(ifd_at, &mut entries, next));
        if idx + 1 < n {
            patch_at = Some(next_field);
        }
    }
    out
}

fn tiff_metadata() -> Vec<Entry> {
    vec![
        ascii(270, "SECRET description"),
        ascii(271, "SecretScan"),
        ascii(272, "Model SECRET"),
        short(274, &[6]),
        rationals(282, &[(300, 1)]),
        rationals(283, &[(300, 1)]),
        short(296, &[2]),
        ascii(305, "SECRET software"),
        ascii(306, "2026:01:02 03:04:05"),
        ascii(315, "Dr SECRET"),
        bytes(700, &xmp_packet()),
    ]
}

pub fn good_tiff() -> Vec<u8> {
    let mut noise = Noise::new(5);
    let bilevel: Vec<u8> = (0..40 * 8).map(|_| noise.next_u8()).collect();
    tiff(
        vec![
            TiffPage {
                width: 200,
                height: 150,
                bits: 8,
                samples: 3,
                photometric: 2,
                data: rgb_pixels(200, 150, 3),
                extra: tiff_metadata(),
            },
            TiffPage {
                width: 100,
                height: 80,
                bits: 8,
                samples: 1,
                photometric: 1,
                data: rgb_pixels(100, 80, 4)[..8000].to_vec(),
                extra: vec![ascii(315, "Dr SECRET")],
            },
            TiffPage {
                width: 64,
                height: 40,
                bits: 1,
                samples: 1,
                photometric: 0,
                data: bilevel,
                extra: vec![],
            },
        ],
        false,
    )
}

fn gray_page(width: u32, height: u32) -> TiffPage {
    TiffPage {
        width,
        height,
        bits: 8,
        samples: 1,
        photometric: 1,
        data: vec![128; (width * height) as usize],
        extra: vec![],
    }
}

pub fn good_pdf() -> Vec<u8> {
    let mut objects = one_page_objects(
        "/Metadata 6 0 R /PieceInfo << /Secret << /Private (SECRET) >> >>",
        "/LastModified (D:20260102030405)",
    );
    objects.push(stream("/Type /Metadata /Subtype /XML", &xmp_packet()));
    objects.push(
        b"<< /Author (Dr SECRET) /Producer (SECRET producer) /CreationDate (D:20260102030405) >>"
            .to_vec(),
    );
    let file = pdf(
        &objects,
        "/Info 7 0 R /ID [<5345435245545345> <5345435245545345>]",
    );
    pdf_update(
        file,
        4,
        &stream("", b"BT /F1 24 Tf 72 720 Td (Rx: amoxicillin 250 mg) Tj ET"),
        8,
        "/Info 7 0 R /ID [<5345435245545345> <5345435245545346>]",
    )
}

/// The JPEGs inside `good/dct-images-exif-gps.pdf`: a 640 × 480 photo with EXIF (GPS,
/// serial), XMP, IPTC, a comment, a vendor segment and trailing bytes, stored as
/// `/DCTDecode`; and a 160 × 120 one with EXIF, stored as `[/FlateDecode /DCTDecode]`.
pub fn dct_pdf_images() -> [Vec<u8>; 2] {
    let mut exif = b"Exif\0\0".to_vec();
    exif.extend(exif_block(1));
    [
        good_jpeg(),
        jpeg_with(&jpeg_segment(0xE1, &exif), 160, 120, true),
    ]
}

fn dct_pdf() -> Vec<u8> {
    let [photo, small] = dct_pdf_images();
    let rgb = "/Type /XObject /Subtype /Image /ColorSpace /DeviceRGB /BitsPerComponent 8";
    let objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 6 0 R /Resources << /XObject << /Im0 4 0 R /Im1 5 0 R >> >> >>".to_vec(),
        stream(&format!("{rgb} /Width 640 /Height 480 /Filter /DCTDecode /Metadata 7 0 R"), &photo),
        stream(&format!("{rgb} /Width 160 /Height 120 /Filter [/FlateDecode /DCTDecode] /DecodeParms [null null]"), &zlib(&small)),
        // And an inline image that is not a JPEG (accepted as it is).
        stream("", b"q 320 0 0 240 72 400 cm /Im0 Do Q q 160 0 0 120 72 200 cm /Im1 Do Q q 8 0 0 8 72 100 cm BI /W 2 /H 2 /CS /G /BPC 8 ID \x00\xff\xff\x00 EI Q"),
        stream("/Type /Metadata /Subtype /XML", &xmp_packet()),
    ];
    pdf(&objects, "")
}

/// A one-page PDF showing one image stream with `dict_extra` in its dictionary.
fn image_pdf(dict_extra: &str, data: &[u8]) -> Vec<u8> {
    pdf(
        &[
            b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 5 0 R /Resources << /XObject << /Im0 4 0 R >> >> >>".to_vec(),
            stream(&format!("/Type /XObject /Subtype /Image /Width 16 /Height 16 /ColorSpace /DeviceRGB /BitsPerComponent 8 {dict_extra}"), data),
            stream("", b"q 160 0 0 160 72 400 cm /Im0 Do Q"),
        ],
        "",
    )
}

/// A JPEG 2000 file: signature, file type, an XML box naming someone, and a stub
/// codestream box (the importer refuses JPX before reading further).
fn jp2_with_xml() -> Vec<u8> {
    let jp2_box = |kind: &[u8; 4], data: &[u8]| {
        let mut out = ((data.len() + 8) as u32).to_be_bytes().to_vec();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        out
    };
    let mut out = jp2_box(b"jP  ", b"\r\n\x87\n");
    out.extend(jp2_box(b"ftyp", b"jp2 \0\0\0\0jp2 "));
    out.extend(jp2_box(b"xml ", &xmp_packet()));
    out.extend(jp2_box(b"jp2c", b"\xFF\x4F\xFF\x51"));
    out
}

/// A page whose (compressed) content draws an inline JPEG image with EXIF.
fn inline_jpeg_pdf() -> Vec<u8> {
    let mut exif = b"Exif\0\0".to_vec();
    exif.extend(exif_block(1));
    let mut content = b"q 16 0 0 16 72 400 cm BI /W 16 /H 16 /CS /RGB /BPC 8 /F /DCT ID ".to_vec();
    content.extend(jpeg_with(&jpeg_segment(0xE1, &exif), 16, 16, true));
    content.extend_from_slice(b" EI Q");
    pdf(
        &[
            b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>".to_vec(),
            stream("/Filter /FlateDecode", &zlib(&content)),
        ],
        "",
    )
}

/// A JPEG whose (kept) ICC segment holds a ZIP archive, hidden by FlateDecode in the
/// file, so it would be in the open once the JPEG is stored unwrapped.
fn zip_in_wrapped_jpeg_pdf() -> Vec<u8> {
    let mut icc = b"ICC_PROFILE\0\x01\x01".to_vec();
    icc.extend(zip("payload.txt", b"hello from inside an ICC profile"));
    let jpeg = jpeg_with(&jpeg_segment(0xE2, &icc), 16, 16, true);
    image_pdf("/Filter [/FlateDecode /DCTDecode]", &zlib(&jpeg))
}

/// A sticky note (author, dates, id) with its popup, a highlight without `/Type`, a text
/// field whose names and value must stay, an article thread with its information
/// dictionary, and web-capture information.
fn annotated_pdf() -> Vec<u8> {
    pdf_one_page(
        "/AcroForm << /Fields [8 0 R] >> /Threads [9 0 R] /SpiderInfo << /V 1.0 /C [] >>",
        "/B [10 0 R] /Annots [6 0 R 7 0 R 8 0 R << /Subtype /Highlight /Rect [72 700 300 720] /QuadPoints [72 720 300 720 72 700 300 700] /T (Nurse SECRET) /CreationDate (D:20260102030405) >>]",
        &[
            b"<< /Type /Annot /Subtype /Text /Rect [72 600 92 620] /Contents (Check the dose) /T (Dr SECRET) /M (D:20260102030405) /CreationDate (D:20260102030405) /NM (SECRET-annotation-id) /Popup 7 0 R >>",
            b"<< /Type /Annot /Subtype /Popup /Rect [100 600 300 700] /Parent 6 0 R /T (Dr SECRET) /M (D:20260102030405) >>",
            b"<< /Type /Annot /Subtype /Widget /FT /Tx /Rect [72 500 300 520] /T (patient_name) /TU (Patient name) /TM (patient_name_export) /V (Visible value) /M (D:20260102030405) /P 3 0 R >>",
            b"<< /Type /Thread /I << /Title (SECRET article) /Author (Dr SECRET) /CreationDate (D:20260102030405) >> /F 10 0 R >>",
            b"<< /Type /Bead /T 9 0 R /N 10 0 R /V 10 0 R /P 3 0 R /R [72 72 300 300] >>",
        ],
        "",
    )
}

/// A certified (DocMDP) signature: field and widget, and a signature dictionary naming
/// the signer, place, reason and time.
fn signed_pdf() -> Vec<u8> {
    pdf_one_page(
        "/AcroForm << /Fields [6 0 R] /SigFlags 3 >> /Perms << /DocMDP 7 0 R >>",
        "/Annots [6 0 R]",
        &[
            b"<< /Type /Annot /Subtype /Widget /FT /Sig /T (Signature1) /Rect [72 100 272 150] /P 3 0 R /F 132 /V 7 0 R >>",
            b"<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached /Name (Dr SECRET) /M (D:20260102030405+01'00') /Location (SECRET clinic) /ContactInfo (SECRET@example.invalid) /Reason (SECRET approval) /ByteRange [0 100 200 300] /Contents <534543524554> /Reference [<< /Type /SigRef /TransformMethod /DocMDP /TransformParams << /Type /TransformParams /P 2 /V /1.2 >> >>] >>",
        ],
        "",
    )
}

fn pdf_one_page(catalog_extra: &str, page_extra: &str, more: &[&[u8]], trailer: &str) -> Vec<u8> {
    let mut objects = one_page_objects(catalog_extra, page_extra);
    objects.extend(more.iter().map(|m| m.to_vec()));
    pdf(&objects, trailer)
}

fn active(feature: &'static str) -> Refusal {
    Refusal::PdfActiveContent { feature }
}

/// Every case, made once per test binary (the zlib bombs take a moment to compress).
pub fn cases() -> &'static [Case] {
    static CASES: std::sync::OnceLock<Vec<Case>> = std::sync::OnceLock::new();
    CASES.get_or_init(make_cases)
}

fn make_cases() -> Vec<Case> {
    let ok = |name, bytes, kind, pages, size, orientation, removed| Case {
        name,
        bytes,
        expect: Expect::Ok {
            kind,
            pages,
            size,
            orientation,
            removed,
        },
    };
    let jpeg = good_jpeg();
    let png = good_png();
    let tif = good_tiff();
    let simple_pdf = pdf_one_page("", "", &[], "");
    let mut huge_jpeg = jpeg_of(64, 48, 1);
    let sof = huge_jpeg
        .windows(2)
        .position(|w| w == [0xFF, 0xC0])
        .expect("SOF0");
    huge_jpeg[sof + 5..sof + 9].copy_from_slice(&[0xEA, 0x60, 0xEA, 0x60]);
    let mut bad_crc = palette_png();
    let idat_crc_at = bad_crc.len() - 12 - 1;
    bad_crc[idat_crc_at] ^= 0xFF;
    let deep_arrays = format!("/Deep {}{}", "[".repeat(10_000), "]".repeat(10_000));
    let deep_dicts = format!("/Deep {}{}", "<< /A ".repeat(5_000), ">> ".repeat(5_000));
    let many_pages = {
        let kids: String = (0..201).map(|i| format!("{} 0 R ", i + 3)).collect();
        let mut objects = vec![
            b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
            format!("<< /Type /Pages /Kids [{kids}] /Count 201 >>").into_bytes(),
        ];
        objects.extend(
            (0..201).map(|_| b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] >>".to_vec()),
        );
        pdf(&objects, "")
    };
    let cyclic_pages = pdf(
        &[
            b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
            b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>".to_vec(),
        ],
        "",
    );
    let mut pdf_zip = simple_pdf.clone();
    pdf_zip.extend(zip("payload.txt", b"hello from the zip side"));
    let mut jpeg_pdf = jpeg_of(64, 48, 2);
    jpeg_pdf.extend_from_slice(&simple_pdf);
    let mut png_zip = palette_png();
    png_zip.extend(zip("payload.txt", b"hello"));
    let mut apng = palette_png();
    let ihdr_end = 8 + 25;
    let actl = png_chunk(b"acTL", &[0, 0, 0, 1, 0, 0, 0, 0]);
    apng.splice(ihdr_end..ihdr_end, actl);
    let truncated_pdf = {
        let full = pdf_one_page("", "", &[], "");
        let cut = full
            .windows(6)
            .position(|w| w == b"stream")
            .expect("stream")
            + 20;
        full[..cut].to_vec()
    };
    let mut bomb = b"\x89PNG\r\n\x1a\n".to_vec();
    bomb.extend(png_ihdr(1_000_000, 1_000_000, 8, 0));
    bomb.extend(png_chunk(b"IDAT", &zlib_zeros(64 << 20)));
    bomb.extend(png_chunk(b"IEND", b""));
    let mut rgba16_bomb = b"\x89PNG\r\n\x1a\n".to_vec();
    rgba16_bomb.extend(png_ihdr(10_000, 10_000, 16, 6));
    rgba16_bomb.extend(png_chunk(b"IDAT", &zlib_zeros(64 << 20)));
    rgba16_bomb.extend(png_chunk(b"IEND", b""));
    let encrypt = b"<< /Filter /Standard /V 1 /R 2 /O <00> /U <00> /P -4 >>" as &[u8];
    vec![
        ok("good/photo-exif-xmp-iptc-gps.jpg", jpeg.clone(), ScanKind::Jpeg, 1, (640, 480), 6,
            &["exif", "xmp", "iptc", "comment", "app_segment", "trailing_data"]),
        ok("good/jfif-thumbnail-and-second-jpeg.jpg", jpeg_jfif_thumbnail(), ScanKind::Jpeg, 1, (320, 240), 1,
            &["jfif_thumbnail", "trailing_data"]),
        ok("good/text-exif-xmp.png", png.clone(), ScanKind::Png, 1, (300, 200), 3,
            &["text", "xmp", "exif", "time", "ancillary_chunk", "trailing_data"]),
        ok("good/palette-transparency.png", palette_png(), ScanKind::Png, 1, (64, 64), 1, &[]),
        ok("good/three-pages-rgb-grey-bilevel.tif", tif.clone(), ScanKind::Tiff, 3, (200, 150), 6,
            &["xmp", "tiff_tags"]),
        ok("good/info-xmp-two-revisions.pdf", good_pdf(), ScanKind::Pdf, 1, (0, 0), 1,
            &["info", "document_id", "metadata", "piece_info", "last_modified", "old_revisions", "unreferenced_objects"]),
        ok("good/open-action-destination.pdf", pdf_one_page("/OpenAction [3 0 R /Fit]", "", &[], ""),
            ScanKind::Pdf, 1, (0, 0), 1, &[]),
        ok("good/dct-images-exif-gps.pdf", dct_pdf(), ScanKind::Pdf, 1, (0, 0), 1,
            &["metadata", "exif", "xmp", "iptc", "comment", "app_segment", "trailing_data", "unreferenced_objects"]),
        ok("good/annotations-authors-dates.pdf", annotated_pdf(), ScanKind::Pdf, 1, (0, 0), 1,
            &["annotation_author", "annotation_date", "annotation_id", "thread_info", "web_capture"]),
        ok("good/signed.pdf", signed_pdf(), ScanKind::Pdf, 1, (0, 0), 1, &["signature", "unreferenced_objects"]),
        refused("nasty/empty.bin", Vec::new(), Refusal::Empty),
        refused("nasty/text-named-as.jpg", b"not an image at all".to_vec(), Refusal::UnknownType),
        refused("nasty/gif.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;".to_vec(), Refusal::UnknownType),
        refused("nasty/truncated.jpg", jpeg[..jpeg.len() * 6 / 10].to_vec(), Refusal::Truncated { kind: ScanKind::Jpeg }),
        refused("nasty/truncated.png", png[..png.len() * 6 / 10].to_vec(), Refusal::Truncated { kind: ScanKind::Png }),
        refused("nasty/truncated.tif", tif[..tif.len() / 2].to_vec(), Refusal::Truncated { kind: ScanKind::Tiff }),
        refused("nasty/truncated.pdf", truncated_pdf, Refusal::Truncated { kind: ScanKind::Pdf }),
        refused("nasty/header-60000x60000.jpg", huge_jpeg,
            Refusal::SideTooLong { width: 60_000, height: 60_000, max_side_px: 20_000 }),
        refused("nasty/huge-ihdr-zlib-bomb.png", bomb,
            Refusal::SideTooLong { width: 1_000_000, height: 1_000_000, max_side_px: 20_000 }),
        refused("nasty/rgba16-zlib-bomb.png", rgba16_bomb, Refusal::DecodeLimit { kind: ScanKind::Png }),
        refused("nasty/bad-crc.png", bad_crc, Refusal::Malformed { kind: ScanKind::Png, what: "chunk_crc" }),
        refused("nasty/apng.png", apng, Refusal::Animated),
        refused("nasty/cyclic-ifds.tif", tiff(vec![gray_page(4, 4), gray_page(4, 4)], true),
            Refusal::Malformed { kind: ScanKind::Tiff, what: "ifd_cycle" }),
        refused("nasty/self-ifd.tif", tiff(vec![gray_page(4, 4)], true),
            Refusal::Malformed { kind: ScanKind::Tiff, what: "ifd_cycle" }),
        refused("nasty/201-pages.tif", tiff((0..201).map(|_| gray_page(1, 1)).collect(), false),
            Refusal::TooManyPages { max_pages: 200 }),
        refused("nasty/header-60000x60000.tif", tiff(vec![TiffPage { width: 60_000, height: 60_000, bits: 8, samples: 1, photometric: 1, data: vec![0; 16], extra: vec![] }], false),
            Refusal::SideTooLong { width: 60_000, height: 60_000, max_side_px: 20_000 }),
        refused("nasty/pdf-and-zip.pdf", pdf_zip, Refusal::Polyglot { other: "zip" }),
        refused("nasty/jpeg-with-pdf-appended.jpg", jpeg_pdf, Refusal::Polyglot { other: "pdf" }),
        refused("nasty/png-with-zip-appended.png", png_zip, Refusal::Polyglot { other: "zip" }),
        refused("nasty/javascript-open-action.pdf",
            pdf_one_page("/OpenAction 6 0 R", "", &[b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>"], ""),
            active("javascript")),
        refused("nasty/javascript-escaped-names.pdf",
            pdf_one_page("", "/Annots [<< /Type /Annot /Subtype /Link /Rect [0 0 1 1] /A << /S /Java#53cript /J#53 (x) >> >>]", &[], ""),
            active("javascript")),
        refused("nasty/launch-action.pdf",
            pdf_one_page("", "/Annots [<< /Type /Annot /Subtype /Link /Rect [0 0 1 1] /A << /S /Launch /F (cmd.exe) >> >>]", &[], ""),
            active("launch")),
        refused("nasty/submit-form.pdf",
            pdf_one_page("/AcroForm << /Fields [] >>", "/Annots [<< /Type /Annot /Subtype /Widget /Rect [0 0 1 1] /A << /S /SubmitForm /F (http://example.invalid/) >> >>]", &[], ""),
            active("submit_form")),
        refused("nasty/xfa-form.pdf", pdf_one_page("/AcroForm << /Fields [] /XFA 6 0 R >>", "", &[&stream("", b"<xdp/>")], ""),
            active("xfa")),
        refused("nasty/embedded-file.pdf",
            pdf_one_page("/Names << /EmbeddedFiles << /Names [(a.exe) 6 0 R] >> >>", "",
                &[b"<< /Type /Filespec /F (a.exe) /EF << /F 7 0 R >> >>", &stream("/Type /EmbeddedFile", b"MZ")], ""),
            active("embedded_file")),
        refused("nasty/deeply-nested-arrays.pdf", pdf_one_page(&deep_arrays, "", &[], ""),
            Refusal::PdfTooDeep { max_depth: 64 }),
        refused("nasty/deeply-nested-dictionaries.pdf", pdf_one_page(&deep_dicts, "", &[], ""),
            Refusal::PdfTooDeep { max_depth: 64 }),
        refused("nasty/encrypted.pdf", pdf_one_page("", "", &[encrypt], "/Encrypt 6 0 R"), Refusal::PdfEncrypted),
        refused("nasty/jpx-image-with-xml.pdf", image_pdf("/Filter /JPXDecode", &jp2_with_xml()),
            Refusal::Unsupported { kind: ScanKind::Pdf, what: "jpx_image" }),
        refused("nasty/dct-image-not-a-jpeg.pdf", image_pdf("/Filter /DCTDecode", b"SECRET: not a JPEG file"),
            Refusal::Malformed { kind: ScanKind::Pdf, what: "dct_image" }),
        refused("nasty/inline-jpeg-image.pdf", inline_jpeg_pdf(),
            Refusal::Unsupported { kind: ScanKind::Pdf, what: "inline_jpeg_image" }),
        refused("nasty/zip-in-a-flate-wrapped-jpeg.pdf", zip_in_wrapped_jpeg_pdf(), Refusal::Polyglot { other: "zip" }),
        refused("nasty/cyclic-page-tree.pdf", cyclic_pages,
            Refusal::Malformed { kind: ScanKind::Pdf, what: "page_tree_cycle" }),
        refused("nasty/201-pages.pdf", many_pages, Refusal::TooManyPages { max_pages: 200 }),
    ]
}
