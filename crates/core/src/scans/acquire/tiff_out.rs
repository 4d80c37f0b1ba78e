//! Scanned pages as one multi-page TIFF, losslessly (Deflate), with the resolution the
//! scanner used, so the page prints at its size. The importer then checks and re-encodes
//! it like any other TIFF.

use std::io::Cursor;

use tiff::encoder::colortype;
use tiff::encoder::compression::DeflateLevel;
use tiff::encoder::{Compression, Rational, TiffEncoder};
use tiff::tags::ResolutionUnit;
use zeroize::Zeroizing;

use super::{AcquireError, RawPage};

fn encode_failed(_: tiff::TiffError) -> AcquireError {
    AcquireError::BadImage {
        reason: "tiff_encode",
    }
}

/// The pages, in order, as one TIFF at `dpi`. Every page must have the same number of
/// channels (a scan is scanned in one mode).
pub fn pages_to_tiff(pages: &[RawPage], dpi: u32) -> Result<Zeroizing<Vec<u8>>, AcquireError> {
    let channels = pages.first().map_or(1, |p| p.channels);
    if pages.iter().any(|p| p.channels != channels) {
        return Err(AcquireError::MixedPages);
    }
    let raw: usize = pages.iter().map(|p| p.pixels.len()).sum();
    // Deflate of a scan is smaller than its samples; room for them plus the tags means
    // the buffer never moves (a moved buffer would leave pixels behind unzeroized).
    let mut out = Zeroizing::new(Vec::with_capacity(
        raw + raw / 100 + 4096 * (pages.len() + 1),
    ));
    {
        let mut encoder = TiffEncoder::new(Cursor::new(&mut *out))
            .map_err(encode_failed)?
            .with_compression(Compression::Deflate(DeflateLevel::Fast));
        let res = Rational { n: dpi, d: 1 };
        for page in pages {
            let (w, h) = (page.width, page.height);
            match page.channels {
                3 => {
                    let mut image = encoder
                        .new_image::<colortype::RGB8>(w, h)
                        .map_err(encode_failed)?;
                    image.resolution(ResolutionUnit::Inch, res.clone());
                    image.write_data(&page.pixels).map_err(encode_failed)?;
                }
                _ => {
                    let mut image = encoder
                        .new_image::<colortype::Gray8>(w, h)
                        .map_err(encode_failed)?;
                    image.resolution(ResolutionUnit::Inch, res.clone());
                    image.write_data(&page.pixels).map_err(encode_failed)?;
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scans::sanitize::{sanitize, ScanKind, ScanLimits};

    fn page(w: u32, h: u32, channels: u8, seed: u8) -> RawPage {
        let pixels = (0..w * h * u32::from(channels))
            .map(|i| (i as u8).wrapping_mul(seed))
            .collect();
        RawPage {
            width: w,
            height: h,
            channels,
            pixels,
        }
    }

    #[test]
    fn pages_become_one_tiff_the_importer_takes_with_its_pixels_intact() {
        let pages = [page(40, 30, 3, 3), page(40, 30, 3, 7), page(20, 10, 3, 11)];
        let tiff = pages_to_tiff(&pages, 300).expect("tiff");
        let clean = sanitize(&tiff, &ScanLimits::default()).expect("the importer takes it");
        assert_eq!(clean.kind, ScanKind::Tiff);
        assert_eq!(clean.pages, 3);
        let mut decoder = tiff::decoder::Decoder::new(Cursor::new(&tiff[..])).expect("decode");
        for (i, p) in pages.iter().enumerate() {
            if i > 0 {
                decoder.next_image().expect("next page");
            }
            assert_eq!(decoder.dimensions().expect("dims"), (p.width, p.height));
            match decoder.read_image().expect("pixels") {
                tiff::decoder::DecodingResult::U8(px) => assert_eq!(px, p.pixels, "page {i}"),
                other => panic!("page {i}: {other:?}"),
            }
        }
    }

    #[test]
    fn grey_pages_stay_grey_and_mixed_modes_are_refused() {
        let tiff = pages_to_tiff(&[page(8, 8, 1, 5)], 150).expect("grey");
        assert_eq!(
            sanitize(&tiff, &ScanLimits::default()).expect("ok").pages,
            1
        );
        assert_eq!(
            pages_to_tiff(&[page(8, 8, 1, 5), page(8, 8, 3, 5)], 150).err(),
            Some(AcquireError::MixedPages)
        );
    }
}
