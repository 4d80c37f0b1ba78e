//! The parent's half of the renderer's wire protocol (the child's half is
//! `clinic_vault_render::protocol`; `docs/render.md` is the reference both follow):
//! a 24-byte little-endian request header, and the answers to a count and to a page.

use zeroize::Zeroizing;

use super::{RenderError, RenderedPage};

const REQUEST_MAGIC: &[u8; 4] = b"CVR1";
const ANSWER_MAGIC: &[u8; 4] = b"CVA1";
const OP_COUNT: u8 = 1;
const OP_PAGE: u8 = 2;
/// Length of a request header.
pub(super) const REQUEST_HEADER_LEN: usize = 24;
/// Length of a page answer's header (before its pixels).
const PAGE_HEADER_LEN: usize = 16;

fn request(op: u8, page: u32, width_px: u32, pdf_len: usize) -> [u8; REQUEST_HEADER_LEN] {
    let mut header = [0u8; REQUEST_HEADER_LEN];
    header[..4].copy_from_slice(REQUEST_MAGIC);
    header[4] = op;
    header[8..12].copy_from_slice(&page.to_le_bytes());
    header[12..16].copy_from_slice(&width_px.to_le_bytes());
    header[16..24].copy_from_slice(&(pdf_len as u64).to_le_bytes());
    header
}

/// The header of a count request for a PDF of `pdf_len` bytes.
pub(super) fn count_request(pdf_len: usize) -> [u8; REQUEST_HEADER_LEN] {
    request(OP_COUNT, 0, 0, pdf_len)
}

/// The header of a page request.
pub(super) fn page_request(page: u32, width_px: u32, pdf_len: usize) -> [u8; REQUEST_HEADER_LEN] {
    request(OP_PAGE, page, width_px, pdf_len)
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    let word: [u8; 4] = bytes.get(at..at + 4)?.try_into().ok()?;
    Some(u32::from_le_bytes(word))
}

fn check_head(answer: &[u8], op: u8) -> Result<(), RenderError> {
    if answer.get(..4) != Some(ANSWER_MAGIC.as_slice()) {
        return Err(RenderError::Malformed { what: "magic" });
    }
    if answer.get(4..8) != Some([op, 0, 0, 0].as_slice()) {
        return Err(RenderError::Malformed { what: "kind" });
    }
    Ok(())
}

/// The whole answer's length, once its header is in: lets the reader reserve the page
/// at once instead of growing (and copying) a buffer of patient pixels.
pub(super) fn answer_len_hint(head: &[u8]) -> Option<u64> {
    if head.get(..8) != Some(b"CVA1\x02\0\0\0".as_slice()) {
        return None;
    }
    let (w, h) = (u32_at(head, 8)?, u32_at(head, 12)?);
    Some(u64::from(w) * u64::from(h) * 4 + PAGE_HEADER_LEN as u64)
}

/// The page count in a count answer (exactly 12 bytes).
pub(super) fn parse_count(answer: &[u8]) -> Result<u32, RenderError> {
    check_head(answer, OP_COUNT)?;
    if answer.len() != 12 {
        return Err(RenderError::Malformed { what: "length" });
    }
    u32_at(answer, 8).ok_or(RenderError::Malformed { what: "length" })
}

/// The page in a page answer: its width must be the one asked, and its pixels exactly
/// `width * height * 4` bytes.
pub(super) fn parse_page(
    mut answer: Zeroizing<Vec<u8>>,
    width_px: u32,
) -> Result<RenderedPage, RenderError> {
    check_head(&answer, OP_PAGE)?;
    let (width, height) = match (u32_at(&answer, 8), u32_at(&answer, 12)) {
        (Some(w), Some(h)) => (w, h),
        _ => return Err(RenderError::Malformed { what: "length" }),
    };
    if width != width_px || height == 0 {
        return Err(RenderError::Malformed { what: "size" });
    }
    let expected = u64::from(width) * u64::from(height) * 4 + PAGE_HEADER_LEN as u64;
    if answer.len() as u64 != expected {
        return Err(RenderError::Malformed { what: "length" });
    }
    // The pixels move down in place (no second copy of the page to wipe).
    answer.drain(..PAGE_HEADER_LEN);
    Ok(RenderedPage {
        width,
        height,
        rgba: answer,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_request_is_the_documented_bytes() {
        let header = page_request(3, 256, 1000);
        assert_eq!(
            header.as_slice(),
            b"CVR1\x02\0\0\0\x03\0\0\0\x00\x01\0\0\xe8\x03\0\0\0\0\0\0"
        );
        assert_eq!(&count_request(7)[..5], b"CVR1\x01");
    }

    #[test]
    fn a_page_answer_with_the_wrong_length_or_width_is_malformed() {
        let mut answer = b"CVA1\x02\0\0\0\x02\0\0\0\x01\0\0\0".to_vec();
        answer.extend_from_slice(&[255; 8]);
        let page = parse_page(Zeroizing::new(answer.clone()), 2);
        assert!(
            matches!(page, Ok(RenderedPage { width: 2, height: 1, ref rgba }) if rgba.len() == 8)
        );
        assert_eq!(
            parse_page(Zeroizing::new(answer.clone()), 3).map(|_| ()),
            Err(RenderError::Malformed { what: "size" })
        );
        answer.pop();
        assert_eq!(
            parse_page(Zeroizing::new(answer), 2).map(|_| ()),
            Err(RenderError::Malformed { what: "length" })
        );
    }

    #[test]
    fn a_count_answer_is_read_and_garbage_is_malformed() {
        assert_eq!(parse_count(b"CVA1\x01\0\0\0\x14\0\0\0"), Ok(20));
        assert_eq!(
            parse_count(b"hello world!"),
            Err(RenderError::Malformed { what: "magic" })
        );
        assert_eq!(
            parse_count(b"CVA1\x02\0\0\0\x14\0\0\0"),
            Err(RenderError::Malformed { what: "kind" })
        );
    }
}
