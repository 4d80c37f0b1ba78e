//! The enrollment code: the one string an admin copies from the server's admin page into
//! a workstation's settings. It holds the server's URL and a one-time enrollment token,
//! as `cvenroll1:` followed by the unpadded base64url of the RFC 8785 text of
//! `{"token": …, "url": …}`. The server writes it ([`EnrollCode::encode`]); the
//! workstation reads it ([`EnrollCode::parse`]), which accepts only the one canonical
//! spelling, an `https` URL (plain `http` only to a loopback host, as the sync rule says)
//! and a token of URL-safe characters. Frozen by `tests/golden/wire/enroll_code.txt`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};

use crate::jcs::canonical_json;

/// What every enrollment code starts with (the `1` is the format's version).
pub const ENROLL_CODE_PREFIX: &str = "cvenroll1:";
/// The longest server URL a code may hold, in bytes.
pub const MAX_URL_LEN: usize = 512;
/// The longest token a code may hold, in bytes.
pub const MAX_TOKEN_LEN: usize = 128;
/// The longest code accepted, in characters (prefix included).
pub const MAX_CODE_LEN: usize = 1_024;

/// Why a code could not be made or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnrollCodeError {
    /// The text does not start with [`ENROLL_CODE_PREFIX`].
    #[error("not an enrollment code (it should start with {ENROLL_CODE_PREFIX})")]
    NotACode,
    /// The text is longer than any code.
    #[error("the code is {len} characters long, more than {MAX_CODE_LEN}")]
    TooLong {
        /// Its length.
        len: usize,
    },
    /// The part after the prefix is not unpadded base64url.
    #[error("the code is damaged (not base64url)")]
    NotBase64,
    /// The decoded part is not the JSON object `{"token", "url"}`.
    #[error("the code is damaged (not a token and a URL)")]
    NotAPayload,
    /// The decoded part is not in its canonical (RFC 8785) form.
    #[error("the code is not in its canonical form")]
    NotCanonical,
    /// The URL is not an absolute `http(s)://host[:port][/path]` URL.
    #[error("the server URL is not valid: {problem}")]
    BadUrl {
        /// What is wrong with it.
        problem: UrlProblem,
    },
    /// The URL is plain `http` to a host that is not loopback.
    #[error("the server URL must use https (plain http only to 127.0.0.1, ::1 or localhost)")]
    PlainHttpNotLoopback,
    /// The token is empty, too long or holds characters outside `A-Za-z0-9_-`.
    #[error("the enrollment token is not valid")]
    BadToken,
}

/// What is wrong with a server URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UrlProblem {
    /// Longer than [`MAX_URL_LEN`].
    #[error("too long")]
    TooLong,
    /// It holds a space, a control or a non-ASCII character.
    #[error("it holds a space, a control or a non-ASCII character")]
    BadCharacter,
    /// Neither `https://` nor `http://`.
    #[error("it does not start with https://")]
    Scheme,
    /// No host, or a host with characters a host name cannot have.
    #[error("the host is missing or not valid")]
    Host,
    /// A port that is not a number from 1 to 65535.
    #[error("the port is not valid")]
    Port,
    /// User information (`user@`), a query or a fragment.
    #[error("it holds user information, a query or a fragment")]
    Extra,
}

/// A server URL and a one-time enrollment token, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrollCode {
    url: String,
    token: String,
}

/// The payload's JSON shape (field order is RFC 8785's: keys sorted).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Payload {
    token: String,
    url: String,
}

impl EnrollCode {
    /// A code for this server URL and token, both checked.
    pub fn new(url: &str, token: &str) -> Result<EnrollCode, EnrollCodeError> {
        check_url(url)?;
        check_token(token)?;
        Ok(EnrollCode {
            url: url.to_owned(),
            token: token.to_owned(),
        })
    }

    /// The server's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The one-time enrollment token.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The code's text: `cvenroll1:` and the base64url of the canonical payload.
    pub fn encode(&self) -> String {
        let value = serde_json::json!({"token": self.token, "url": self.url});
        // Two string fields always have a canonical form: JCS fails only on numbers.
        let canonical = canonical_json(&value).unwrap_or_default();
        format!("{ENROLL_CODE_PREFIX}{}", URL_SAFE_NO_PAD.encode(canonical))
    }

