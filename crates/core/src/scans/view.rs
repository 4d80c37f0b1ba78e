//! Viewing a scan (clinician): decrypted into memory only, never into a file, and
//! audited as `scan.view`; its pages as images a window can show (JPEG and PNG as they
//! are stored, a TIFF page decoded and encoded as PNG, a PDF page drawn by the sandboxed
//! renderer and encoded as PNG). The decrypted bytes are zeroized
//! when the view is dropped; what a shell copies from them is its own to wipe.

use std::io::{self, BufReader, Write};

use image::ImageEncoder;
use zeroize::Zeroizing;

use super::error::{ScanError, ScanProblem};
use super::files::{self, hash_name};
use super::{format, limits, render, sanitize, store, ScanKind};
use crate::error::{Error, Result};
use crate::ids::ScanId;
use crate::vault::Session;
use clinic_vault_proto::Action;

/// How wide a PDF page is drawn for the viewer, pixels (an A4 page at about 190 dpi).
pub const PDF_PAGE_WIDTH_PX: u32 = 1600;

/// A scan decrypted for the viewer.
pub struct ScanView {
    /// The scan.
    pub scan_id: ScanId,
    /// JPEG, PNG, TIFF or PDF.
    pub kind: ScanKind,
    /// Pages.
    pub pages: u32,
    /// The EXIF orientation of the original (1–8): the viewer turns the page by it.
    pub orientation: u8,
    /// The first page's width and height in pixels, as stored (0 for PDF).
    pub width: u32,
    /// See `width`.
    pub height: u32,
    limits: sanitize::ScanLimits,
    bytes: Zeroizing<Vec<u8>>,
    screen: Option<store::Screen>,
}

impl std::fmt::Debug for ScanView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScanView")
            .field("scan_id", &self.scan_id)
            .field("kind", &self.kind)
            .field("pages", &self.pages)
            .field("bytes", &self.bytes.len())
            .finish_non_exhaustive()
    }
}

/// One page, ready for a window.
pub struct PageImage {
    /// `image/jpeg` or `image/png`.
    pub mime: &'static str,
    /// The encoded image (zeroized on drop).
    pub bytes: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for PageImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PageImage({}, {} bytes)", self.mime, self.bytes.len())
    }
}

/// A writer into a buffer of fixed capacity: it never reallocates (which would leave a
/// copy of plaintext behind, unzeroized) and refuses more than it can hold.
struct Fixed<'a>(&'a mut Vec<u8>);

