//! A PDF pre-scan before the parser sees the file: nesting depth of arrays and
//! dictionaries (the parser recurses), the number of tokens (the parser's objects cost
//! memory), `/Encrypt`, and where the last `%%EOF` ends. Strings, comments and stream
//! bodies are skipped, so their bytes count for nothing.

use memchr::memmem;

use super::{Refusal, ScanKind};

/// Deepest nesting of arrays and dictionaries accepted.
pub(super) const MAX_DEPTH: u32 = 64;
/// Most tokens outside stream bodies accepted (a scanned document has a few thousand).
pub(super) const MAX_TOKENS: u32 = 1_000_000;

/// What the pre-scan learned.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Prescan {
    /// Deepest nesting seen.
    pub(super) max_depth: u32,
    /// Tokens outside stream bodies.
    pub(super) n_tokens: u32,
    /// Where the last `%%EOF` marker (and its end of line) ends.
    pub(super) end_of_last_eof: Option<usize>,
}

pub(super) fn prescan(input: &[u8]) -> Result<Prescan, Refusal> {
    let mut depth = 0u32;
    let mut max_depth = 0u32;
    let mut n_tokens = 0u32;
    let mut pos = 0usize;
    // `/Length N` seen directly in the current dictionary, for skipping the next stream.
    let mut direct_length: Option<usize> = None;
    let mut last_name_was_length = false;
    while let Some(&byte) = input.get(pos) {
        match byte {
            b'\0' | b'\t' | b'\n' | b'\x0C' | b'\r' | b' ' => {
                pos += 1;
                continue;
            }
            _ => {}
        }
        n_tokens += 1;
        if n_tokens > MAX_TOKENS {
            return Err(Refusal::PdfTooComplex {
                max_tokens: MAX_TOKENS,
            });
        }
        let was_length = std::mem::take(&mut last_name_was_length);
        match byte {
            b'%' => pos = skip_line(input, pos),
            b'(' => pos = skip_literal_string(input, pos)?,
            b'<' if input.get(pos + 1) == Some(&b'<') => {
                depth += 1;
                max_depth = max_depth.max(depth);
                if depth > MAX_DEPTH {
                    return Err(Refusal::PdfTooDeep {
                        max_depth: MAX_DEPTH,
                    });
                }
                pos += 2;
            }
            b'<' => {
                let end = memchr::memchr(b'>', input.get(pos..).unwrap_or(&[])).ok_or(
                    Refusal::Truncated {
                        kind: ScanKind::Pdf,
                    },
                )?;
                pos += end + 1;
            }
            b'>' if input.get(pos + 1) == Some(&b'>') => {
                depth = depth.saturating_sub(1);
                pos += 2;
            }
            b'[' => {
                depth += 1;
                max_depth = max_depth.max(depth);
                if depth > MAX_DEPTH {
                    return Err(Refusal::PdfTooDeep {
                        max_depth: MAX_DEPTH,
                    });
                }
                pos += 1;
            }
            b']' => {
                depth = depth.saturating_sub(1);
                pos += 1;
            }
            b'>' | b')' | b'{' | b'}' => pos += 1,
            b'/' => {
                let end = regular_end(input, pos + 1);
                let name = input.get(pos + 1..end).unwrap_or(&[]);
                if name_is(name, b"Encrypt") {
                    return Err(Refusal::PdfEncrypted);
                }
                last_name_was_length = name_is(name, b"Length");
                pos = end;
            }
            _ => {
                let end = regular_end(input, pos).max(pos + 1);
                let word = input.get(pos..end).unwrap_or(&[]);
                if was_length {
                    direct_length = std::str::from_utf8(word)
                        .ok()
                        .and_then(|w| w.parse::<usize>().ok());
                } else if word == b"R" {
                    // `/Length 12 0 R`: the length is elsewhere; search for endstream.
                    direct_length = None;
                }
                pos = if word == b"stream" {
                    skip_stream_body(input, end, direct_length.take())?
                } else {
                    end
                };
            }
        }
    }
    Ok(Prescan {
        max_depth,
        n_tokens,
        end_of_last_eof: end_of_last_eof(input),
    })
}