    /// Reads a code as pasted: surrounding whitespace is ignored, nothing else is.
    pub fn parse(text: &str) -> Result<EnrollCode, EnrollCodeError> {
        let text = text.trim_matches(|c: char| c.is_ascii_whitespace());
        if text.len() > MAX_CODE_LEN {
            return Err(EnrollCodeError::TooLong { len: text.len() });
        }
        let encoded = text
            .strip_prefix(ENROLL_CODE_PREFIX)
            .ok_or(EnrollCodeError::NotACode)?;
        let bytes = URL_SAFE_NO_PAD
            .decode(encoded)
            .map_err(|_| EnrollCodeError::NotBase64)?;
        let payload: Payload =
            serde_json::from_slice(&bytes).map_err(|_| EnrollCodeError::NotAPayload)?;
        let code = EnrollCode::new(&payload.url, &payload.token)?;
        if code.encode() != text {
            return Err(EnrollCodeError::NotCanonical);
        }
        Ok(code)
    }
}

fn check_token(token: &str) -> Result<(), EnrollCodeError> {
    let ok = !token.is_empty()
        && token.len() <= MAX_TOKEN_LEN
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(EnrollCodeError::BadToken)
    }
}

fn bad(problem: UrlProblem) -> EnrollCodeError {
    EnrollCodeError::BadUrl { problem }
}

/// `http(s)://host[:port][/path]`, ASCII only, no user information, query or fragment;
/// plain http only to a loopback host.
fn check_url(url: &str) -> Result<(), EnrollCodeError> {
    if url.len() > MAX_URL_LEN {
        return Err(bad(UrlProblem::TooLong));
    }
    if !url.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(bad(UrlProblem::BadCharacter));
    }
    let (plain, rest) = if let Some(rest) = url.strip_prefix("https://") {
        (false, rest)
    } else if let Some(rest) = url.strip_prefix("http://") {
        (true, rest)
    } else {
        return Err(bad(UrlProblem::Scheme));
    };
    if rest.contains(['@', '?', '#']) {
        return Err(bad(UrlProblem::Extra));
    }
    let authority = rest.split('/').next().unwrap_or_default();
    let (host, port) = split_host_port(authority)?;
    if let Some(port) = port {
        let valid = !port.is_empty()
            && port.len() <= 5
            && port.bytes().all(|b| b.is_ascii_digit())
            && matches!(port.parse::<u32>(), Ok(1..=65_535));
        if !valid {
            return Err(bad(UrlProblem::Port));
        }
    }
    if plain && !is_loopback(host) {
        return Err(EnrollCodeError::PlainHttpNotLoopback);
    }
    Ok(())
}

/// The host (brackets kept for IPv6) and the port text after its colon, if any.
fn split_host_port(authority: &str) -> Result<(&str, Option<&str>), EnrollCodeError> {
    let (host, after) = if authority.starts_with('[') {
        let end = authority.find(']').ok_or(bad(UrlProblem::Host))?;
        let (host, after) = authority.split_at(end + 1);
        let inside = &host[1..host.len() - 1];
        if inside.is_empty() || !inside.bytes().all(|b| b.is_ascii_hexdigit() || b == b':') {
            return Err(bad(UrlProblem::Host));
        }
        (host, after)
    } else {
        let end = authority.find(':').unwrap_or(authority.len());
        let (host, after) = authority.split_at(end);
        let valid = !host.is_empty()
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
        if !valid {
            return Err(bad(UrlProblem::Host));
        }
        (host, after)
    };
    match after.strip_prefix(':') {
        Some(port) => Ok((host, Some(port))),
        None if after.is_empty() => Ok((host, None)),
        None => Err(bad(UrlProblem::Host)),
    }
}

