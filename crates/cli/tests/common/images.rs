//! Test images built byte by byte, so that a test knows exactly which metadata a file
//! carries: a PNG (stored deflate, no compressor needed) with a comment, an EXIF chunk
//! (orientation and a GPS-looking marker) and an XMP packet.

/// Text that stands for metadata (a GPS position, a serial number) in the test files:
/// no stored byte may contain it after an import.
pub const METADATA_MARKER: &[u8] = b"GPS-52.5200N-13.4050E-SERIAL-CV0042";

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn adler32(bytes: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &x in bytes {
        a = (a + u32::from(x)) % 65_521;
        b = (b + a) % 65_521;
    }
    (b << 16) | a
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let mut body = kind.to_vec();
    body.extend_from_slice(data);
    out.extend_from_slice(&body);
    out.extend_from_slice(&crc32(&body).to_be_bytes());
}

/// zlib with stored (uncompressed) deflate blocks.
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    let mut blocks = data.chunks(65_535).peekable();
    if blocks.peek().is_none() {
        out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    }
    while let Some(block) = blocks.next() {
        out.push(u8::from(blocks.peek().is_none()));
        let len = block.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(block);
    }
    out.extend_from_slice(&adler32(data).to_be_bytes());
    out
}

/// A big-endian TIFF/EXIF structure with an orientation tag and the marker as the
/// image description.
pub fn exif_tiff(orientation: u16) -> Vec<u8> {
    let desc_offset = 8 + 2 + 2 * 12 + 4;
    let mut t = b"MM\0*".to_vec();
    t.extend_from_slice(&8u32.to_be_bytes());
    t.extend_from_slice(&2u16.to_be_bytes());
    // ImageDescription (0x010e), ASCII, pointing after the IFD.
    t.extend_from_slice(&0x010eu16.to_be_bytes());
    t.extend_from_slice(&2u16.to_be_bytes());
    t.extend_from_slice(&(METADATA_MARKER.len() as u32 + 1).to_be_bytes());
    t.extend_from_slice(&(desc_offset as u32).to_be_bytes());
    // Orientation (0x0112), SHORT, 1 value.
    t.extend_from_slice(&0x0112u16.to_be_bytes());
    t.extend_from_slice(&3u16.to_be_bytes());
    t.extend_from_slice(&1u32.to_be_bytes());
    t.extend_from_slice(&orientation.to_be_bytes());
    t.extend_from_slice(&[0, 0]);
    t.extend_from_slice(&0u32.to_be_bytes());
    t.extend_from_slice(METADATA_MARKER);
    t.push(0);
    t
}

/// The pixels of [`png_with_metadata`]: `width × height` RGB, a pattern seeded by `seed`.
pub fn pixels(width: u32, height: u32, seed: u8) -> Vec<u8> {
    let mut px = Vec::with_capacity((width * height * 3) as usize);
    for y in 0..height {
        for x in 0..width {
            px.extend_from_slice(&[
                (x as u8).wrapping_mul(7).wrapping_add(seed),
                (y as u8).wrapping_mul(13),
                ((x ^ y) as u8).wrapping_add(seed.wrapping_mul(3)),
            ]);
        }
    }
    px
}

/// An RGB PNG carrying a `tEXt` comment, an `eXIf` chunk (orientation 6, the marker)
/// and an `iTXt` XMP packet, each holding [`METADATA_MARKER`].
pub fn png_with_metadata(width: u32, height: u32, seed: u8) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    let mut text = b"Comment\0".to_vec();
    text.extend_from_slice(METADATA_MARKER);
    chunk(&mut out, b"tEXt", &text);
    chunk(&mut out, b"eXIf", &exif_tiff(6));
    let mut xmp = b"XML:com.adobe.xmp\0\0\0\0\0<x:xmpmeta><rdf:Description>".to_vec();
    xmp.extend_from_slice(METADATA_MARKER);
    xmp.extend_from_slice(b"</rdf:Description></x:xmpmeta>");
    chunk(&mut out, b"iTXt", &xmp);
    let px = pixels(width, height, seed);
    let mut raw = Vec::with_capacity(px.len() + height as usize);
    for row in px.chunks((width * 3) as usize) {
        raw.push(0);
        raw.extend_from_slice(row);
    }
    chunk(&mut out, b"IDAT", &zlib_stored(&raw));
    chunk(&mut out, b"IEND", &[]);
    out
}

/// Whether `needle` occurs in `haystack`.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}
