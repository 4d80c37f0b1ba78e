//! Rasterising with `hayro`: count a document's pages, or draw one page on white at a
//! given width. Everything here runs inside the sandbox, on bytes already in memory.

use std::panic::{catch_unwind, AssertUnwindSafe};

use hayro::hayro_interpret::util::TransformExt;
use hayro::hayro_interpret::InterpreterSettings;
use hayro::hayro_syntax::{LoadPdfError, Pdf};
use hayro::kurbo::Affine;
use hayro::vello_cpu::color::palette::css::WHITE;
use hayro::vello_cpu::peniko::ImageAlphaType;
use hayro::vello_cpu::{Pixmap, RasterizerSettings, RenderContext, Resources, TargetInit};
use hayro::{render_into, RenderCache, RenderSettings};

use crate::protocol::MAX_WIDTH_PX;
use crate::Failure;

/// The largest pixmap drawn, in pixels (width × height): 16384 × 16384 would be 1 GiB.
pub const MAX_PIXELS: u64 = 200_000_000;

/// One drawn page: opaque RGBA8, rows top to bottom.
#[derive(Debug)]
pub struct Drawn {
    /// Width in pixels (the width asked for).
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width * height * 4` bytes.
    pub rgba: Vec<u8>,
}

fn open(pdf: Vec<u8>) -> Result<Pdf, Failure> {
    Pdf::new(pdf).map_err(|e| match e {
        LoadPdfError::Decryption(_) => Failure::Encrypted,
        _ => Failure::Unreadable,
    })
}

fn n_pages(pdf: &Pdf) -> u32 {
    u32::try_from(pdf.pages().len()).unwrap_or(u32::MAX)
}

/// How many pages the document has.
pub fn page_count(pdf: Vec<u8>) -> Result<u32, Failure> {
    catch_unwind(AssertUnwindSafe(|| open(pdf).map(|doc| n_pages(&doc))))
        .map_err(|_| Failure::Panicked)?
}

/// The height in pixels of a page `page_w` × `page_h` (points) drawn `width_px` wide.
fn height_for(page_w: f32, page_h: f32, width_px: u32) -> Result<u32, Failure> {
    if !(page_w.is_finite() && page_h.is_finite() && page_w > 0.0 && page_h > 0.0) {
        return Err(Failure::BadSize);
    }
    let height = (f64::from(page_h) * f64::from(width_px) / f64::from(page_w)).round();
    if !(1.0..=f64::from(u16::MAX)).contains(&height) {
        return Err(Failure::BadSize);
    }
    let height = height as u32;
    if width_px == 0
        || width_px > MAX_WIDTH_PX
        || u64::from(width_px) * u64::from(height) > MAX_PIXELS
    {
        return Err(Failure::BadSize);
    }
    Ok(height)
}

/// Draws page `page` (from 0) `width_px` wide on white.
pub fn render_page(pdf: Vec<u8>, page: u32, width_px: u32) -> Result<Drawn, Failure> {
    catch_unwind(AssertUnwindSafe(|| draw(pdf, page, width_px))).map_err(|_| Failure::Panicked)?
}

fn draw(pdf: Vec<u8>, page_idx: u32, width_px: u32) -> Result<Drawn, Failure> {
    let doc = open(pdf)?;
    let pages = doc.pages();
    let page = usize::try_from(page_idx)
        .ok()
        .and_then(|idx| pages.get(idx))
        .ok_or(Failure::NoSuchPage {
            page: page_idx,
            n_pages: n_pages(&doc),
        })?;
    let (page_w, page_h) = page.render_dimensions();
    let height = height_for(page_w, page_h, width_px)?;
    let (w16, h16) = match (u16::try_from(width_px), u16::try_from(height)) {
        (Ok(w), Ok(h)) => (w, h),
        _ => return Err(Failure::BadSize),
    };
    let cache = RenderCache::new();
    let mut ctx = RenderContext::new(w16, h16);
    let transform = Affine::scale_non_uniform(
        f64::from(width_px) / f64::from(page_w),
        f64::from(height) / f64::from(page_h),
    ) * page.initial_transform(true).to_kurbo();
    render_into(
        page,
        &cache,
        &InterpreterSettings::default(),
        &RenderSettings::default(),
        &mut ctx,
        transform,
    );
    ctx.flush();
    let mut pixmap = Pixmap::new(w16, h16);
    ctx.render_with(
        &mut pixmap,
        &mut Resources::default(),
        RasterizerSettings {
            target_init: TargetInit::Clear(WHITE),
            ..Default::default()
        },
    );
    Ok(Drawn {
        width: width_px,
        height,
        rgba: pixmap.take_rgba8(ImageAlphaType::Alpha),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_a4_page_keeps_its_shape() -> Result<(), Failure> {
        assert_eq!(height_for(595.0, 842.0, 256)?, 362);
        Ok(())
    }

    #[test]
    fn a_page_without_area_or_too_tall_is_refused() {
        assert_eq!(height_for(0.0, 842.0, 256), Err(Failure::BadSize));
        assert_eq!(height_for(f32::NAN, 842.0, 256), Err(Failure::BadSize));
        assert_eq!(height_for(1.0, 100_000.0, 256), Err(Failure::BadSize));
    }
}
