//! PDFs made for the renderer's tests and the import benchmark: a red rectangle at a
//! known place, and an A4 document whose pages each hold a paragraph of text and an
//! image (a compressed RGB gradient).
#![allow(dead_code)]

use std::io::Write;

/// A PDF from numbered object bodies (object `i + 1` is `objects[i]`).
pub fn pdf(objects: &[Vec<u8>]) -> Vec<u8> {
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
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref_at}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

fn stream(dict_extra: &str, data: &[u8]) -> Vec<u8> {
    let mut out = format!("<< /Length {} {dict_extra} >>\nstream\n", data.len()).into_bytes();
    out.extend_from_slice(data);
    out.extend_from_slice(b"\nendstream");
    out
}

/// `n_pages` pages of 200 × 100 points, each a red rectangle from (50, 25) to (150, 75)
/// in PDF space (origin bottom left): drawn 400 px wide, image rows 50–150, columns
/// 100–300 are red and the rest is white.
pub fn red_box(n_pages: usize) -> Vec<u8> {
    let kids: Vec<String> = (0..n_pages).map(|i| format!("{} 0 R", 4 + i)).collect();
    let mut objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        format!(
            "<< /Type /Pages /Kids [{}] /Count {n_pages} >>",
            kids.join(" ")
        )
        .into_bytes(),
        stream("", b"1 0 0 rg 50 25 100 50 re f"),
    ];
    for _ in 0..n_pages {
        objects.push(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 3 0 R >>".to_vec(),
        );
    }
    pdf(&objects)
}

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(data).expect("zlib");
    encoder.finish().expect("zlib")
}

/// An A4 document of `n_pages` pages, each with 30 lines of Helvetica text and a
/// 600 × 400 RGB image (Flate) placed 400 × 267 points: a scanned-letter stand-in.
pub fn a4_text_and_image(n_pages: usize) -> Vec<u8> {
    // Objects: 1 catalog, 2 pages, 3 font, then per page: page, content, image.
    let mut objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        Vec::new(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec(),
    ];
    let (img_w, img_h) = (600u32, 400u32);
    let mut kids = Vec::new();
    for page_idx in 0..n_pages {
        let page_id = objects.len() + 1;
        kids.push(format!("{page_id} 0 R"));
        let mut text = String::from("BT /F1 11 Tf 14 TL 60 790 Td\n");
        for line in 0..30 {
            text.push_str(&format!(
                "(Page {} line {line}: amoxicillin 500 mg three times daily for seven days) '\n",
                page_idx + 1
            ));
        }
        text.push_str("ET\nq 400 0 0 267 97 60 cm /Im0 Do Q\n");
        let mut pixels = Vec::with_capacity((img_w * img_h * 3) as usize);
        for y in 0..img_h {
            for x in 0..img_w {
                pixels.extend_from_slice(&[
                    (x * 255 / img_w) as u8,
                    (y * 255 / img_h) as u8,
                    ((x + y + page_idx as u32 * 17) % 256) as u8,
                ]);
            }
        }
        objects.push(format!("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {} 0 R /Resources << /Font << /F1 3 0 R >> /XObject << /Im0 {} 0 R >> >> >>", page_id + 1, page_id + 2).into_bytes());
        objects.push(stream("", text.as_bytes()));
        objects.push(stream(
            &format!("/Type /XObject /Subtype /Image /Width {img_w} /Height {img_h} /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /FlateDecode"),
            &zlib(&pixels),
        ));
    }
    objects[1] = format!(
        "<< /Type /Pages /Kids [{}] /Count {n_pages} >>",
        kids.join(" ")
    )
    .into_bytes();
    pdf(&objects)
}

/// A one-page PDF whose page dictionary holds `depth` nested dictionaries: `hayro` 0.9
/// spends about 0.3 ms per level (debug build) before giving up, so 500 000 levels keep
/// it busy for minutes, a hostile file that stalls the renderer rather than crashing it.
pub fn nested_dicts(depth: usize) -> Vec<u8> {
    let mut page =
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 3 0 R /X ".to_vec();
    page.extend(std::iter::repeat_n(b"<< /A ".as_slice(), depth).flatten());
    page.push(b'1');
    page.extend(std::iter::repeat_n(b" >>".as_slice(), depth).flatten());
    page.extend_from_slice(b" >>");
    pdf(&[
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>".to_vec(),
        stream("", b"0 0 m"),
        page,
    ])
}
