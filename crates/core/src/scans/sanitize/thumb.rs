//! Thumbnails: decode a page within the limits, shrink it to fit 256 × 256, turn it
//! upright and encode it as a metadata-free baseline JPEG.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::error::{ImageError, LimitErrorKind};
use image::metadata::Orientation;
use image::{DynamicImage, ExtendedColorType, ImageFormat, ImageReader, Limits};

use super::{Refusal, ScanKind, ScanLimits, Thumbnail, THUMBNAIL_JPEG_QUALITY, THUMBNAIL_MAX_SIDE};

/// Slack on top of the decoded page for a decoder's own buffers.
const DECODER_SLACK_BYTES: u64 = 64 * 1024 * 1024;

/// Decodes a JPEG or PNG whose header said `width` × `height` (already checked against
/// the limits) and makes its thumbnail.
pub(super) fn from_encoded(
    kind: ScanKind,
    input: &[u8],
    width: u32,
    height: u32,
    orientation: u8,
    limits: &ScanLimits,
) -> Result<Thumbnail, Refusal> {
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
    from_image(kind, &image, orientation)
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
