//! The binary PNM images `scanimage --format=pnm` writes: P4 (1-bit line art), P5
//! (grey) and P6 (RGB), 8 or 16 bits a sample. Pure, so it is tested from tables.

use super::error::AcquireError;

/// One page as the scanner delivered it, widened to 8-bit grey or 8-bit RGB.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawPage {
    /// Pixels across.
    pub width: u32,
    /// Pixels down.
    pub height: u32,
    /// Samples per pixel: 1 (grey) or 3 (RGB).
    pub channels: u8,
    /// `width × height × channels` bytes, rows top to bottom.
    pub pixels: Vec<u8>,
}

impl Drop for RawPage {
    /// A page is a patient's paper: its samples are wiped when it goes.
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.pixels);
    }
}

fn bad(reason: &'static str) -> AcquireError {
    AcquireError::BadImage { reason }
}

/// Reads one header token (skipping whitespace and `#` comments); `pos` moves past it.
fn token<'a>(data: &'a [u8], pos: &mut usize) -> Result<&'a [u8], AcquireError> {
    loop {
        match data.get(*pos) {
            Some(b'#') => {
                while data.get(*pos).is_some_and(|&b| b != b'\n') {
                    *pos += 1;
                }
            }
            Some(b) if b.is_ascii_whitespace() => *pos += 1,
            Some(_) => break,
            None => return Err(bad("truncated_header")),
        }
    }
    let start = *pos;
    while data.get(*pos).is_some_and(|b| !b.is_ascii_whitespace()) {
        *pos += 1;
    }
    data.get(start..*pos).ok_or(bad("truncated_header"))
}

fn number(data: &[u8], pos: &mut usize) -> Result<u32, AcquireError> {
    let t = token(data, pos)?;
    if t.is_empty() || t.len() > 9 || !t.iter().all(u8::is_ascii_digit) {
        return Err(bad("bad_header_number"));
    }
    std::str::from_utf8(t)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or(bad("bad_header_number"))
}

/// What a PNM header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    magic: [u8; 2],
    /// Pixels across.
    pub width: u32,
    /// Pixels down.
    pub height: u32,
    channels: u8,
    maxval: u32,
    /// Bytes of the header, up to the first sample.
    pub len: usize,
}

impl Header {
    /// Bytes of samples that follow the header.
    pub fn body_len(&self) -> u64 {
        let (w, h, c) = (
            u64::from(self.width),
            u64::from(self.height),
            u64::from(self.channels),
        );
        match (&self.magic, self.maxval) {
            (b"P4", _) => w.div_ceil(8) * h,
            (_, 256..) => w * h * c * 2,
            _ => w * h * c,
        }
    }
}

/// Reads the header at the start of `data`, refusing before any allocation an image of
/// more than `max_pixels`.
pub fn header(data: &[u8], max_pixels: u64) -> Result<Header, AcquireError> {
    let mut pos = 0;
    let magic = token(data, &mut pos)?;
    let channels: u8 = match magic {
        b"P4" | b"P5" => 1,
        b"P6" => 3,
        _ => return Err(bad("not_binary_pnm")),
    };
    let magic = [magic[0], magic[1]];
    let width = number(data, &mut pos)?;
    let height = number(data, &mut pos)?;
    if width == 0 || height == 0 {
        return Err(bad("empty_image"));
    }
    if u64::from(width) * u64::from(height) > max_pixels {
        return Err(AcquireError::TooManyPixels {
            pixels: u64::from(width) * u64::from(height),
            max: max_pixels,
        });
    }
    let maxval = if &magic == b"P4" {
        1
    } else {
        number(data, &mut pos)?
    };
    if !(1..=65535).contains(&maxval) {
        return Err(bad("bad_maxval"));
    }
    // Exactly one whitespace byte separates the header from the samples.
    if !data.get(pos).is_some_and(u8::is_ascii_whitespace) {
        return Err(bad("truncated_header"));
    }
    Ok(Header {
        magic,
        width,
        height,
        channels,
        maxval,
        len: pos + 1,
    })
}