impl Write for Fixed<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.len() > self.0.capacity() - self.0.len() {
            return Err(io::Error::other("more plaintext than its row records"));
        }
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl ScanView {
    /// The stripped file as stored (what an export writes).
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The width and height of the screen rendition of a large JPEG or PNG (the page
    /// halved until its longest side fits 2048 pixels, not turned), if it has one.
    pub fn screen_size(&self) -> Option<(u32, u32)> {
        self.screen.as_ref().map(|(w, h, _)| (*w, *h))
    }

    /// The screen rendition as a JPEG (a copy, zeroized on drop), if it has one: the
    /// viewer's first image, before the page itself.
    pub fn screen(&self) -> Option<PageImage> {
        self.screen.as_ref().map(|(_, _, jpeg)| {
            let mut bytes = Zeroizing::new(Vec::with_capacity(jpeg.len()));
            bytes.extend_from_slice(jpeg);
            PageImage {
                mime: "image/jpeg",
                bytes,
            }
        })
    }

    /// Page `index` (from 0) as an image. A PDF's pages need the renderer: without it,
    /// `renderer_unavailable`; a page it could not draw is `render_failed`.
    pub fn page(&self, index: u32) -> Result<PageImage> {
        if index >= self.pages {
            return Err(ScanError::NoSuchPage {
                scan_id: self.scan_id.to_string(),
                page: index,
                pages: self.pages,
            }
            .into());
        }
        let as_stored = |mime| -> Result<PageImage> {
            let mut bytes = Zeroizing::new(Vec::with_capacity(self.bytes.len()));
            bytes.extend_from_slice(&self.bytes);
            Ok(PageImage { mime, bytes })
        };
        match self.kind {
            ScanKind::Jpeg => as_stored("image/jpeg"),
            ScanKind::Png => as_stored("image/png"),
            ScanKind::Tiff => {
                let decoded = sanitize::decode_tiff_page(&self.bytes, &self.limits, index)
                    .map_err(|_| self.damaged())?;
                let page = Zeroizing::new(decoded.to_rgba8().into_raw());
                // The decoded samples go too, wiped (a plain conversion would free them
                // as they are).
                drop(Zeroizing::new(decoded.into_bytes()));
                let (w, h) = self.page_size(index)?;
                self.png(&page, w, h)
            }
            ScanKind::Pdf => {
                // Drawn by the sandboxed renderer, never in this process.
                let drawn = render::render_page(
                    &self.bytes,
                    index,
                    PDF_PAGE_WIDTH_PX,
                    &render::RenderLimits::default(),
                )
                .map_err(|e| match e {
                    render::RenderError::Missing { .. } | render::RenderError::Spawn { .. } => {
                        Error::from(ScanError::NeedsRenderer {
                            scan_id: self.scan_id.to_string(),
                        })
                    }
                    other => ScanError::Unrenderable {
                        scan_id: self.scan_id.to_string(),
                        reason: other.reason(),
                    }
                    .into(),
                })?;
                self.png(&drawn.rgba, drawn.width, drawn.height)
            }
        }
    }

    /// RGBA samples as a PNG, into a buffer sized so that it never moves (a moved
    /// buffer would leave a copy of the page behind, unzeroized).
    fn png(&self, rgba: &[u8], w: u32, h: u32) -> Result<PageImage> {
        let mut bytes = Zeroizing::new(Vec::with_capacity(rgba.len() + rgba.len() / 64 + 4096));
        image::codecs::png::PngEncoder::new_with_quality(
            Fixed(&mut bytes),
            image::codecs::png::CompressionType::Fast,
            image::codecs::png::FilterType::Sub,
        )
        .write_image(rgba, w, h, image::ExtendedColorType::Rgba8)
        .map_err(|_| self.damaged())?;
        Ok(PageImage {
            mime: "image/png",
            bytes,
        })
    }

    fn page_size(&self, index: u32) -> Result<(u32, u32)> {
        let mut decoder = tiff::decoder::Decoder::new(io::Cursor::new(&self.bytes[..]))
            .map_err(|_| self.damaged())?;
        for _ in 0..index {
            decoder.next_image().map_err(|_| self.damaged())?;
        }
        decoder.dimensions().map_err(|_| self.damaged())
    }

    fn damaged(&self) -> Error {
        ScanError::Damaged {
            scan_id: self.scan_id.to_string(),
            problem: ScanProblem::Unreadable,
        }
        .into()
    }
}

/// The limits a stored page is decoded with: the larger of the current ones and the
/// defaults, so that lowering a limit never makes an imported scan unreadable.
fn viewing_limits(now: sanitize::ScanLimits) -> sanitize::ScanLimits {
    let d = sanitize::ScanLimits::default();
    sanitize::ScanLimits {
        max_file_bytes: now.max_file_bytes.max(d.max_file_bytes),
        max_megapixels: now.max_megapixels.max(d.max_megapixels),
        max_side_px: now.max_side_px.max(d.max_side_px),
        max_pages: now.max_pages.max(d.max_pages),
    }
}

impl Session {
    /// Decrypts a scan into memory for the viewer (clinician), audited as `scan.view`.
    /// The permission is checked first and the decryption runs outside the write lock;
    /// a damaged scan is a recorded failure (`scan_damaged`).
    pub fn view_scan(&mut self, scan_id: &str) -> Result<ScanView> {
        let o = self.scan_op(Action::ScanView, scan_id);
        self.run(o, |_| Ok(()))?;
        let opened = self.decrypt_to_memory(scan_id);
        let o = self.scan_op(Action::ScanView, scan_id);
        self.run(o, |ctx| {
            let (row, bytes, screen) = opened?;
            let event = ctx.event(Action::ScanView);
            event.resource_id = Some(row.id.to_string());
            event.patient_id = Some(row.patient_id.to_string());
            Ok(ScanView {
                scan_id: row.id,
                kind: row.kind,
                pages: row.pages,
                orientation: row.orientation,
                width: row.width,
                height: row.height,
                limits: viewing_limits(limits::load(ctx.tx)?),
                bytes,
                screen,
            })
        })
    }

    fn decrypt_to_memory(
        &self,
        scan_id: &str,
    ) -> Result<(store::ScanRow, Zeroizing<Vec<u8>>, Option<store::Screen>)> {
        let conn = self.connection();
        let row = store::get(conn, scan_id)?;
        let damaged = |problem| -> Error {
            ScanError::Damaged {
                scan_id: row.id.to_string(),
                problem,
            }
            .into()
        };
        let key = store::patient_key(conn, &row.patient_id)?
            .ok_or_else(|| damaged(ScanProblem::BadHeader))?;
        let file = files::open_stored(&self.p.paths, &row.content_hash).map_err(damaged)?;
        let scan_uuid = uuid::Uuid::parse_str(&row.id)
            .map_err(|_| Error::Corrupt("a stored scan id is damaged".into()))?;
        let cap = usize::try_from(row.plain_bytes).map_err(|_| damaged(ScanProblem::BadHeader))?;
        let mut bytes = Zeroizing::new(Vec::with_capacity(cap));
        let opened = format::decrypt(
            &key.key,
            key.key_id,
            scan_uuid,
            BufReader::with_capacity(1 << 20, file),
            Fixed(&mut bytes),
        )
        .map_err(|e| damaged(ScanProblem::from_format(&e)))?;
        if hash_name(&opened.content_hash) != row.content_hash {
            return Err(damaged(ScanProblem::HashMismatch));
        }
        let screen = store::screen(conn, &row.id)?;
        Ok((row, bytes, screen))
    }
}
