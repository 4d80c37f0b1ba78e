//! The wire protocol between the vault (parent) and the renderer (child): one fixed
//! 24-byte little-endian request header followed by the PDF, and one answer. The same
//! layout is written down in `docs/render.md` and encoded independently by the parent
//! (`clinic_vault_core::scans::render::protocol`); both sides test against fixed bytes.
//!
//! Request: `"CVR1"`, op (`1` count, `2` page), 3 zero bytes, page index `u32`, target
//! width in pixels `u32`, PDF length `u64`, then the PDF.
//! Answer to count: `"CVA1"`, `1`, 3 zero bytes, pages `u32` (12 bytes).
//! Answer to page: `"CVA1"`, `2`, 3 zero bytes, width `u32`, height `u32`, then
//! `width * height * 4` bytes of RGBA8 (straight alpha, rows top to bottom, opaque).

use std::io::{self, Read, Write};

use crate::Failure;

/// The request header's first four bytes.
pub const REQUEST_MAGIC: [u8; 4] = *b"CVR1";
/// The answer's first four bytes.
pub const ANSWER_MAGIC: [u8; 4] = *b"CVA1";
/// Length of the request header.
pub const REQUEST_HEADER_LEN: usize = 24;
/// Operation byte: count the pages.
pub const OP_COUNT: u8 = 1;
/// Operation byte: render one page.
pub const OP_PAGE: u8 = 2;
/// The widest page the renderer draws, in pixels (its rasteriser counts in `u16`).
pub const MAX_WIDTH_PX: u32 = 16_384;

/// What the parent asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// How many pages the document has.
    Count,
    /// One page, scaled to `width_px` pixels wide (height follows the page's shape).
    Page {
        /// The page, from 0.
        page: u32,
        /// Target width in pixels, 1 to [`MAX_WIDTH_PX`].
        width_px: u32,
    },
}

/// A request's header: the operation and how many PDF bytes follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// What to do.
    pub operation: Operation,
    /// Length of the PDF that follows the header.
    pub pdf_len: u64,
}

fn u32_at(bytes: &[u8; REQUEST_HEADER_LEN], at: usize) -> u32 {
    let mut word = [0u8; 4];
    word.copy_from_slice(&bytes[at..at + 4]);
    u32::from_le_bytes(word)
}

/// Parses a request header.
pub fn parse_header(bytes: &[u8; REQUEST_HEADER_LEN]) -> Result<Header, Failure> {
    if bytes[..4] != REQUEST_MAGIC {
        return Err(Failure::BadRequest { what: "magic" });
    }
    if bytes[5..8] != [0, 0, 0] {
        return Err(Failure::BadRequest { what: "reserved" });
    }
    let page = u32_at(bytes, 8);
    let width_px = u32_at(bytes, 12);
    let mut len = [0u8; 8];
    len.copy_from_slice(&bytes[16..24]);
    let pdf_len = u64::from_le_bytes(len);
    let operation = match bytes[4] {
        OP_COUNT => Operation::Count,
        OP_PAGE if (1..=MAX_WIDTH_PX).contains(&width_px) => Operation::Page { page, width_px },
        OP_PAGE => return Err(Failure::BadRequest { what: "width" }),
        _ => return Err(Failure::BadRequest { what: "operation" }),
    };
    Ok(Header { operation, pdf_len })
}

/// Reads one whole request: the header, then exactly the PDF it announces (into a
/// buffer reserved up front, so that a length over the memory limit fails cleanly).
pub fn read_request(input: &mut impl Read) -> Result<(Header, Vec<u8>), Failure> {
    let mut raw = [0u8; REQUEST_HEADER_LEN];
    input.read_exact(&mut raw).map_err(|_| Failure::Truncated)?;
    let header = parse_header(&raw)?;
    let len = usize::try_from(header.pdf_len).map_err(|_| Failure::TooLarge)?;
    let mut pdf = Vec::new();
    pdf.try_reserve_exact(len).map_err(|_| Failure::TooLarge)?;
    input
        .take(header.pdf_len)
        .read_to_end(&mut pdf)
        .map_err(|_| Failure::Truncated)?;
    if pdf.len() != len {
        return Err(Failure::Truncated);
    }
    Ok((header, pdf))
}

/// Writes the answer to a count.
pub fn write_count(out: &mut impl Write, n_pages: u32) -> io::Result<()> {
    let mut answer = [0u8; 12];
    answer[..4].copy_from_slice(&ANSWER_MAGIC);
    answer[4] = OP_COUNT;
    answer[8..].copy_from_slice(&n_pages.to_le_bytes());
    out.write_all(&answer)?;
    out.flush()
}

/// Writes the answer to a page: its size, then its RGBA8 pixels.
pub fn write_page(out: &mut impl Write, width: u32, height: u32, rgba: &[u8]) -> io::Result<()> {
    let mut head = [0u8; 16];
    head[..4].copy_from_slice(&ANSWER_MAGIC);
    head[4] = OP_PAGE;
    head[8..12].copy_from_slice(&width.to_le_bytes());
    head[12..16].copy_from_slice(&height.to_le_bytes());
    out.write_all(&head)?;
    out.write_all(rgba)?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_request_parses_from_its_fixed_bytes() -> Result<(), Failure> {
        let mut raw = [0u8; REQUEST_HEADER_LEN];
        raw[..4].copy_from_slice(b"CVR1");
        raw[4] = 2;
        raw[8..12].copy_from_slice(&3u32.to_le_bytes());
        raw[12..16].copy_from_slice(&256u32.to_le_bytes());
        raw[16..24].copy_from_slice(&1000u64.to_le_bytes());
        let header = parse_header(&raw)?;
        assert_eq!(
            header,
            Header {
                operation: Operation::Page {
                    page: 3,
                    width_px: 256
                },
                pdf_len: 1000
            }
        );
        Ok(())
    }

    #[test]
    fn a_header_with_another_magic_width_or_op_is_refused() {
        let mut raw = [0u8; REQUEST_HEADER_LEN];
        raw[..4].copy_from_slice(b"CVR2");
        raw[4] = 1;
        assert_eq!(
            parse_header(&raw),
            Err(Failure::BadRequest { what: "magic" })
        );
        raw[..4].copy_from_slice(b"CVR1");
        raw[4] = 9;
        assert_eq!(
            parse_header(&raw),
            Err(Failure::BadRequest { what: "operation" })
        );
        raw[4] = 2;
        assert_eq!(
            parse_header(&raw),
            Err(Failure::BadRequest { what: "width" })
        );
    }

    #[test]
    fn a_request_shorter_than_announced_is_truncated() {
        let mut raw = vec![0u8; REQUEST_HEADER_LEN];
        raw[..4].copy_from_slice(b"CVR1");
        raw[4] = 1;
        raw[16..24].copy_from_slice(&10u64.to_le_bytes());
        raw.extend_from_slice(b"%PDF");
        assert_eq!(
            read_request(&mut raw.as_slice()).map(|_| ()),
            Err(Failure::Truncated)
        );
    }

    #[test]
    fn a_count_answer_is_twelve_fixed_bytes() -> io::Result<()> {
        let mut out = Vec::new();
        write_count(&mut out, 20)?;
        assert_eq!(out, b"CVA1\x01\0\0\0\x14\0\0\0");
        Ok(())
    }
}
