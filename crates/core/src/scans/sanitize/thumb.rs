//! Thumbnails: decode a page within the limits, shrink it to fit 256 × 256, turn it
//! upright and encode it as a metadata-free baseline JPEG. A JPEG or PNG larger than
//! [`SCREEN_MAX_SIDE`] also gets its screen rendition, the viewer's first image: the
//! page halved (2 × 2 averages) until it fits, encoded as baseline JPEG, not turned.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::error::{ImageError, LimitErrorKind};
use image::metadata::Orientation;
use image::{DynamicImage, ExtendedColorType, ImageFormat, ImageReader, Limits};

use super::{
    Refusal, ScanKind, ScanLimits, Thumbnail, SCREEN_JPEG_QUALITY, SCREEN_MAX_SIDE,
    THUMBNAIL_JPEG_QUALITY, THUMBNAIL_MAX_SIDE,
};

/// Slack on top of the decoded page for a decoder's own buffers.
const DECODER_SLACK_BYTES: u64 = 64 * 1024 * 1024;

/// Decodes a JPEG or PNG whose header said `width` × `height` (already checked against
/// the limits) and makes its thumbnail, and its screen rendition when it is larger than
/// a screen (the thumbnail is then made from the rendition: the same picture, for a
/// quarter of the resizing).
pub(super) fn from_encoded(
    kind: ScanKind,
    input: &[u8],
    width: u32,
    height: u32,
    orientation: u8,
    limits: &ScanLimits,
) -> Result<(Thumbnail, Option<Thumbnail>), Refusal> {
    let format = match kind {
        ScanKind::Jpeg => ImageFormat::Jpeg,
        ScanKind::Png => ImageFormat::Png,
        ScanKind::Tiff | ScanKind::Pdf => {
            return Err(Refusal::Unsupported {
                kind,
                what: "thumbnail_format",
            })
        }
    };
    let mut decode_limits = Limits::default();
    decode_limits.max_image_width = Some(limits.max_side_px);
    decode_limits.max_image_height = Some(limits.max_side_px);
    decode_limits.max_alloc = Some(
        limits
            .max_decoded_page_bytes()
            .saturating_add(DECODER_SLACK_BYTES),
    );
    let mut reader = ImageReader::with_format(Cursor::new(input), format);
    reader.limits(decode_limits);
    let image = reader.decode().map_err(|e| decode_refusal(kind, &e))?;
    if image.width() != width || image.height() != height {
        return Err(Refusal::Malformed {
            kind,
            what: "dimensions_mismatch",
        });
    }
    if matches!(
        image,
        DynamicImage::ImageRgb8(_) | DynamicImage::ImageLuma8(_)
    ) && image.width().max(image.height()) > SCREEN_MAX_SIDE
    {
        let (halved, rendition) = screen(kind, image)?;
        return Ok((from_image(kind, &halved, orientation)?, Some(rendition)));
    }
    Ok((from_image(kind, &image, orientation)?, None))
}

/// The screen rendition of a decoded 8-bit grey or RGB page larger than
/// [`SCREEN_MAX_SIDE`]: the page halved in place (no second page-sized buffer, so the
/// import's memory budget holds for the largest page) until it fits, and its JPEG. Pages
/// of other layouts (RGBA, 16-bit) get none and open with the page itself.
fn screen(kind: ScanKind, image: DynamicImage) -> Result<(DynamicImage, Thumbnail), Refusal> {
    let encode_error = Refusal::Malformed {
        kind,
        what: "thumbnail_encode",
    };
    let grey = matches!(image, DynamicImage::ImageLuma8(_));
    let channels = if grey { 1 } else { 3 };
    let (mut w, mut h) = (image.width() as usize, image.height() as usize);
    let mut pixels = image.into_bytes();
    while w.max(h) > SCREEN_MAX_SIDE as usize {
        (w, h) = halve_in_place(&mut pixels, w, h, channels);
    }
    pixels.truncate(w * h * channels);
    let (w16, h16) = match (u16::try_from(w), u16::try_from(h)) {
        (Ok(w), Ok(h)) => (w, h),
        _ => return Err(encode_error),
    };
    let color = if grey {
        jpeg_encoder::ColorType::Luma
    } else {
        jpeg_encoder::ColorType::Rgb
    };
    let mut bytes = Vec::new();
    if jpeg_encoder::Encoder::new(&mut bytes, SCREEN_JPEG_QUALITY)
        .encode(&pixels, w16, h16, color)
        .is_err()
    {
        return Err(encode_error);
    }
    let (w32, h32) = (u32::from(w16), u32::from(h16));
    let halved = if grey {
        image::GrayImage::from_raw(w32, h32, pixels).map(DynamicImage::ImageLuma8)
    } else {
        image::RgbImage::from_raw(w32, h32, pixels).map(DynamicImage::ImageRgb8)
    }
    .ok_or(encode_error)?;
    let rendition = Thumbnail {
        kind: ScanKind::Jpeg,
        width: w32,
        height: h32,
        bytes,
    };
    Ok((halved, rendition))
}

