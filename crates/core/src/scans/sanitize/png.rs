//! PNG: walk the chunks (CRCs checked), keep IHDR, PLTE, IDAT, IEND and the chunks that
//! say how to show the pixels, drop the rest, refuse APNG, read an eXIf orientation.

use std::ops::Range;

use super::body::{self, Body};
use super::{jpeg, sniff, thumb, Refusal, Removed, Sanitized, ScanKind, ScanLimits};

const KIND: ScanKind = ScanKind::Png;
const SIGNATURE_LEN: usize = 8;
/// Kept besides the critical chunks: colour space, transparency, background and the
/// physical pixel size (none of them identify anyone or anything).
const KEPT_ANCILLARY: &[&[u8; 4]] = &[
    b"tRNS", b"cHRM", b"gAMA", b"iCCP", b"sBIT", b"sRGB", b"cICP", b"mDCV", b"cLLI", b"bKGD",
    b"pHYs",
];

/// IHDR's fields that matter before decoding.
pub(super) struct Header {
    pub(super) width: u32,
    pub(super) height: u32,
    pub(super) bit_depth: u8,
    pub(super) color_type: u8,
}

pub(super) struct Walk {
    pub(super) kept: Vec<Range<usize>>,
    pub(super) removed: Removed,
    pub(super) header: Header,
    pub(super) orientation: u8,
    pub(super) trailing: Range<usize>,
}

pub(super) fn sanitize(input: &[u8], limits: &ScanLimits) -> Result<Sanitized, Refusal> {
    let walk = walk(input)?;
    let trailing = input.get(walk.trailing.clone()).unwrap_or(&[]);
    sniff::check_trailing(KIND, trailing)?;
    let Header { width, height, .. } = walk.header;
    limits.check_page(KIND, width, height)?;
    if decoded_bytes(&walk.header) > limits.max_decoded_page_bytes() {
        return Err(Refusal::DecodeLimit { kind: KIND });
    }
    let (thumbnail, screen) =
        thumb::from_encoded(KIND, input, width, height, walk.orientation, limits)?;
    let mut removed = walk.removed;
    if !trailing.is_empty() {
        removed.add("trailing_data");
    }
    Ok(Sanitized {
        kind: KIND,
        pages: 1,
        width,
        height,
        orientation: walk.orientation,
        removed: removed.0,
        thumbnail: Some(thumbnail),
        screen,
        body: Body::Ranges(body::merge(walk.kept)),
    })
}

/// What the decoder will allocate for the image: samples a pixel × bytes a sample
/// (sub-byte depths and palettes expand to 8 bits, palettes to RGBA at most).
fn decoded_bytes(header: &Header) -> u64 {
    let channels: u64 = match header.color_type {
        0 => 1,
        2 => 3,
        3 => 4,
        4 => 2,
        _ => 4,
    };
    let bytes_per_sample = if header.bit_depth == 16 { 2 } else { 1 };
    u64::from(header.width) * u64::from(header.height) * channels * bytes_per_sample
}

pub(super) fn walk(input: &[u8]) -> Result<Walk, Refusal> {
    let truncated = Refusal::Truncated { kind: KIND };
    // The signature first; then what is kept, in file order.
    let mut kept: Vec<Range<usize>> = Vec::new();
    kept.push(0..SIGNATURE_LEN);
    let mut removed = Removed::default();
    let mut header = None;
    let mut orientation = None;
    let mut seen_idat = false;
    let mut pos = SIGNATURE_LEN;
    loop {
        let length_bytes = input.get(pos..pos + 4).ok_or(truncated.clone())?;
        let length = u32::from_be_bytes([
            length_bytes[0],
            length_bytes[1],
            length_bytes[2],
            length_bytes[3],
        ]);
        if length > 0x7FFF_FFFF {
            return Err(malformed("chunk_length"));
        }
        let data_start = pos + 8;
        let data_end = data_start + usize::try_from(length).map_err(|_| truncated.clone())?;
        let chunk_end = data_end + 4;
        let chunk = input.get(pos..chunk_end).ok_or(truncated.clone())?;
        let chunk_type: [u8; 4] = [chunk[4], chunk[5], chunk[6], chunk[7]];
        let data = &chunk[8..chunk.len() - 4];
        let crc = &chunk[chunk.len() - 4..];
        if crc32fast::hash(&chunk[4..chunk.len() - 4]).to_be_bytes() != crc {
            return Err(malformed("chunk_crc"));
        }
        let range = pos..chunk_end;
        pos = chunk_end;
        if header.is_none() && &chunk_type != b"IHDR" {
            return Err(malformed("ihdr_not_first"));
        }
        match &chunk_type {
            b"IHDR" => {
                if header.is_some() {
                    return Err(malformed("second_ihdr"));
                }
                header = Some(parse_header(data)?);
                kept.push(range);
            }
            b"IEND" => {
                if !seen_idat {
                    return Err(malformed("no_idat"));
                }
                kept.push(range);
                let header = header.ok_or(malformed("no_ihdr"))?;
                return Ok(Walk {
                    kept,
                    removed,
                    header,
                    orientation: orientation.unwrap_or(1),
                    trailing: pos..input.len(),
                });
            }
            b"IDAT" => {
                seen_idat = true;
                kept.push(range);
            }
            b"PLTE" => kept.push(range),
            b"acTL" | b"fcTL" | b"fdAT" => return Err(Refusal::Animated),
            b"eXIf" => {
                if orientation.is_none() {
                    orientation = Some(jpeg::exif_orientation(data));
                }
                removed.add("exif");
            }
            b"iTXt" if data.starts_with(b"XML:com.adobe.xmp\0") => removed.add("xmp"),
            b"tEXt" | b"zTXt" | b"iTXt" => removed.add("text"),
            b"tIME" => removed.add("time"),
            other if KEPT_ANCILLARY.contains(&other) => kept.push(range),
            other if other[0].is_ascii_uppercase() => {
                // An unknown critical chunk: a decoder must not show the image.
                return Err(Refusal::Unsupported {
                    kind: KIND,
                    what: "critical_chunk",
                });
            }
            _ => removed.add("ancillary_chunk"),
        }
    }
}

fn parse_header(data: &[u8]) -> Result<Header, Refusal> {
    let &[w0, w1, w2, w3, h0, h1, h2, h3, bit_depth, color_type, compression, filter, interlace] =
        data
    else {
        return Err(malformed("ihdr_length"));
    };
    let valid_depth = match color_type {
        0 => matches!(bit_depth, 1 | 2 | 4 | 8 | 16),
        3 => matches!(bit_depth, 1 | 2 | 4 | 8),
        2 | 4 | 6 => matches!(bit_depth, 8 | 16),
        _ => false,
    };
    if !valid_depth || compression != 0 || filter != 0 || interlace > 1 {
        return Err(malformed("ihdr_fields"));
    }
    let width = u32::from_be_bytes([w0, w1, w2, w3]);
    let height = u32::from_be_bytes([h0, h1, h2, h3]);
    if width > 0x7FFF_FFFF || height > 0x7FFF_FFFF {
        return Err(malformed("ihdr_dimensions"));
    }
    Ok(Header {
        width,
        height,
        bit_depth,
        color_type,
    })
}

fn malformed(what: &'static str) -> Refusal {
    Refusal::Malformed { kind: KIND, what }
}
