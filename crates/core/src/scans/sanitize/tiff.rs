//! TIFF: count and check every page from its directory first, then decode one page at a
//! time and re-encode it losslessly (Deflate) with only the tags pixels need.

use std::io::{self, Cursor, Seek, SeekFrom, Write};

use image::{DynamicImage, ImageBuffer};
use tiff::decoder::{Decoder, DecodingResult, Limits};
use tiff::encoder::colortype::{self, ColorType as EncodeColor};
use tiff::encoder::compression::DeflateLevel;
use tiff::encoder::{Compression, Rational, TiffEncoder, TiffValue};
use tiff::tags::{PlanarConfiguration, Predictor, ResolutionUnit, Tag};
use tiff::{ColorType, TiffError, TiffFormatError};

use super::body::Body;
use super::{thumb, Refusal, Removed, Sanitized, ScanKind, ScanLimits};

const KIND: ScanKind = ScanKind::Tiff;

/// Tags whose presence is reported under a name of their own.
const NAMED_TAGS: &[(u16, &str)] = &[
    (34665, "exif"),
    (34853, "exif"),
    (700, "xmp"),
    (33723, "iptc"),
    (34377, "iptc"),
];
/// Descriptive tags (names, dates, devices, software): dropped as `tiff_tags`.
const DESCRIPTIVE_TAGS: &[u16] = &[269, 270, 271, 272, 285, 305, 306, 315, 316, 33432, 34675];

/// One decoded page in a layout the encoder writes as it is.
enum Pixels {
    Gray8(Vec<u8>),
    Gray16(Vec<u16>),
    Rgb8(Vec<u8>),
    Rgb16(Vec<u16>),
    Rgba8(Vec<u8>),
    Rgba16(Vec<u16>),
    Cmyk8(Vec<u8>),
    Cmyk16(Vec<u16>),
}

pub(super) fn sanitize(input: &[u8], limits: &ScanLimits) -> Result<Sanitized, Refusal> {
    let n_pages = check_pages(input, limits)?;
    let mut decoder = open(input, limits)?;
    let orientation = decoder
        .find_tag_unsigned::<u16>(Tag::Orientation)
        .ok()
        .flatten()
        .and_then(|o| u8::try_from(o).ok())
        .filter(|o| (1..=8).contains(o))
        .unwrap_or(1);
    let (width, height) = decoder.dimensions().map_err(|e| refusal(&e))?;
    let mut removed = Removed::default();
    let mut out = Output(Cursor::new(Vec::new()));
    let mut thumbnail = None;
    {
        let mut encoder = TiffEncoder::new(&mut out)
            .map_err(|_| malformed("encode"))?
            .with_compression(Compression::Deflate(DeflateLevel::Fast))
            .with_predictor(Predictor::Horizontal);
        for page_idx in 0..n_pages {
            if page_idx > 0 {
                decoder.next_image().map_err(|e| refusal(&e))?;
            }
            note_dropped_tags(&mut decoder, &mut removed);
            let (w, h) = decoder.dimensions().map_err(|e| refusal(&e))?;
            let resolution = resolution(&mut decoder);
            let color = decoder.colortype().map_err(|e| refusal(&e))?;
            let data = decoder.read_image().map_err(|e| refusal(&e))?;
            let pixels = Pixels::from_decoded(color, data, w, h)?;
            pixels.encode(&mut encoder, w, h, resolution)?;
            if page_idx == 0 {
                thumbnail = Some(thumb::from_image(
                    KIND,
                    &pixels.into_image(w, h)?,
                    orientation,
                )?);
            }
        }
    }
    if orientation != 1 {
        removed.add("tiff_tags");
    }
    Ok(Sanitized {
        kind: KIND,
        pages: n_pages,
        width,
        height,
        orientation,
        removed: removed.0,
        thumbnail,
        screen: None,
        body: Body::Owned(out.0.into_inner()),
    })
}

/// The re-encoded file, grown an eighth of its size (1 to 16 MiB) at a time. A `Vec`
/// doubles, which would leave up to the file's size again allocated and unused while the
/// next page is decoded.
struct Output(Cursor<Vec<u8>>);

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let end = usize::try_from(self.0.position())
            .unwrap_or(usize::MAX)
            .saturating_add(buf.len());
        let bytes = self.0.get_mut();
        if end > bytes.capacity() {
            let step = (bytes.len() / 8).clamp(1 << 20, 16 << 20);
            let needed = end.saturating_sub(bytes.len());
            bytes.reserve_exact(needed.max(step));
        }
        self.0.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Seek for Output {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.0.seek(pos)
    }
}

