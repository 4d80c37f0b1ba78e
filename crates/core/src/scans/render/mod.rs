//! PDF pages drawn by a separate, sandboxed process (`clinic-vault-render`): the parent
//! side. The stripped PDF goes to the child through a pipe and the page comes back as
//! RGBA8 pixels; the child runs with a time, memory and CPU limit, an empty environment,
//! no descriptor beyond its three pipes and (inside) a seccomp filter, so a hostile PDF
//! that crashes, hangs or bloats the renderer costs one failed render, never the app.
//! The protocol and the sandbox are described in `docs/render.md`.

mod child;
mod protocol;
mod thumbnail;

use std::path::PathBuf;
use std::time::Duration;

use zeroize::Zeroizing;

use super::sanitize::Thumbnail;

pub use child::{locate_renderer, RENDERER_ENV, RENDERER_NAME};

/// What a render may take. The parent enforces the timeout and the answer's size; the
/// child gets the memory (and a CPU-time limit of the timeout, rounded up) as `rlimit`s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderLimits {
    /// Wall-clock time from spawn to answer; the child is killed past it.
    pub timeout: Duration,
    /// The child's address space (`RLIMIT_AS`), bytes.
    pub max_memory_bytes: u64,
    /// The largest answer read from the child, bytes (a page is `16 + w * h * 4`).
    pub max_output_bytes: u64,
}

impl Default for RenderLimits {
    fn default() -> Self {
        RenderLimits {
            timeout: Duration::from_secs(10),
            max_memory_bytes: 1 << 30,
            max_output_bytes: 256 << 20,
        }
    }
}

/// One rendered page: opaque RGBA8, rows top to bottom. It is patient data, so its
/// pixels are wiped when it is dropped.
pub struct RenderedPage {
    /// Width in pixels (the width asked for).
    pub width: u32,
    /// Height in pixels (the page's shape at that width).
    pub height: u32,
    /// `width * height * 4` bytes.
    pub rgba: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for RenderedPage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RenderedPage")
            .field("width", &self.width)
            .field("height", &self.height)
            .field("n_bytes", &self.rgba.len())
            .finish()
    }
}

/// Why a render gave nothing. None of these carries any of the document's content.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// No renderer binary at the place looked at (beside the running program, or
    /// where `CLINICVAULT_RENDERER` points).
    #[error("the PDF renderer is not installed at {}", path.display())]
    Missing {
        /// Where it was looked for.
        path: PathBuf,
    },
    /// The renderer exists but could not be started (permissions, no process slot).
    #[error("the PDF renderer could not be started ({kind})")]
    Spawn {
        /// What the OS said.
        kind: std::io::ErrorKind,
    },
    /// The renderer died of a signal: a crash, an abort, the memory or CPU limit, or
    /// the seccomp filter.
    #[error("the PDF renderer crashed (signal {signal})")]
    Crashed {
        /// The signal that ended it.
        signal: i32,
    },
    /// The renderer did not answer in time and was killed.
    #[error("the PDF renderer did not answer within {after:?}")]
    TimedOut {
        /// The limit that passed.
        after: Duration,
    },
    /// The renderer exited with an error and said why (one word, e.g. `unreadable`,
    /// `no_such_page`, `too_large`).
    #[error("the PDF renderer refused ({reason}, exit {code})")]
    Refused {
        /// Its exit code.
        code: i32,
        /// Its one-word reason (lower-case letters, digits and `_` only; `unknown`
        /// when it gave none).
        reason: String,
    },
    /// The renderer exited 0 with an answer that is not one (or one too big).
    #[error("the PDF renderer's answer is malformed ({what})")]
    Malformed {
        /// What is wrong with it.
        what: &'static str,
    },
    /// The request itself is impossible (no width, too wide); nothing was started.
    #[error("impossible render request ({what})")]
    BadRequest {
        /// What is wrong with it.
        what: &'static str,
    },
}

impl RenderError {
    /// A short, content-free code for an audit event's detail: `missing`, `spawn`,
    /// `crashed:SIGNAL`, `timed_out`, `refused:REASON`, `malformed:WHAT`, `bad_request:WHAT`.
    pub fn reason(&self) -> String {
        match self {
            RenderError::Missing { .. } => "missing".into(),
            RenderError::Spawn { .. } => "spawn".into(),
            RenderError::Crashed { signal } => format!("crashed:{signal}"),
            RenderError::TimedOut { .. } => "timed_out".into(),
            RenderError::Refused { reason, .. } => format!("refused:{reason}"),
            RenderError::Malformed { what } => format!("malformed:{what}"),
            RenderError::BadRequest { what } => format!("bad_request:{what}"),
        }
    }
}

/// The widest page asked of the renderer, in pixels.
pub const MAX_WIDTH_PX: u32 = 16_384;

/// The renderer binary to run: found the usual way ([`Renderer::locate`]) or named
/// (tests, a packager's own layout).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Renderer {
    path: PathBuf,
}

impl Renderer {
    /// The renderer at `CLINICVAULT_RENDERER`, else `clinic-vault-render` beside the
    /// running program; [`RenderError::Missing`] when neither is a file.
    pub fn locate() -> Result<Self, RenderError> {
        locate_renderer().map(|path| Renderer { path })
    }

    /// The renderer at `path` (checked when it is run).
    pub fn at(path: impl Into<PathBuf>) -> Self {
        Renderer { path: path.into() }
    }

    /// Where it is.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// How many pages the PDF has.
    pub fn page_count(&self, pdf: &[u8], limits: &RenderLimits) -> Result<u32, RenderError> {
        let request = protocol::count_request(pdf.len());
        let answer = child::exchange(&self.path, &request, pdf, limits)?;
        protocol::parse_count(&answer)
    }

    /// Page `page` (from 0) drawn `width_px` pixels wide on white.
    pub fn render_page(
        &self,
        pdf: &[u8],
        page: u32,
        width_px: u32,
        limits: &RenderLimits,
    ) -> Result<RenderedPage, RenderError> {
        if width_px == 0 || width_px > MAX_WIDTH_PX {
            return Err(RenderError::BadRequest { what: "width" });
        }
        let request = protocol::page_request(page, width_px, pdf.len());
        let answer = child::exchange(&self.path, &request, pdf, limits)?;
        protocol::parse_page(answer, width_px)
    }

    /// The first page's thumbnail, made like an image scan's: at most 256 × 256, a
    /// baseline JPEG with no metadata.
    pub fn pdf_thumbnail(
        &self,
        pdf: &[u8],
        limits: &RenderLimits,
    ) -> Result<Thumbnail, RenderError> {
        let page = self.render_page(pdf, 0, thumbnail::RENDER_WIDTH_PX, limits)?;
        thumbnail::encode(&page)
    }
}

/// How many pages the PDF has, counted by the located renderer.
pub fn page_count(pdf: &[u8], limits: &RenderLimits) -> Result<u32, RenderError> {
    Renderer::locate()?.page_count(pdf, limits)
}

/// Page `page` (from 0) drawn `width_px` pixels wide on white, by the located renderer.
pub fn render_page(
    pdf: &[u8],
    page: u32,
    width_px: u32,
    limits: &RenderLimits,
) -> Result<RenderedPage, RenderError> {
    Renderer::locate()?.render_page(pdf, page, width_px, limits)
}

/// The first page's thumbnail (the located renderer): at most 256 × 256, a baseline
/// JPEG with no metadata, like an image scan's.
pub fn pdf_thumbnail(pdf: &[u8], limits: &RenderLimits) -> Result<Thumbnail, RenderError> {
    Renderer::locate()?.pdf_thumbnail(pdf, limits)
}
