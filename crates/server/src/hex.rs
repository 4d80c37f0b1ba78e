//! Lowercase hex, the one spelling of hashes, keys and signatures on the wire.

use clinic_vault_proto::Hash32;

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

/// 64 lowercase hex digits as 32 bytes.
pub fn parse_hash(text: &str) -> Option<Hash32> {
    let bytes = text.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let digit = |b: u8| match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        _ => None,
    };
    let mut out = [0u8; 32];
    for (byte_idx, pair) in bytes.chunks_exact(2).enumerate() {
        let high = digit(*pair.first()?)?;
        let low = digit(*pair.get(1)?)?;
        *out.get_mut(byte_idx)? = (high << 4) | low;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_other_spellings() {
        let bytes: Hash32 = std::array::from_fn(|i| (i * 37) as u8);
        assert_eq!(parse_hash(&hex(&bytes)), Some(bytes));
        assert_eq!(parse_hash(&hex(&bytes).to_uppercase()), None);
        assert_eq!(parse_hash(&hex(&bytes[..31])), None);
        assert_eq!(parse_hash(&"g".repeat(64)), None);
    }
}