/// Past a stream's body: `length` bytes after the end of line when `endstream` follows
/// them, else up to the next `endstream`.
fn skip_stream_body(
    input: &[u8],
    after_keyword: usize,
    length: Option<usize>,
) -> Result<usize, Refusal> {
    let mut start = after_keyword;
    if input.get(start) == Some(&b'\r') {
        start += 1;
    }
    if input.get(start) == Some(&b'\n') {
        start += 1;
    }
    if let Some(length) = length {
        let mut after = start.saturating_add(length);
        while matches!(input.get(after), Some(b'\r' | b'\n' | b' ' | b'\t')) {
            after += 1;
        }
        if input
            .get(after..)
            .is_some_and(|r| r.starts_with(b"endstream"))
        {
            return Ok(after + b"endstream".len());
        }
    }
    let body = input.get(start..).unwrap_or(&[]);
    let end = memmem::find(body, b"endstream").ok_or(Refusal::Truncated {
        kind: ScanKind::Pdf,
    })?;
    Ok(start + end + b"endstream".len())
}

fn skip_line(input: &[u8], from: usize) -> usize {
    let rest = input.get(from..).unwrap_or(&[]);
    match memchr::memchr2(b'\r', b'\n', rest) {
        Some(at) => from + at + 1,
        None => input.len(),
    }
}

/// Past a literal string: balanced parentheses, backslash escapes.
fn skip_literal_string(input: &[u8], from: usize) -> Result<usize, Refusal> {
    let mut nesting = 0usize;
    let mut pos = from;
    while let Some(&byte) = input.get(pos) {
        match byte {
            b'\\' => pos += 1,
            b'(' => nesting += 1,
            b')' => {
                nesting -= 1;
                if nesting == 0 {
                    return Ok(pos + 1);
                }
            }
            _ => {}
        }
        pos += 1;
    }
    Err(Refusal::Truncated {
        kind: ScanKind::Pdf,
    })
}

/// The end of a run of regular characters (not whitespace, not a delimiter).
pub(super) fn regular_end(input: &[u8], from: usize) -> usize {
    let rest = input.get(from..).unwrap_or(&[]);
    let len = rest
        .iter()
        .position(|b| {
            matches!(
                b,
                b'\0'
                    | b'\t'
                    | b'\n'
                    | b'\x0C'
                    | b'\r'
                    | b' '
                    | b'('
                    | b')'
                    | b'<'
                    | b'>'
                    | b'['
                    | b']'
                    | b'{'
                    | b'}'
                    | b'/'
                    | b'%'
            )
        })
        .unwrap_or(rest.len());
    from + len
}

/// Whether a name's bytes (as written, `#xx` escapes allowed) spell `wanted`.
pub(super) fn name_is(written: &[u8], wanted: &[u8]) -> bool {
    let mut decoded = Vec::with_capacity(written.len());
    let mut idx = 0;
    while let Some(&byte) = written.get(idx) {
        if byte == b'#' {
            let hex = written
                .get(idx + 1..idx + 3)
                .and_then(|h| std::str::from_utf8(h).ok());
            if let Some(value) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                decoded.push(value);
                idx += 3;
                continue;
            }
        }
        decoded.push(byte);
        idx += 1;
        if decoded.len() > wanted.len() {
            return false;
        }
    }
    decoded == wanted
}

/// The offset just past the last `%%EOF` and its end of line.
fn end_of_last_eof(input: &[u8]) -> Option<usize> {
    let at = memmem::rfind(input, b"%%EOF")?;
    let mut end = at + b"%%EOF".len();
    if input.get(end) == Some(&b'\r') {
        end += 1;
    }
    if input.get(end) == Some(&b'\n') {
        end += 1;
    }
    Some(end)
}
