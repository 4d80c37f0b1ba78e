//! Byte-level builders for the corpus: TIFF directories (also EXIF blocks), PNG chunks,
//! PDF files with a cross-reference table, ZIP archives, and a seeded noise source.

use std::io::Write;

/// A deterministic noise source (xorshift64*), so the corpus is the same on every run.
pub struct Noise(u64);

impl Noise {
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    pub fn next_u8(&mut self) -> u8 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D).to_be_bytes()[0]
    }
}

/// An RGB image: a gradient with noise, so compression keeps some detail.
pub fn rgb_pixels(width: u32, height: u32, seed: u64) -> Vec<u8> {
    let mut noise = Noise::new(seed);
    let mut out = Vec::with_capacity((width * height * 3) as usize);
    for y in 0..height {
        for x in 0..width {
            let n = noise.next_u8() / 8;
            out.push(((x * 255 / width.max(1)) as u8).wrapping_add(n));
            out.push(((y * 255 / height.max(1)) as u8).wrapping_add(n));
            out.push(128u8.wrapping_add(n));
        }
    }
    out
}

/// TIFF field types used here.
pub const BYTE: u16 = 1;
pub const ASCII: u16 = 2;
pub const SHORT: u16 = 3;
pub const LONG: u16 = 4;
pub const RATIONAL: u16 = 5;

/// One IFD entry: tag, type, count, value bytes (little-endian).
pub struct Entry {
    pub tag: u16,
    pub ty: u16,
    pub count: u32,
    pub data: Vec<u8>,
}

pub fn ascii(tag: u16, text: &str) -> Entry {
    let mut data = text.as_bytes().to_vec();
    data.push(0);
    Entry {
        tag,
        ty: ASCII,
        count: data.len() as u32,
        data,
    }
}

pub fn short(tag: u16, values: &[u16]) -> Entry {
    Entry {
        tag,
        ty: SHORT,
        count: values.len() as u32,
        data: values.iter().flat_map(|v| v.to_le_bytes()).collect(),
    }
}

pub fn long(tag: u16, value: u32) -> Entry {
    Entry {
        tag,
        ty: LONG,
        count: 1,
        data: value.to_le_bytes().to_vec(),
    }
}

pub fn rationals(tag: u16, values: &[(u32, u32)]) -> Entry {
    Entry {
        tag,
        ty: RATIONAL,
        count: values.len() as u32,
        data: values
            .iter()
            .flat_map(|(n, d)| n.to_le_bytes().into_iter().chain(d.to_le_bytes()))
            .collect(),
    }
}

pub fn bytes(tag: u16, data: &[u8]) -> Entry {
    Entry {
        tag,
        ty: BYTE,
        count: data.len() as u32,
        data: data.to_vec(),
    }
}

/// The serialised size of an IFD (entries, next pointer, out-of-line values).
pub fn ifd_len(entries: &[Entry]) -> u32 {
    let out_of_line: usize = entries
        .iter()
        .filter(|e| e.data.len() > 4)
        .map(|e| e.data.len().next_multiple_of(2))
        .sum();
    (2 + 12 * entries.len() + 4 + out_of_line) as u32
}

/// An IFD placed at `offset` in its file, entries sorted by tag.
pub fn ifd(offset: u32, entries: &mut [Entry], next: u32) -> Vec<u8> {
    entries.sort_by_key(|e| e.tag);
    let mut head = Vec::new();
    let mut tail = Vec::new();
    let tail_start = offset + 2 + 12 * entries.len() as u32 + 4;
    head.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    for entry in entries.iter() {
        head.extend_from_slice(&entry.tag.to_le_bytes());
        head.extend_from_slice(&entry.ty.to_le_bytes());
        head.extend_from_slice(&entry.count.to_le_bytes());
        if entry.data.len() <= 4 {
            let mut inline = entry.data.clone();
            inline.resize(4, 0);
            head.extend_from_slice(&inline);
        } else {
            head.extend_from_slice(&(tail_start + tail.len() as u32).to_le_bytes());
            tail.extend_from_slice(&entry.data);
            if tail.len() % 2 == 1 {
                tail.push(0);
            }
        }
    }
    head.extend_from_slice(&next.to_le_bytes());
    head.extend_from_slice(&tail);
    head
}