fn open<'a>(input: &'a [u8], limits: &ScanLimits) -> Result<Decoder<Cursor<&'a [u8]>>, Refusal> {
    let mut decode_limits = Limits::default();
    decode_limits.decoding_buffer_size =
        usize::try_from(limits.max_decoded_page_bytes()).unwrap_or(usize::MAX);
    Ok(Decoder::new(Cursor::new(input))
        .map_err(|e| refusal(&e))?
        .with_limits(decode_limits))
}

/// Walks the directory chain without decoding pixels: counts pages (a cycle is refused
/// by the decoder) and checks every page's size and layout before anything is decoded.
fn check_pages(input: &[u8], limits: &ScanLimits) -> Result<u32, Refusal> {
    let mut decoder = open(input, limits)?;
    let mut n_pages = 0u32;
    loop {
        n_pages += 1;
        if n_pages > limits.max_pages {
            return Err(Refusal::TooManyPages {
                max_pages: limits.max_pages,
            });
        }
        let (w, h) = decoder.dimensions().map_err(|e| refusal(&e))?;
        limits.check_page(KIND, w, h)?;
        let planar = decoder
            .find_tag_unsigned::<u16>(Tag::PlanarConfiguration)
            .map_err(|e| refusal(&e))?;
        if planar == Some(PlanarConfiguration::Planar.to_u16()) {
            return Err(unsupported("planar"));
        }
        let color = decoder.colortype().map_err(|e| refusal(&e))?;
        let bytes_per_pixel: u64 = match color {
            ColorType::Gray(1 | 2 | 4 | 8) => 1,
            ColorType::Gray(16) => 2,
            ColorType::RGB(8) => 3,
            ColorType::RGB(16) => 6,
            ColorType::RGBA(8) | ColorType::CMYK(8) => 4,
            ColorType::RGBA(16) | ColorType::CMYK(16) => 8,
            _ => return Err(unsupported("color_type")),
        };
        if u64::from(w) * u64::from(h) * bytes_per_pixel > limits.max_decoded_page_bytes() {
            return Err(Refusal::DecodeLimit { kind: KIND });
        }
        if !decoder.more_images() {
            return Ok(n_pages);
        }
        decoder.next_image().map_err(|e| refusal(&e))?;
    }
}

fn note_dropped_tags(decoder: &mut Decoder<Cursor<&[u8]>>, removed: &mut Removed) {
    for (tag, name) in NAMED_TAGS {
        if !matches!(decoder.find_tag(Tag::from_u16_exhaustive(*tag)), Ok(None)) {
            removed.add(name);
        }
    }
    for tag in DESCRIPTIVE_TAGS {
        if !matches!(decoder.find_tag(Tag::from_u16_exhaustive(*tag)), Ok(None)) {
            removed.add("tiff_tags");
        }
    }
}

/// The page's resolution, kept so the scan prints at its size (`None` when absent or odd).
fn resolution(decoder: &mut Decoder<Cursor<&[u8]>>) -> Option<(ResolutionUnit, Rational)> {
    let unit = decoder
        .find_tag_unsigned::<u16>(Tag::ResolutionUnit)
        .ok()
        .flatten()
        .and_then(ResolutionUnit::from_u16)
        .unwrap_or(ResolutionUnit::Inch);
    let x = decoder.find_tag(Tag::XResolution).ok().flatten()?;
    let y = decoder.find_tag(Tag::YResolution).ok().flatten()?;
    match (x, y) {
        (
            tiff::decoder::ifd::Value::Rational(n, d),
            tiff::decoder::ifd::Value::Rational(n2, d2),
        ) if n == n2 && d == d2 && d != 0 => Some((unit, Rational { n, d })),
        _ => None,
    }
}

