//! The stripped file's bytes: ranges of the input (JPEG, PNG: nothing copied) or bytes of
//! its own (TIFF and PDF, re-encoded), and a reader that streams either.

use std::io::{self, Read};
use std::ops::Range;

/// The stripped file. Ranges are ascending and do not overlap.
pub(super) enum Body {
    /// Byte ranges of the input, in order.
    Ranges(Vec<Range<usize>>),
    /// A re-encoded file.
    Owned(Vec<u8>),
}

impl Body {
    pub(super) fn len(&self) -> u64 {
        let n: usize = match self {
            Body::Ranges(ranges) => ranges.iter().map(|r| r.end.saturating_sub(r.start)).sum(),
            Body::Owned(bytes) => bytes.len(),
        };
        u64::try_from(n).unwrap_or(u64::MAX)
    }

    pub(super) fn reader<'a>(&'a self, input: &'a [u8]) -> BodyReader<'a> {
        BodyReader {
            body: self,
            input,
            range_idx: 0,
            pos: 0,
        }
    }

    pub(super) fn to_vec(&self, input: &[u8]) -> Vec<u8> {
        match self {
            Body::Owned(bytes) => bytes.clone(),
            Body::Ranges(ranges) => {
                let mut out = Vec::with_capacity(usize::try_from(self.len()).unwrap_or(0));
                for range in ranges {
                    if let Some(part) = input.get(range.clone()) {
                        out.extend_from_slice(part);
                    }
                }
                out
            }
        }
    }
}

/// Streams a [`Body`]: `pos` is the offset inside the current range (or the owned bytes).
pub(super) struct BodyReader<'a> {
    body: &'a Body,
    input: &'a [u8],
    range_idx: usize,
    pos: usize,
}

impl Read for BodyReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let source: &[u8] = match self.body {
                Body::Owned(bytes) => bytes,
                Body::Ranges(ranges) => {
                    let Some(range) = ranges.get(self.range_idx) else {
                        return Ok(0);
                    };
                    self.input.get(range.clone()).ok_or_else(|| {
                        io::Error::new(
                            io::ErrorKind::InvalidInput,
                            "the input is not the one that was sanitized",
                        )
                    })?
                }
            };
            let rest = source.get(self.pos..).unwrap_or(&[]);
            if rest.is_empty() {
                match self.body {
                    Body::Owned(_) => return Ok(0),
                    Body::Ranges(_) => {
                        self.range_idx += 1;
                        self.pos = 0;
                        continue;
                    }
                }
            }
            let n = rest.len().min(buf.len());
            buf[..n].copy_from_slice(&rest[..n]);
            self.pos += n;
            return Ok(n);
        }
    }
}

/// Joins adjacent ranges, so the reader walks as few pieces as possible.
pub(super) fn merge(ranges: Vec<Range<usize>>) -> Vec<Range<usize>> {
    let mut out: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
    for range in ranges {
        match out.last_mut() {
            Some(last) if last.end == range.start => last.end = range.end,
            _ => out.push(range),
        }
    }
    out
}
