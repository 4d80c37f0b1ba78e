//! Admin and enrollment tokens: 160 random bits in lowercase base32 behind a prefix that
//! says what they are, shown once and stored only as their SHA-256 (they are random, so a
//! plain hash is enough), and the `24h`-style lifetimes of enrollment tokens.

use clinic_vault_proto::Hash32;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// The prefix of an admin token.
pub const ADMIN_PREFIX: &str = "cvadmin_";
/// The prefix of an enrollment token.
pub const ENROLL_PREFIX: &str = "cvenroll_";

/// A new token: `prefix` then 32 base32 characters (160 bits).
pub fn new_token(prefix: &str) -> String {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut bytes = [0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let mut out = String::with_capacity(prefix.len() + 32);
    out.push_str(prefix);
    let mut bits: u32 = 0;
    let mut n_bits = 0;
    for byte in bytes {
        bits = (bits << 8) | u32::from(byte);
        n_bits += 8;
        while n_bits >= 5 {
            n_bits -= 5;
            out.push(char::from(ALPHABET[((bits >> n_bits) & 31) as usize]));
        }
    }
    out
}

/// What the store keeps of a token.
pub fn token_hash(token: &str) -> Hash32 {
    Sha256::digest(token.as_bytes()).into()
}

/// Why a lifetime could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a lifetime like 30m, 24h or 7d")]
pub struct BadLifetime(pub String);

/// A lifetime written as a positive number and a unit (`s`, `m`, `h`, `d`), in
/// microseconds.
pub fn parse_lifetime(text: &str) -> Result<i64, BadLifetime> {
    let bad = || BadLifetime(text.to_owned());
    let unit_at = text.len().checked_sub(1).ok_or_else(bad)?;
    let (number, unit) = text.split_at(unit_at);
    let number: i64 = number.parse().map_err(|_| bad())?;
    let secs_per_unit = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        _ => return Err(bad()),
    };
    if number <= 0 {
        return Err(bad());
    }
    number
        .checked_mul(secs_per_unit)
        .and_then(|secs| secs.checked_mul(1_000_000))
        .ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_prefixed_random_and_hashed() {
        let a = new_token(ADMIN_PREFIX);
        let b = new_token(ADMIN_PREFIX);
        assert_ne!(a, b);
        assert_eq!(a.len(), ADMIN_PREFIX.len() + 32);
        assert!(a.starts_with(ADMIN_PREFIX));
        assert_ne!(token_hash(&a), token_hash(&b));
    }

    #[test]
    fn lifetimes() {
        assert_eq!(parse_lifetime("24h"), Ok(86_400_000_000));
        assert_eq!(parse_lifetime("30m"), Ok(1_800_000_000));
        assert_eq!(parse_lifetime("7d"), Ok(604_800_000_000));
        for bad in ["", "h", "0h", "-1h", "12", "1w", "99999999999999999d"] {
            assert!(parse_lifetime(bad).is_err(), "{bad}");
        }
    }
}
