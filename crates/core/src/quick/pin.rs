//! The PIN a user sets for quick unlock: 6–12 ASCII digits, not all one digit, not a
//! run up or down (`123456`, `987654`, wrapping `890123` too). It lives only in memory
//! (zeroized on drop, never `Clone`, `Debug` or `Serialize`) and is never written to disk.

#![allow(missing_debug_implementations)]

use zeroize::Zeroizing;

use super::error::QuickError;

/// Fewest digits a PIN may have.
pub const MIN_DIGITS: usize = 6;
/// Most digits a PIN may have.
pub const MAX_DIGITS: usize = 12;

/// A checked PIN. The escape hatch is `expose_digits`.
pub struct Pin(Zeroizing<Vec<u8>>);

impl Pin {
    /// Checks a typed PIN (surrounding spaces ignored). The caller's buffer is the
    /// caller's to zeroize; the PIN keeps its own zeroizing copy.
    pub fn parse(typed: &[u8]) -> Result<Pin, QuickError> {
        let trimmed = typed.trim_ascii();
        if !(MIN_DIGITS..=MAX_DIGITS).contains(&trimmed.len())
            || !trimmed.iter().all(u8::is_ascii_digit)
        {
            return Err(QuickError::PinShape);
        }
        if is_guessable(trimmed) {
            return Err(QuickError::PinGuessable);
        }
        Ok(Pin(Zeroizing::new(trimmed.to_vec())))
    }

    /// A PIN as typed at quick unlock: only its shape is checked (a wrong PIN of the
    /// right shape is a guess; anything else costs no guess).
    pub(crate) fn parse_attempt(typed: &[u8]) -> Result<Pin, QuickError> {
        let trimmed = typed.trim_ascii();
        if !(MIN_DIGITS..=MAX_DIGITS).contains(&trimmed.len())
            || !trimmed.iter().all(u8::is_ascii_digit)
        {
            return Err(QuickError::PinShape);
        }
        Ok(Pin(Zeroizing::new(trimmed.to_vec())))
    }

    pub(crate) fn expose_digits(&self) -> &[u8] {
        &self.0
    }
}

/// All one digit, or every step +1 or every step -1 (mod 10).
fn is_guessable(digits: &[u8]) -> bool {
    let steps: Vec<u8> = digits.windows(2).map(|w| (10 + w[1] - w[0]) % 10).collect();
    [0u8, 1, 9]
        .iter()
        .any(|step| steps.iter().all(|s| s == step))
}

#[cfg(test)]
mod tests {
    use super::*;
    use static_assertions::assert_not_impl_any;

    assert_not_impl_any!(Pin: Clone, Copy, std::fmt::Debug, std::fmt::Display, serde::Serialize);

    #[test]
    fn pins_are_six_to_twelve_digits_and_not_guessable() {
        for good in ["480137", " 480137\n", "902114", "112358132134", "2580 "] {
            let parsed = Pin::parse(good.as_bytes());
            assert_eq!(parsed.is_ok(), good.trim().len() >= 6, "{good:?}");
        }
        for (bad, why) in [
            ("12345", QuickError::PinShape),
            ("1234567890123", QuickError::PinShape),
            ("12a456", QuickError::PinShape),
            ("١٢٣٤٥٦", QuickError::PinShape),
            ("", QuickError::PinShape),
            ("000000", QuickError::PinGuessable),
            ("777777777", QuickError::PinGuessable),
            ("123456", QuickError::PinGuessable),
            ("890123", QuickError::PinGuessable),
            ("987654", QuickError::PinGuessable),
            ("210987", QuickError::PinGuessable),
        ] {
            match Pin::parse(bad.as_bytes()) {
                Err(e) => assert_eq!(e, why, "{bad:?}"),
                Ok(_) => panic!("{bad:?} was accepted"),
            }
        }
    }

    #[test]
    fn an_attempt_is_checked_for_shape_only() {
        assert!(Pin::parse_attempt(b"123456").is_ok());
        assert!(matches!(
            Pin::parse_attempt(b"12345"),
            Err(QuickError::PinShape)
        ));
    }
}