/// Halves a `w` × `h` page of `channels`-byte pixels in place: each new pixel, written
/// at the front of `buf`, is the rounded mean of a 2 × 2 block (an odd last row or
/// column is dropped). A new pixel never lies past the block it is read from, so no
/// pixel is overwritten before it is read. The new width and height.
fn halve_in_place(buf: &mut [u8], w: usize, h: usize, channels: usize) -> (usize, usize) {
    let (tw, th) = ((w / 2).max(1), (h / 2).max(1));
    let row = w * channels;
    for y in 0..th {
        let (r0, r1) = ((2 * y).min(h - 1) * row, (2 * y + 1).min(h - 1) * row);
        for x in 0..tw {
            let x0 = (2 * x).min(w - 1) * channels;
            let x1 = (2 * x + 1).min(w - 1) * channels;
            let to = (y * tw + x) * channels;
            for k in 0..channels {
                let sum = u16::from(buf[r0 + x0 + k])
                    + u16::from(buf[r0 + x1 + k])
                    + u16::from(buf[r1 + x0 + k])
                    + u16::from(buf[r1 + x1 + k]);
                buf[to + k] = ((sum + 2) / 4) as u8;
            }
        }
    }
    (tw, th)
}

/// The thumbnail of a decoded page.
pub(super) fn from_image(
    kind: ScanKind,
    image: &DynamicImage,
    orientation: u8,
) -> Result<Thumbnail, Refusal> {
    let mut small = if image.width() <= THUMBNAIL_MAX_SIDE && image.height() <= THUMBNAIL_MAX_SIDE {
        image.clone()
    } else {
        image.thumbnail(THUMBNAIL_MAX_SIDE, THUMBNAIL_MAX_SIDE)
    };
    if let Some(orientation) = Orientation::from_exif(orientation) {
        small.apply_orientation(orientation);
    }
    let grey = !image.color().has_color();
    let (pixels, color) = if grey {
        (small.to_luma8().into_raw(), ExtendedColorType::L8)
    } else {
        (small.to_rgb8().into_raw(), ExtendedColorType::Rgb8)
    };
    let mut bytes = Vec::new();
    JpegEncoder::new_with_quality(&mut bytes, THUMBNAIL_JPEG_QUALITY)
        .encode(&pixels, small.width(), small.height(), color)
        .map_err(|_| Refusal::Malformed {
            kind,
            what: "thumbnail_encode",
        })?;
    Ok(Thumbnail {
        kind: ScanKind::Jpeg,
        width: small.width(),
        height: small.height(),
        bytes,
    })
}

fn decode_refusal(kind: ScanKind, error: &ImageError) -> Refusal {
    match error {
        ImageError::Limits(limit) => match limit.kind() {
            LimitErrorKind::DimensionError => Refusal::Malformed {
                kind,
                what: "dimensions_mismatch",
            },
            _ => Refusal::DecodeLimit { kind },
        },
        ImageError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            Refusal::Truncated { kind }
        }
        ImageError::Unsupported(_) => Refusal::Unsupported {
            kind,
            what: "decoder",
        },
        _ => Refusal::Malformed {
            kind,
            what: "decode",
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halving_in_place_averages_each_two_by_two_block() {
        // 4 × 2 grey: blocks (0, 10, 20, 30) and (100, 101, 102, 103).
        let mut grey = vec![0, 10, 100, 101, 20, 30, 102, 103];
        assert_eq!(halve_in_place(&mut grey, 4, 2, 1), (2, 1));
        assert_eq!(grey[..2], [15, 102]);
        // RGB keeps its channels apart.
        let mut rgb = vec![255, 0, 0, 255, 0, 0, 0, 0, 255, 0, 0, 255];
        assert_eq!(halve_in_place(&mut rgb, 2, 2, 3), (1, 1));
        assert_eq!(rgb[..3], [128, 0, 128]);
        // In place it gives what a separate buffer would, on a page with no pattern.
        let (w, h) = (37, 23);
        let page: Vec<u8> = (0..w * h * 3).map(|i| (i * 7919 % 251) as u8).collect();
        let mut expected = Vec::new();
        for y in 0..h / 2 {
            for x in 0..w / 2 {
                for k in 0..3 {
                    let at = |xx: usize, yy: usize| u16::from(page[(yy * w + xx) * 3 + k]);
                    let sum = at(2 * x, 2 * y)
                        + at(2 * x + 1, 2 * y)
                        + at(2 * x, 2 * y + 1)
                        + at(2 * x + 1, 2 * y + 1);
                    expected.push(((sum + 2) / 4) as u8);
                }
            }
        }
        let mut buf = page.clone();
        assert_eq!(halve_in_place(&mut buf, w, h, 3), (18, 11));
        assert_eq!(buf[..expected.len()], expected[..]);
    }

    #[test]
    fn a_page_larger_than_a_screen_gets_a_rendition_that_fits_and_keeps_its_shape() {
        let image = DynamicImage::ImageRgb8(image::RgbImage::from_fn(4100, 3000, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 7])
        }));
        let (halved, rendition) = screen(ScanKind::Jpeg, image).expect("a rendition");
        assert_eq!((rendition.width, rendition.height), (1025, 750));
        assert_eq!((halved.width(), halved.height()), (1025, 750));
        let decoded = image::load_from_memory(&rendition.bytes).expect("a JPEG");
        assert_eq!((decoded.width(), decoded.height()), (1025, 750));
        let pixel = decoded.to_rgb8().get_pixel(10, 10).0;
        // Halved twice: the 4 × 4 block at (40..44, 40..44) averages to (41.5, 41.5, 7),
        // and the JPEG is close to it.
        assert!(
            pixel
                .iter()
                .zip([42u8, 42, 7])
                .all(|(a, b)| a.abs_diff(b) <= 6),
            "{pixel:?}"
        );
    }
}
