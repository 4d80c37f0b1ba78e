//! A PDF's thumbnail from its rendered first page, made as an image scan's is: shrunk
//! to fit 256 × 256 and encoded as a metadata-free baseline JPEG at the same quality.
//! Every pixel buffer on the way is wiped when dropped.

use image::codecs::jpeg::JpegEncoder;
use image::{imageops, ExtendedColorType, RgbImage};
use zeroize::Zeroizing;

use super::{RenderError, RenderedPage};
use crate::scans::sanitize::{Thumbnail, THUMBNAIL_JPEG_QUALITY, THUMBNAIL_MAX_SIDE};
use crate::scans::ScanKind;

/// The width the first page is drawn at: a portrait page is then shrunk to fit.
pub(super) const RENDER_WIDTH_PX: u32 = THUMBNAIL_MAX_SIDE;

/// The size that fits `width` × `height` into the thumbnail's square, shape kept.
fn fitted(width: u32, height: u32) -> (u32, u32) {
    let longest = width.max(height);
    if longest <= THUMBNAIL_MAX_SIDE {
        return (width, height);
    }
    let scale = |side: u32| {
        ((u64::from(side) * u64::from(THUMBNAIL_MAX_SIDE) + u64::from(longest) / 2)
            / u64::from(longest))
        .max(1) as u32
    };
    (scale(width), scale(height))
}

/// The JPEG thumbnail of a rendered page.
pub(super) fn encode(page: &RenderedPage) -> Result<Thumbnail, RenderError> {
    let rgb: Vec<u8> = page
        .rgba
        .chunks_exact(4)
        .flat_map(|px| [px[0], px[1], px[2]])
        .collect();
    let full = RgbImage::from_raw(page.width, page.height, rgb)
        .ok_or(RenderError::Malformed { what: "size" })?;
    let (width, height) = fitted(page.width, page.height);
    let (full, small) = if (width, height) == (page.width, page.height) {
        (Zeroizing::new(full.into_raw()), None)
    } else {
        let small = imageops::thumbnail(&full, width, height);
        (Zeroizing::new(full.into_raw()), Some(small))
    };
    let pixels = match small {
        Some(small) => Zeroizing::new(small.into_raw()),
        None => full,
    };
    let mut bytes = Vec::new();
    JpegEncoder::new_with_quality(&mut bytes, THUMBNAIL_JPEG_QUALITY)
        .encode(&pixels, width, height, ExtendedColorType::Rgb8)
        .map_err(|_| RenderError::Malformed {
            what: "thumbnail_encode",
        })?;
    Ok(Thumbnail {
        kind: ScanKind::Jpeg,
        width,
        height,
        bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_a4_render_fits_the_square_upright() {
        assert_eq!(fitted(256, 362), (181, 256));
        assert_eq!(fitted(256, 181), (256, 181));
        assert_eq!(fitted(256, 100_000), (1, 256));
    }
}
