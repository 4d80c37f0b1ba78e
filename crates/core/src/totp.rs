//! RFC 6238 TOTP: HMAC-SHA-1, 6 digits, 30-second steps, ±1 step of drift. A code is
//! accepted only for a step later than the last one accepted for that user.

use hmac::{Hmac, Mac};
use sha1::Sha1;
use subtle::ConstantTimeEq;

/// Seconds per step.
pub const STEP_SECS: i64 = 30;
/// Digits per code.
pub const DIGITS: u32 = 6;
/// Product name shown in authenticator apps.
pub const ISSUER: &str = "Clinic Vault";

/// RFC 4226 HOTP value with `digits` digits.
fn hotp(secret: &[u8], counter: u64, digits: u32) -> u32 {
    let mut mac = Hmac::<Sha1>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[19] & 0x0f);
    let bin = (u32::from(digest[offset]) & 0x7f) << 24
        | u32::from(digest[offset + 1]) << 16
        | u32::from(digest[offset + 2]) << 8
        | u32::from(digest[offset + 3]);
    bin % 10u32.pow(digits)
}

/// The time step containing `unix_secs`.
pub fn step_at(unix_secs: i64) -> i64 {
    unix_secs.div_euclid(STEP_SECS)
}

/// The code an authenticator shows at `unix_secs` for an `otpauth://` URI's secret
/// (for tools and tests that play the authenticator).
pub fn code_for_uri(uri: &str, unix_secs: i64) -> Option<String> {
    let secret = uri.split("secret=").nth(1)?.split('&').next()?;
    Some(code_for_step(&base32_decode(secret)?, step_at(unix_secs)))
}

fn base32_decode(text: &str) -> Option<Vec<u8>> {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = Vec::new();
    let (mut buffer, mut n_bits) = (0u32, 0u32);
    for c in text.trim_end_matches('=').bytes() {
        let v = ALPHABET.iter().position(|&a| a == c.to_ascii_uppercase())? as u32;
        buffer = (buffer << 5) | v;
        n_bits += 5;
        if n_bits >= 8 {
            out.push((buffer >> (n_bits - 8)) as u8);
            n_bits -= 8;
        }
    }
    Some(out)
}

/// The code for a step, zero-padded.
pub(crate) fn code_for_step(secret: &[u8], step: i64) -> String {
    format!(
        "{:0width$}",
        hotp(secret, step as u64, DIGITS),
        width = DIGITS as usize
    )
}

/// Whether `code` has the shape of a TOTP code.
pub fn is_code_shaped(code: &str) -> bool {
    code.len() == DIGITS as usize && code.bytes().all(|b| b.is_ascii_digit())
}

/// The step a code matches within ±1 of `now_step` and later than `last_step`, checking
/// every candidate in constant time.
pub(crate) fn matching_step(
    secret: &[u8],
    code: &str,
    now_step: i64,
    last_step: Option<i64>,
) -> Option<i64> {
    if !is_code_shaped(code) {
        return None;
    }
    let mut found = None;
    for step in [now_step - 1, now_step, now_step + 1] {
        let expected = code_for_step(secret, step);
        let equal: bool = expected.as_bytes().ct_eq(code.as_bytes()).into();
        let fresh = last_step.is_none_or(|last| step > last);
        if equal && fresh && found.is_none() {
            found = Some(step);
        }
    }
    found
}

/// RFC 4648 base32 without padding, as `otpauth://` URIs carry secrets.
pub(crate) fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::new();
    let (mut buffer, mut n_bits) = (0u32, 0u32);
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        n_bits += 8;
        while n_bits >= 5 {
            out.push(ALPHABET[((buffer >> (n_bits - 5)) & 0x1f) as usize] as char);
            n_bits -= 5;
        }
    }
    if n_bits > 0 {
        out.push(ALPHABET[((buffer << (5 - n_bits)) & 0x1f) as usize] as char);
    }
    out
}

fn percent_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The `otpauth://` URI that Google Authenticator, Aegis and `oathtool` accept.
pub(crate) fn otpauth_uri(secret: &[u8], account: &str) -> String {
    format!(
        "otpauth://totp/{issuer}:{account}?secret={secret}&issuer={issuer}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECS}",
        issuer = percent_encode(ISSUER),
        account = percent_encode(account),
        secret = base32(secret),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC_SECRET: &[u8] = b"12345678901234567890";

    #[test]
    fn rfc6238_appendix_b_sha1_vectors() {
        let vectors = [
            (59, 94287082),
            (1111111109, 7081804),
            (1111111111, 14050471),
            (1234567890, 89005924),
            (2000000000, 69279037),
            (20000000000, 65353130),
        ];
        for (t, expected) in vectors {
            assert_eq!(hotp(RFC_SECRET, step_at(t) as u64, 8), expected, "T={t}");
            assert_eq!(
                code_for_step(RFC_SECRET, step_at(t)),
                format!("{:06}", expected % 1_000_000)
            );
        }
    }

    #[test]
    fn accepts_one_step_of_drift_and_never_a_replay() {
        let now = step_at(1_234_567_890);
        let code = code_for_step(RFC_SECRET, now - 1);
        assert_eq!(matching_step(RFC_SECRET, &code, now, None), Some(now - 1));
        assert_eq!(
            matching_step(RFC_SECRET, &code, now, Some(now - 1)),
            None,
            "replay"
        );
        assert_eq!(
            matching_step(RFC_SECRET, &code, now + 1, None),
            None,
            "two steps old"
        );
        let next = code_for_step(RFC_SECRET, now + 1);
        assert_eq!(
            matching_step(RFC_SECRET, &next, now, Some(now)),
            Some(now + 1)
        );
        assert_eq!(matching_step(RFC_SECRET, "12345", now, None), None);
        assert_eq!(matching_step(RFC_SECRET, "12345a", now, None), None);
    }

    #[test]
    fn code_for_uri_reads_the_secret_back() {
        let uri = otpauth_uri(RFC_SECRET, "a");
        assert_eq!(code_for_uri(&uri, 59).as_deref(), Some("287082"));
    }

    #[test]
    fn uri_has_base32_secret_and_parameters() {
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        let uri = otpauth_uri(RFC_SECRET, "zoë admin");
        assert_eq!(
            uri,
            "otpauth://totp/Clinic%20Vault:zo%C3%AB%20admin?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Clinic%20Vault&algorithm=SHA1&digits=6&period=30"
        );
    }
}