impl Pixels {
    fn from_decoded(
        color: ColorType,
        data: DecodingResult,
        w: u32,
        h: u32,
    ) -> Result<Self, Refusal> {
        let pixels = match (color, data) {
            (ColorType::Gray(bits @ (1 | 2 | 4)), DecodingResult::U8(packed)) => {
                Pixels::Gray8(expand_gray(&packed, bits, w, h)?)
            }
            (ColorType::Gray(8), DecodingResult::U8(v)) => Pixels::Gray8(v),
            (ColorType::Gray(16), DecodingResult::U16(v)) => Pixels::Gray16(v),
            (ColorType::RGB(8), DecodingResult::U8(v)) => Pixels::Rgb8(v),
            (ColorType::RGB(16), DecodingResult::U16(v)) => Pixels::Rgb16(v),
            (ColorType::RGBA(8), DecodingResult::U8(v)) => Pixels::Rgba8(v),
            (ColorType::RGBA(16), DecodingResult::U16(v)) => Pixels::Rgba16(v),
            (ColorType::CMYK(8), DecodingResult::U8(v)) => Pixels::Cmyk8(v),
            (ColorType::CMYK(16), DecodingResult::U16(v)) => Pixels::Cmyk16(v),
            _ => return Err(unsupported("sample_format")),
        };
        let samples = u64::from(w) * u64::from(h) * pixels.channels();
        if pixels.n_samples() != samples {
            return Err(malformed("sample_count"));
        }
        Ok(pixels)
    }

    fn channels(&self) -> u64 {
        match self {
            Pixels::Gray8(_) | Pixels::Gray16(_) => 1,
            Pixels::Rgb8(_) | Pixels::Rgb16(_) => 3,
            Pixels::Rgba8(_) | Pixels::Rgba16(_) | Pixels::Cmyk8(_) | Pixels::Cmyk16(_) => 4,
        }
    }

    fn n_samples(&self) -> u64 {
        let n = match self {
            Pixels::Gray8(v) | Pixels::Rgb8(v) | Pixels::Rgba8(v) | Pixels::Cmyk8(v) => v.len(),
            Pixels::Gray16(v) | Pixels::Rgb16(v) | Pixels::Rgba16(v) | Pixels::Cmyk16(v) => v.len(),
        };
        u64::try_from(n).unwrap_or(u64::MAX)
    }

    fn encode(
        &self,
        encoder: &mut TiffEncoder<&mut Output>,
        w: u32,
        h: u32,
        resolution: Option<(ResolutionUnit, Rational)>,
    ) -> Result<(), Refusal> {
        match self {
            Pixels::Gray8(v) => write::<colortype::Gray8>(encoder, w, h, v, resolution),
            Pixels::Gray16(v) => write::<colortype::Gray16>(encoder, w, h, v, resolution),
            Pixels::Rgb8(v) => write::<colortype::RGB8>(encoder, w, h, v, resolution),
            Pixels::Rgb16(v) => write::<colortype::RGB16>(encoder, w, h, v, resolution),
            Pixels::Rgba8(v) => write::<colortype::RGBA8>(encoder, w, h, v, resolution),
            Pixels::Rgba16(v) => write::<colortype::RGBA16>(encoder, w, h, v, resolution),
            Pixels::Cmyk8(v) => write::<colortype::CMYK8>(encoder, w, h, v, resolution),
            Pixels::Cmyk16(v) => write::<colortype::CMYK16>(encoder, w, h, v, resolution),
        }
    }

    /// The page as an `image` buffer, for its thumbnail (CMYK converted naively to RGB).
    fn into_image(self, w: u32, h: u32) -> Result<DynamicImage, Refusal> {
        let bad = || malformed("sample_count");
        Ok(match self {
            Pixels::Gray8(v) => {
                DynamicImage::ImageLuma8(ImageBuffer::from_raw(w, h, v).ok_or_else(bad)?)
            }
            Pixels::Gray16(v) => {
                DynamicImage::ImageLuma16(ImageBuffer::from_raw(w, h, v).ok_or_else(bad)?)
            }
            Pixels::Rgb8(v) => {
                DynamicImage::ImageRgb8(ImageBuffer::from_raw(w, h, v).ok_or_else(bad)?)
            }
            Pixels::Rgb16(v) => {
                DynamicImage::ImageRgb16(ImageBuffer::from_raw(w, h, v).ok_or_else(bad)?)
            }
            Pixels::Rgba8(v) => {
                DynamicImage::ImageRgba8(ImageBuffer::from_raw(w, h, v).ok_or_else(bad)?)
            }
            Pixels::Rgba16(v) => {
                DynamicImage::ImageRgba16(ImageBuffer::from_raw(w, h, v).ok_or_else(bad)?)
            }
            Pixels::Cmyk8(v) => {
                let rgb = cmyk_to_rgb(v.chunks_exact(4).map(|p| [p[0], p[1], p[2], p[3]]));
                DynamicImage::ImageRgb8(ImageBuffer::from_raw(w, h, rgb).ok_or_else(bad)?)
            }
            Pixels::Cmyk16(v) => {
                let high = |s: u16| s.to_be_bytes()[0];
                let rgb = cmyk_to_rgb(
                    v.chunks_exact(4)
                        .map(|p| [high(p[0]), high(p[1]), high(p[2]), high(p[3])]),
                );
                DynamicImage::ImageRgb8(ImageBuffer::from_raw(w, h, rgb).ok_or_else(bad)?)
            }
        })
    }
}

