//! Crockford base32 for the secrets people type: one-time passwords and TOTP reset
//! codes (100 random bits, 20 characters) and the recovery key (128 bits plus a
//! 20-bit check group). Decoding forgives case, hyphens, spaces and the look-alikes
//! I/L (→ 1) and O (→ 0).

use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Characters in a one-time password or reset code.
pub const OTP_CHARS: usize = 20;
const RECOVERY_DATA_CHARS: usize = 26;
const RECOVERY_CHECK_CHARS: usize = 4;

fn encode_bits(value: u128, n_chars: usize) -> String {
    (0..n_chars)
        .rev()
        .map(|char_idx| ALPHABET[((value >> (5 * char_idx)) & 0x1f) as usize] as char)
        .collect()
}

fn decode_char(c: char) -> Option<u8> {
    let c = match c.to_ascii_uppercase() {
        'I' | 'L' => '1',
        'O' => '0',
        other => other,
    };
    ALPHABET
        .iter()
        .position(|&a| a as char == c)
        .map(|p| p as u8)
}

/// Strips separators and maps look-alikes; `None` if any other character is present.
/// Typed secrets pass through here, so the copy is zeroized on drop, also when the
/// input turns out not to be one (the capacity is reserved up front: no reallocation
/// leaves a partial copy behind).
fn normalize(input: &str) -> Option<Zeroizing<String>> {
    let mut out = Zeroizing::new(String::with_capacity(input.len()));
    for c in input.chars() {
        if c == '-' || c == ' ' {
            continue;
        }
        out.push(ALPHABET[decode_char(c)? as usize] as char);
    }
    Some(out)
}

fn group(s: &str) -> String {
    s.as_bytes()
        .chunks(5)
        .map(|c| std::str::from_utf8(c).expect("ascii"))
        .collect::<Vec<_>>()
        .join("-")
}

/// A fresh one-time password or reset code: 100 random bits, shown in groups of five.
pub fn new_one_time_code() -> String {
    let bytes: [u8; 16] = crate::crypto::random_array();
    let value = u128::from_be_bytes(bytes) & ((1u128 << 100) - 1);
    group(&encode_bits(value, OTP_CHARS))
}

/// The canonical form of a typed one-time code (20 characters, upper case), or `None`
/// when it cannot be one.
pub fn normalize_one_time_code(input: &str) -> Option<Zeroizing<String>> {
    let n = normalize(input)?;
    (n.len() == OTP_CHARS).then_some(n)
}

fn recovery_check(data: &str) -> String {
    let digest = Sha256::new()
        .chain_update(b"clinic-vault/recovery-check/v1")
        .chain_update(data.as_bytes())
        .finalize();
    let bits =
        (u128::from(digest[0]) << 12) | (u128::from(digest[1]) << 4) | u128::from(digest[2] >> 4);
    encode_bits(bits, RECOVERY_CHECK_CHARS)
}

/// A fresh recovery key: 128 random bits and a check group, six groups of five.
pub fn new_recovery_key() -> String {
    let bytes: [u8; 16] = crate::crypto::random_array();
    let data = encode_bits(u128::from_be_bytes(bytes), RECOVERY_DATA_CHARS);
    let check = recovery_check(&data);
    group(&format!("{data}{check}"))
}

/// Why a typed recovery key was refused before any cryptography.
#[derive(Debug, PartialEq, Eq)]
pub enum RecoveryKeyFormatError {
    /// Wrong number of characters, or characters outside the alphabet.
    Shape,
    /// The check group does not match: a typo.
    Check,
}

/// The canonical 26 data characters of a typed recovery key.
pub fn normalize_recovery_key(input: &str) -> Result<Zeroizing<String>, RecoveryKeyFormatError> {
    let n = normalize(input).ok_or(RecoveryKeyFormatError::Shape)?;
    if n.len() != RECOVERY_DATA_CHARS + RECOVERY_CHECK_CHARS {
        return Err(RecoveryKeyFormatError::Shape);
    }
    let (data, check) = n.split_at(RECOVERY_DATA_CHARS);
    // 26 characters carry 130 bits; a real key never sets the top two.
    if decode_char(data.chars().next().unwrap_or('0')).unwrap_or(0) > 0x07 {
        return Err(RecoveryKeyFormatError::Shape);
    }
    if recovery_check(data) != check {
        return Err(RecoveryKeyFormatError::Check);
    }
    Ok(Zeroizing::new(data.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_time_code_has_100_bits_in_20_chars() {
        let code = new_one_time_code();
        assert_eq!(code.len(), 23);
        let norm = normalize_one_time_code(&code).expect("valid");
        assert_eq!(norm.len(), 20);
        assert_ne!(new_one_time_code(), code);
    }

    #[test]
    fn typed_codes_forgive_case_and_lookalikes() {
        assert_eq!(
            normalize_one_time_code("abcde-fghij-klmno-pqrst")
                .as_deref()
                .map(String::as_str),
            Some("ABCDEFGH1J K1MN0PQRST".replace(' ', "").as_str())
        );
        assert_eq!(normalize_one_time_code("ABCDE"), None);
        assert_eq!(
            normalize_one_time_code("ABCDE-FGHIJ-KLMNO-PQRSU"),
            None,
            "U is not Crockford"
        );
    }

    #[test]
    fn recovery_key_round_trips_and_catches_typos() {
        let key = new_recovery_key();
        assert_eq!(key.len(), 35);
        let data = normalize_recovery_key(&key.to_lowercase()).expect("valid");
        assert_eq!(data.len(), 26);
        let mut chars: Vec<char> = key.chars().collect();
        chars[3] = if chars[3] == 'A' { 'B' } else { 'A' };
        let typo: String = chars.into_iter().collect();
        assert_eq!(
            normalize_recovery_key(&typo),
            Err(RecoveryKeyFormatError::Check)
        );
        assert_eq!(
            normalize_recovery_key("short"),
            Err(RecoveryKeyFormatError::Shape)
        );
    }
}