/// An EXIF block (TIFF header onwards): camera, serial, times, orientation and GPS.
pub fn exif_block(orientation: u16) -> Vec<u8> {
    let mut gps = vec![
        bytes(0x0000, &[2, 3, 0, 0]),
        ascii(0x0001, "N"),
        rationals(0x0002, &[(48, 1), (51, 1), (2400, 100)]),
        ascii(0x0003, "E"),
        rationals(0x0004, &[(2, 1), (17, 1), (4000, 100)]),
    ];
    let mut exif = vec![
        ascii(0x9003, "2026:01:02 03:04:05"),
        ascii(0xA431, "SN-SECRET-4711"),
    ];
    let mut ifd0 = vec![
        ascii(0x010F, "SecretCam"),
        ascii(0x0110, "Model SECRET"),
        short(0x0112, &[orientation]),
        ascii(0x0131, "SECRET firmware"),
        ascii(0x0132, "2026:01:02 03:04:05"),
        ascii(0x013B, "Dr SECRET"),
        long(0x8769, 0),
        long(0x8825, 0),
    ];
    let ifd0_at = 8;
    let exif_at = ifd0_at + ifd_len(&ifd0);
    let gps_at = exif_at + ifd_len(&exif);
    for entry in ifd0.iter_mut() {
        match entry.tag {
            0x8769 => entry.data = exif_at.to_le_bytes().to_vec(),
            0x8825 => entry.data = gps_at.to_le_bytes().to_vec(),
            _ => {}
        }
    }
    let mut out = b"II*\0".to_vec();
    out.extend_from_slice(&ifd0_at.to_le_bytes());
    out.extend(ifd(ifd0_at, &mut ifd0, 0));
    out.extend(ifd(exif_at, &mut exif, 0));
    out.extend(ifd(gps_at, &mut gps, 0));
    out
}

/// An XMP packet naming its creator.
pub fn xmp_packet() -> Vec<u8> {
    br#"<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator><rdf:Seq><rdf:li>Dr SECRET</rdf:li></rdf:Seq></dc:creator></rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>"#.to_vec()
}

/// A Photoshop IRB with an IPTC by-line (the content of a JPEG APP13 segment).
pub fn iptc_irb() -> Vec<u8> {
    let byline = b"Dr SECRET";
    let mut iptc = vec![0x1C, 2, 80, 0, byline.len() as u8];
    iptc.extend_from_slice(byline);
    let mut out = b"Photoshop 3.0\08BIM".to_vec();
    out.extend_from_slice(&[0x04, 0x04, 0, 0]);
    out.extend_from_slice(&(iptc.len() as u32).to_be_bytes());
    out.extend_from_slice(&iptc);
    if iptc.len() % 2 == 1 {
        out.push(0);
    }
    out
}

/// A JPEG segment: marker, length, payload.
pub fn jpeg_segment(marker: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![0xFF, marker];
    out.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(payload);
    out
}

/// A PNG chunk with its CRC.
pub fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = (data.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32fast::hash(&out[4..]);
    out.extend_from_slice(&crc.to_be_bytes());
    out
}

pub fn png_ihdr(width: u32, height: u32, bit_depth: u8, color_type: u8) -> Vec<u8> {
    let mut data = width.to_be_bytes().to_vec();
    data.extend_from_slice(&height.to_be_bytes());
    data.extend_from_slice(&[bit_depth, color_type, 0, 0, 0]);
    png_chunk(b"IHDR", &data)
}

pub fn zlib(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(data).expect("zlib");
    encoder.finish().expect("zlib")
}