fn is_loopback(host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    host == "localhost"
        || host == "[::1]"
        || host.strip_prefix("127.").is_some_and(|rest| {
            let parts: Vec<&str> = rest.split('.').collect();
            parts.len() == 3
                && parts
                    .iter()
                    .all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "cvenroll_abcdefghijklmnopqrstuvwxyz234567";

    #[test]
    fn a_code_round_trips() -> Result<(), EnrollCodeError> {
        for url in [
            "https://vault.clinic.example",
            "https://vault.clinic.example:8443/sync",
            "https://[2001:db8::1]:8443",
            "http://127.0.0.1:8787",
            "http://localhost:8787",
            "http://[::1]:8787",
        ] {
            let code = EnrollCode::new(url, TOKEN)?;
            let text = code.encode();
            assert!(text.starts_with(ENROLL_CODE_PREFIX));
            assert_eq!(EnrollCode::parse(&text)?, code, "{url}");
            assert_eq!(EnrollCode::parse(&format!("  {text}\n"))?, code, "pasted");
        }
        Ok(())
    }

    #[test]
    fn bad_urls_are_refused() {
        let refused = [
            ("", bad(UrlProblem::Scheme)),
            ("ftp://vault", bad(UrlProblem::Scheme)),
            ("vault.clinic.example", bad(UrlProblem::Scheme)),
            ("https://", bad(UrlProblem::Host)),
            ("https://:8443", bad(UrlProblem::Host)),
            ("https://va ult", bad(UrlProblem::BadCharacter)),
            ("https://vaült.example", bad(UrlProblem::BadCharacter)),
            ("https://user@vault", bad(UrlProblem::Extra)),
            ("https://vault/?x=1", bad(UrlProblem::Extra)),
            ("https://vault/#x", bad(UrlProblem::Extra)),
            ("https://vault:0", bad(UrlProblem::Port)),
            ("https://vault:65536", bad(UrlProblem::Port)),
            ("https://vault:", bad(UrlProblem::Port)),
            ("https://vault:+80", bad(UrlProblem::Port)),
            ("https://[::1", bad(UrlProblem::Host)),
            ("https://[::1]x", bad(UrlProblem::Host)),
            ("https://[zz]", bad(UrlProblem::Host)),
            (
                "http://vault.clinic.example",
                EnrollCodeError::PlainHttpNotLoopback,
            ),
            (
                "http://192.168.1.5:8787",
                EnrollCodeError::PlainHttpNotLoopback,
            ),
            (
                "http://127.0.0.1.evil.example",
                EnrollCodeError::PlainHttpNotLoopback,
            ),
        ];
        for (url, expected) in refused {
            assert_eq!(EnrollCode::new(url, TOKEN), Err(expected), "{url:?}");
        }
        let long = format!("https://{}", "a".repeat(MAX_URL_LEN));
        assert_eq!(EnrollCode::new(&long, TOKEN), Err(bad(UrlProblem::TooLong)));
    }

    #[test]
    fn bad_tokens_are_refused() {
        let long = "a".repeat(MAX_TOKEN_LEN + 1);
        for token in ["", "has space", "semi;colon", "Zoë", long.as_str()] {
            assert_eq!(
                EnrollCode::new("https://vault", token),
                Err(EnrollCodeError::BadToken),
                "{token:?}"
            );
        }
    }

    #[test]
    fn damaged_codes_are_refused() {
        let encode = |json: &str| format!("{ENROLL_CODE_PREFIX}{}", URL_SAFE_NO_PAD.encode(json));
        let cases: Vec<(String, EnrollCodeError)> = vec![
            ("".into(), EnrollCodeError::NotACode),
            ("cvenroll2:e30".into(), EnrollCodeError::NotACode),
            ("cvenroll1:***".into(), EnrollCodeError::NotBase64),
            ("cvenroll1:e30=".into(), EnrollCodeError::NotBase64),
            (encode("[]"), EnrollCodeError::NotAPayload),
            (encode("{}"), EnrollCodeError::NotAPayload),
            (
                encode(r#"{"token":"t","url":"https://v","x":1}"#),
                EnrollCodeError::NotAPayload,
            ),
            (
                encode(r#"{"url":"https://v","token":"t"}"#),
                EnrollCodeError::NotCanonical,
            ),
            (
                encode(r#"{"token":"t", "url":"https://v"}"#),
                EnrollCodeError::NotCanonical,
            ),
            (
                encode(r#"{"token":"t","url":"http://v"}"#),
                EnrollCodeError::PlainHttpNotLoopback,
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(EnrollCode::parse(&text), Err(expected), "{text:?}");
        }
        let long = format!("{ENROLL_CODE_PREFIX}{}", "A".repeat(MAX_CODE_LEN));
        assert!(matches!(
            EnrollCode::parse(&long),
            Err(EnrollCodeError::TooLong { .. })
        ));
    }
}
