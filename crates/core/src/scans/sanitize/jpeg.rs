//! JPEG: walk the markers, keep what display needs (frame, tables, scans, JFIF without a
//! thumbnail, ICC, Adobe), drop the rest, read the EXIF orientation before dropping it.

use std::ops::Range;

use image::metadata::Orientation;

use super::body::{self, Body};
use super::{sniff, thumb, Refusal, Removed, Sanitized, ScanKind, ScanLimits};

const KIND: ScanKind = ScanKind::Jpeg;

/// The frame header: what the decoder will be asked to produce.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Frame {
    pub(super) width: u32,
    pub(super) height: u32,
    pub(super) components: u8,
    pub(super) precision: u8,
}

/// The result of walking the markers.
pub(super) struct Walk {
    pub(super) kept: Vec<Range<usize>>,
    pub(super) removed: Removed,
    pub(super) frame: Frame,
    pub(super) orientation: u8,
    /// Everything after EOI.
    pub(super) trailing: Range<usize>,
}

pub(super) fn sanitize(input: &[u8], limits: &ScanLimits) -> Result<Sanitized, Refusal> {
    let walk = walk(input)?;
    let trailing = input.get(walk.trailing.clone()).unwrap_or(&[]);
    sniff::check_trailing(KIND, trailing)?;
    let Frame { width, height, .. } = walk.frame;
    limits.check_page(KIND, width, height)?;
    let bytes_per_sample = if walk.frame.precision > 8 { 2 } else { 1 };
    let decoded =
        u64::from(width) * u64::from(height) * u64::from(walk.frame.components) * bytes_per_sample;
    if decoded > limits.max_decoded_page_bytes() {
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

/// Walks every marker from SOI to EOI. Kept segments are whole (marker, length, payload);
/// a scan is kept with its entropy-coded data up to the next marker.
pub(super) fn walk(input: &[u8]) -> Result<Walk, Refusal> {
    let truncated = Refusal::Truncated { kind: KIND };
    // The signature first; then what is kept, in file order.
    let mut kept: Vec<Range<usize>> = Vec::new();
    kept.push(0..2);
    let mut removed = Removed::default();
    let mut frame: Option<Frame> = None;
    let mut orientation = None;
    let mut n_scans = 0usize;
    let mut pos = 2usize;
    loop {
        // Each marker is 0xFF, optional 0xFF fill bytes, then the marker code.
        if *input.get(pos).ok_or(truncated.clone())? != 0xFF {
            return Err(malformed("bad_marker"));
        }
        let start = pos;
        while input.get(pos) == Some(&0xFF) {
            pos += 1;
        }
        let marker = *input.get(pos).ok_or(truncated.clone())?;
        pos += 1;
        match marker {
            0xD9 => {
                if frame.is_none() || n_scans == 0 {
                    return Err(malformed("no_image_data"));
                }
                kept.push(start..pos);
                let frame = frame.ok_or(malformed("no_frame"))?;
                return Ok(Walk {
                    kept,
                    removed,
                    frame,
                    orientation: orientation.unwrap_or(1),
                    trailing: pos..input.len(),
                });
            }
            0xD8 => return Err(malformed("second_soi")),
            0x00 => return Err(malformed("bad_marker")),
            0x01 | 0xD0..=0xD7 => {
                // Standalone markers outside a scan carry nothing; drop them.
                continue;
            }
            _ => {}
        }
        let len_bytes = input.get(pos..pos + 2).ok_or(truncated.clone())?;
        let len = usize::from(u16::from_be_bytes([len_bytes[0], len_bytes[1]]));
        if len < 2 {
            return Err(malformed("segment_length"));
        }
        let end = pos + len;
        let payload = input.get(pos + 2..end).ok_or(truncated.clone())?;
        let segment = start..end;
        pos = end;
        match marker {
            0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF => {
                if frame.is_some() {
                    return Err(Refusal::Unsupported {
                        kind: KIND,
                        what: "second_frame",
                    });
                }
                if matches!(marker, 0xC3 | 0xC7 | 0xCB | 0xCF) {
                    return Err(Refusal::Unsupported {
                        kind: KIND,
                        what: "lossless",
                    });
                }
                frame = Some(parse_frame(payload)?);
                kept.push(segment);
            }
            0xC4 | 0xCC | 0xDB | 0xDD => kept.push(segment),
            0xDA => {
                if frame.is_none() {
                    return Err(malformed("scan_before_frame"));
                }
                n_scans += 1;
                pos = skip_entropy_coded(input, pos)?;
                kept.push(start..pos);
            }
            0xDC => kept.push(segment),
            0xDE | 0xDF => {
                return Err(Refusal::Unsupported {
                    kind: KIND,
                    what: "hierarchical",
                })
            }
            0xE0 => {
                if payload.starts_with(b"JFIF\0") && jfif_has_no_thumbnail(payload) {
                    kept.push(segment);
                } else if payload.starts_with(b"JFIF\0") || payload.starts_with(b"JFXX\0") {
                    removed.add("jfif_thumbnail");
                } else {
                    removed.add("app_segment");
                }
            }
            0xE1 => {
                if let Some(tiff) = payload.strip_prefix(b"Exif\0\0") {
                    if orientation.is_none() {
                        orientation = Some(exif_orientation(tiff));
                    }
                    removed.add("exif");
                } else if payload.starts_with(b"http://ns.adobe.com/xap/1.0/")
                    || payload.starts_with(b"http://ns.adobe.com/xmp/extension/")
                {
                    removed.add("xmp");
                } else {
                    removed.add("app_segment");
                }
            }
            0xE2 => {
                if payload.starts_with(b"ICC_PROFILE\0") {
                    kept.push(segment);
                } else if payload.starts_with(b"MPF\0") {
                    removed.add("mpf");
                } else {
                    removed.add("app_segment");
                }
            }
            0xED => removed.add("iptc"),
            0xEE if payload.starts_with(b"Adobe") => kept.push(segment),
            0xE3..=0xEF => removed.add("app_segment"),
            0xFE => removed.add("comment"),
            0xF7 | 0xF8 => {
                return Err(Refusal::Unsupported {
                    kind: KIND,
                    what: "jpeg_ls",
                })
            }
            _ => return Err(malformed("unknown_marker")),
        }
    }
}

/// The offset of the marker that ends a scan's entropy-coded data: a 0xFF followed by
/// anything but a stuffed zero, a fill byte or a restart marker.
fn skip_entropy_coded(input: &[u8], from: usize) -> Result<usize, Refusal> {
    let mut pos = from;
    loop {
        let rest = input.get(pos..).unwrap_or(&[]);
        let Some(ff) = memchr::memchr(0xFF, rest) else {
            return Err(Refusal::Truncated { kind: KIND });
        };
        let at = pos + ff;
        match input.get(at + 1) {
            None => return Err(Refusal::Truncated { kind: KIND }),
            Some(0x00) | Some(0xD0..=0xD7) => pos = at + 2,
            Some(0xFF) => {
                // Fill bytes before a marker: the marker starts at the first 0xFF.
                let mut next = at + 1;
                while input.get(next) == Some(&0xFF) {
                    next += 1;
                }
                match input.get(next) {
                    None => return Err(Refusal::Truncated { kind: KIND }),
                    Some(0x00) | Some(0xD0..=0xD7) => pos = next + 1,
                    Some(_) => return Ok(at),
                }
            }
            Some(_) => return Ok(at),
        }
    }
}

fn parse_frame(payload: &[u8]) -> Result<Frame, Refusal> {
    let header = payload.get(..6).ok_or(malformed("frame_header"))?;
    let precision = header[0];
    let height = u32::from(u16::from_be_bytes([header[1], header[2]]));
    let width = u32::from(u16::from_be_bytes([header[3], header[4]]));
    let components = header[5];
    if !matches!(components, 1 | 3 | 4) || payload.len() != 6 + 3 * usize::from(components) {
        return Err(malformed("frame_components"));
    }
    if height == 0 {
        // The height would come from a DNL marker after the first scan; no decoder
        // here supports that, and the size could not be checked before decoding.
        return Err(Refusal::Unsupported {
            kind: KIND,
            what: "height_in_dnl",
        });
    }
    Ok(Frame {
        width,
        height,
        components,
        precision,
    })
}

/// A JFIF APP0 segment without an embedded thumbnail (`Xthumbnail` × `Ythumbnail` = 0).
fn jfif_has_no_thumbnail(payload: &[u8]) -> bool {
    matches!(payload.get(12..14), Some(&[0, _]) | Some(&[_, 0])) && payload.len() == 14
}

/// The orientation tag of an EXIF block (its TIFF header onwards), 1 when absent.
pub(super) fn exif_orientation(tiff: &[u8]) -> u8 {
    Orientation::from_exif_chunk(tiff).map_or(1, Orientation::to_exif)
}

fn malformed(what: &'static str) -> Refusal {
    Refusal::Malformed { kind: KIND, what }
}