/// A zlib stream of `n` zero bytes, compressed in pieces so it is made with little memory.
pub fn zlib_zeros(n: usize) -> Vec<u8> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let block = vec![0u8; 1 << 20];
    let mut left = n;
    while left > 0 {
        let take = left.min(block.len());
        encoder.write_all(&block[..take]).expect("zlib");
        left -= take;
    }
    encoder.finish().expect("zlib")
}

/// A PDF from numbered object bodies (object `i + 1` is `objects[i]`), with a
/// cross-reference table and a trailer naming `/Root 1 0 R` plus `extra_trailer`.
pub fn pdf(objects: &[Vec<u8>], extra_trailer: &str) -> Vec<u8> {
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
            "trailer\n<< /Size {} /Root 1 0 R {extra_trailer} >>\nstartxref\n{xref_at}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// Appends an incremental update replacing object `id` (the old version stays in the file).
pub fn pdf_update(
    mut file: Vec<u8>,
    id: usize,
    body: &[u8],
    size: usize,
    extra_trailer: &str,
) -> Vec<u8> {
    let prev = String::from_utf8_lossy(&file)
        .rsplit("startxref\n")
        .next()
        .and_then(|rest| rest.lines().next())
        .and_then(|n| n.parse::<usize>().ok())
        .expect("previous startxref");
    let at = file.len();
    file.extend_from_slice(format!("{id} 0 obj\n").as_bytes());
    file.extend_from_slice(body);
    file.extend_from_slice(b"\nendobj\n");
    let xref_at = file.len();
    file.extend_from_slice(format!("xref\n{id} 1\n{at:010} 00000 n \n").as_bytes());
    file.extend_from_slice(
        format!("trailer\n<< /Size {size} /Root 1 0 R /Prev {prev} {extra_trailer} >>\nstartxref\n{xref_at}\n%%EOF\n")
            .as_bytes(),
    );
    file
}

/// A stream object's body.
pub fn stream(dict_extra: &str, data: &[u8]) -> Vec<u8> {
    let mut out = format!("<< /Length {} {dict_extra} >>\nstream\n", data.len()).into_bytes();
    out.extend_from_slice(data);
    out.extend_from_slice(b"\nendstream");
    out
}

/// The usual objects of a one-page PDF: catalog (1), pages (2), page (3), content (4),
/// font (5). `catalog_extra` and `page_extra` go into those dictionaries.
pub fn one_page_objects(catalog_extra: &str, page_extra: &str) -> Vec<Vec<u8>> {
    vec![
        format!("<< /Type /Catalog /Pages 2 0 R {catalog_extra} >>").into_bytes(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        format!("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> {page_extra} >>").into_bytes(),
        stream("", b"BT /F1 24 Tf 72 720 Td (Rx: amoxicillin 500 mg) Tj ET"),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec(),
    ]
}

/// A ZIP archive holding one stored file.
pub fn zip(name: &str, data: &[u8]) -> Vec<u8> {
    let crc = crc32fast::hash(data);
    let mut out = Vec::new();
    let local = |out: &mut Vec<u8>| {
        out.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        out.extend_from_slice(&crc.to_le_bytes());
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(&(name.len() as u16).to_le_bytes());
        out.extend_from_slice(&[0, 0]);
    };
    out.extend_from_slice(b"PK\x03\x04");
    local(&mut out);
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(data);
    let central_at = out.len();
    out.extend_from_slice(b"PK\x01\x02\x14\x00");
    local(&mut out);
    out.extend_from_slice(&[0; 14]);
    out.extend_from_slice(name.as_bytes());
    let central_len = out.len() - central_at;
    out.extend_from_slice(b"PK\x05\x06\0\0\0\0\x01\0\x01\0");
    out.extend_from_slice(&(central_len as u32).to_le_bytes());
    out.extend_from_slice(&(central_at as u32).to_le_bytes());
    out.extend_from_slice(&[0, 0]);
    out
}