/// Parses one PNM image. `max_pixels` bounds `width × height` before anything is
/// allocated.
pub fn parse(data: &[u8], max_pixels: u64) -> Result<RawPage, AcquireError> {
    let Header {
        magic,
        width,
        height,
        channels,
        maxval,
        len,
    } = header(data, max_pixels)?;
    let body = data.get(len..).ok_or(bad("truncated_header"))?;
    let magic = &magic[..];
    let (w, h, c) = (width as usize, height as usize, usize::from(channels));
    let pixels = match (magic, maxval) {
        (b"P4", _) => {
            let row = w.div_ceil(8);
            let body = body.get(..row * h).ok_or(bad("truncated_samples"))?;
            let mut out = Vec::with_capacity(w * h);
            for r in body.chunks_exact(row) {
                for x in 0..w {
                    let bit = (r[x / 8] >> (7 - x % 8)) & 1;
                    // PBM: 1 is black.
                    out.push(if bit == 1 { 0 } else { 255 });
                }
            }
            out
        }
        (_, 1..=255) => {
            let body = body.get(..w * h * c).ok_or(bad("truncated_samples"))?;
            if maxval == 255 {
                body.to_vec()
            } else {
                body.iter()
                    .map(|&v| (u32::from(v.min(maxval as u8)) * 255 / maxval) as u8)
                    .collect()
            }
        }
        (_, 256..=65535) => {
            let body = body.get(..w * h * c * 2).ok_or(bad("truncated_samples"))?;
            body.chunks_exact(2)
                .map(|s| {
                    let v = u32::from(u16::from_be_bytes([s[0], s[1]])).min(maxval);
                    (v * 255 / maxval) as u8
                })
                .collect()
        }
        _ => return Err(bad("bad_maxval")),
    };
    Ok(RawPage {
        width,
        height,
        channels,
        pixels,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(r: Result<RawPage, AcquireError>) -> String {
        match r {
            Err(AcquireError::BadImage { reason }) => reason.to_string(),
            Err(AcquireError::TooManyPixels { .. }) => "too_many_pixels".into(),
            Err(e) => format!("{e:?}"),
            Ok(_) => "ok".into(),
        }
    }

    #[test]
    fn rgb_grey_and_line_art_pages_parse() {
        let rgb = parse(
            b"P6\n# SANE data follows\n2 1\n255\n\x01\x02\x03\x04\x05\x06",
            100,
        )
        .expect("P6");
        assert_eq!((rgb.width, rgb.height, rgb.channels), (2, 1, 3));
        assert_eq!(rgb.pixels, vec![1, 2, 3, 4, 5, 6]);
        let grey16 = parse(b"P5 1 2 65535\n\xff\xff\x00\x00", 100).expect("P5/16");
        assert_eq!(grey16.pixels, vec![255, 0]);
        let grey4 = parse(b"P5 2 1 15\n\x0f\x00", 100).expect("P5/4");
        assert_eq!(grey4.pixels, vec![255, 0]);
        // 10 pixels across: two bytes a row, the last 6 bits padding.
        let art = parse(b"P4\n10 2\n\x80\x40\xff\xc0", 100).expect("P4");
        assert_eq!(art.channels, 1);
        assert_eq!(
            &art.pixels[..10],
            &[0, 255, 255, 255, 255, 255, 255, 255, 255, 0]
        );
        assert_eq!(&art.pixels[10..], &[0; 10]);
    }

    #[test]
    fn bad_images_are_refused_with_a_reason() {
        let cases: &[(&[u8], &str)] = &[
            (b"", "truncated_header"),
            (b"P3 1 1 255 0 0 0", "not_binary_pnm"),
            (b"P6 1", "truncated_header"),
            (b"P6 0 1 255\n", "empty_image"),
            (b"P6 x 1 255\n", "bad_header_number"),
            (b"P6 9999999999 1 255\n", "bad_header_number"),
            (b"P6 2 1 255\n\x01\x02", "truncated_samples"),
            (b"P6 1 1 0\n\x00\x00\x00", "bad_maxval"),
            (b"P6 1 1 70000\n\x00\x00\x00", "bad_maxval"),
            (b"P6 1 1 255", "truncated_header"),
            (b"P6 20 20 255\n", "too_many_pixels"),
        ];
        for (data, want) in cases {
            assert_eq!(
                reason(parse(data, 100)),
                *want,
                "{:?}",
                String::from_utf8_lossy(data)
            );
        }
    }
}