fn write<C: EncodeColor>(
    encoder: &mut TiffEncoder<&mut Output>,
    w: u32,
    h: u32,
    data: &[C::Inner],
    resolution: Option<(ResolutionUnit, Rational)>,
) -> Result<(), Refusal>
where
    [C::Inner]: TiffValue,
{
    let mut image = encoder
        .new_image::<C>(w, h)
        .map_err(|_| malformed("encode"))?;
    if let Some((unit, value)) = resolution {
        image.resolution(unit, value);
    }
    image.write_data(data).map_err(|_| malformed("encode"))
}

/// Sub-byte grey (rows padded to whole bytes) to 8 bits, scaled so the darkest and
/// lightest values stay 0 and 255: the mapping is one to one, so nothing is lost.
fn expand_gray(packed: &[u8], bits: u8, w: u32, h: u32) -> Result<Vec<u8>, Refusal> {
    let w = usize::try_from(w).map_err(|_| malformed("dimensions"))?;
    let h = usize::try_from(h).map_err(|_| malformed("dimensions"))?;
    let bits = usize::from(bits);
    let row_bytes = (w * bits).div_ceil(8);
    if packed.len() < row_bytes * h {
        return Err(malformed("sample_count"));
    }
    let max = (1u16 << bits) - 1;
    let mut out = Vec::with_capacity(w * h);
    for row in packed.chunks_exact(row_bytes).take(h) {
        for x in 0..w {
            let bit = x * bits;
            let byte = row[bit / 8];
            let shift = 8 - bits - (bit % 8);
            let value = u16::from(byte >> shift) & max;
            out.push(u8::try_from(value * 255 / max).unwrap_or(u8::MAX));
        }
    }
    Ok(out)
}

fn cmyk_to_rgb(pixels: impl Iterator<Item = [u8; 4]>) -> Vec<u8> {
    let mut out = Vec::new();
    for [c, m, y, k] in pixels {
        for ink in [c, m, y] {
            let light = (255 - u16::from(ink)) * (255 - u16::from(k)) / 255;
            out.push(u8::try_from(light).unwrap_or(u8::MAX));
        }
    }
    out
}

fn refusal(error: &TiffError) -> Refusal {
    match error {
        TiffError::FormatError(TiffFormatError::CycleInOffsets) => malformed("ifd_cycle"),
        TiffError::FormatError(_) => malformed("format"),
        TiffError::UnsupportedError(_) => unsupported("decoder"),
        TiffError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            Refusal::Truncated { kind: KIND }
        }
        TiffError::IoError(_) => malformed("io"),
        TiffError::LimitsExceeded | TiffError::IntSizeError => Refusal::DecodeLimit { kind: KIND },
        TiffError::UsageError(_) => malformed("usage"),
    }
}

fn malformed(what: &'static str) -> Refusal {
    Refusal::Malformed { kind: KIND, what }
}

fn unsupported(what: &'static str) -> Refusal {
    Refusal::Unsupported { kind: KIND, what }
}

/// One page of a TIFF decoded for a viewer (page `index`, from 0), with the same
/// limits as the import.
pub(super) fn decode_page(
    input: &[u8],
    limits: &ScanLimits,
    index: u32,
) -> Result<DynamicImage, Refusal> {
    let mut decoder = open(input, limits)?;
    for _ in 0..index {
        decoder.next_image().map_err(|e| refusal(&e))?;
    }
    let (w, h) = decoder.dimensions().map_err(|e| refusal(&e))?;
    let color = decoder.colortype().map_err(|e| refusal(&e))?;
    let data = decoder.read_image().map_err(|e| refusal(&e))?;
    Pixels::from_decoded(color, data, w, h)?.into_image(w, h)
}
