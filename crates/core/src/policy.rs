//! The one password policy, shared by the CLI and the app: 12–256 characters after NFC
//! normalisation, not containing the user name, zxcvbn score ≥ 3.

use serde::Serialize;
use unicode_normalization::UnicodeNormalization;
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::invalid::{Invalid, Rule};

/// Fewest characters a password may have.
pub const MIN_CHARS: usize = 12;
/// Most characters a password may have.
pub const MAX_CHARS: usize = 256;
/// Lowest acceptable zxcvbn score (0–4).
pub const MIN_SCORE: u8 = 3;

/// What the policy says of a candidate password, for live feedback.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PolicyReport {
    /// Whether the password may be used.
    pub acceptable: bool,
    /// zxcvbn's score, 0–4 (0 when the length check already failed).
    pub score: u8,
    /// Plain-language reasons it was refused, empty when acceptable.
    pub problems: Vec<String>,
}

/// NFC form of a typed password; `None` if it is not UTF-8.
pub(crate) fn normalize(bytes: &[u8]) -> Option<Zeroizing<String>> {
    let text = std::str::from_utf8(bytes).ok()?;
    Some(Zeroizing::new(text.nfc().collect()))
}

/// Judges `password` for `user_name` without storing anything.
pub fn assess(user_name: &str, password: &str) -> PolicyReport {
    let normalized: Zeroizing<String> = Zeroizing::new(password.nfc().collect());
    let n_chars = normalized.chars().count();
    let mut problems = Vec::new();
    if n_chars < MIN_CHARS {
        problems.push(format!("use at least {MIN_CHARS} characters"));
    }
    if n_chars > MAX_CHARS {
        problems.push(format!("use at most {MAX_CHARS} characters"));
    }
    let folded_name = user_name.nfc().collect::<String>().to_lowercase();
    if !folded_name.is_empty() && normalized.to_lowercase().contains(&folded_name) {
        problems.push("do not include your user name".into());
    }
    let mut score = 0;
    if n_chars <= MAX_CHARS && n_chars > 0 {
        let entropy = zxcvbn::zxcvbn(&normalized, &[folded_name.as_str()]);
        score = u8::from(entropy.score());
        if score < MIN_SCORE {
            let hint = entropy
                .feedback()
                .and_then(|f| f.warning().map(|w| w.to_string()))
                .unwrap_or_else(|| "add more unrelated words or characters".into());
            problems.push(format!("too easy to guess ({hint})"));
        }
    }
    PolicyReport {
        acceptable: problems.is_empty(),
        score,
        problems,
    }
}

/// Checks a new password and returns its NFC form, or `invalid_input` naming the
/// problems.
pub(crate) fn check_new(user_name: &str, bytes: &[u8]) -> Result<Zeroizing<String>> {
    let normalized =
        normalize(bytes).ok_or_else(|| Error::from(Invalid::new("password", Rule::NotUtf8)))?;
    let report = assess(user_name, &normalized);
    if !report.acceptable {
        return Err(Invalid::new(
            "password",
            Rule::WeakPassword {
                problems: report.problems,
            },
        )
        .into());
    }
    Ok(normalized)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_a_long_unrelated_passphrase() {
        let r = assess("alice", "correct horse battery staple orbit");
        assert!(r.acceptable, "{r:?}");
        assert!(r.score >= 3);
    }

    #[test]
    fn refuses_short_weak_long_and_name_containing() {
        assert!(!assess("alice", "Tr0ub4dor&3").acceptable, "11 chars");
        assert!(!assess("alice", "password1234").acceptable, "weak");
        assert!(!assess("alice", &"x".repeat(257)).acceptable, "too long");
        let r = assess("Alice", "zebra-alice-quantum-violet");
        assert!(r.problems.iter().any(|p| p.contains("user name")), "{r:?}");
    }

    #[test]
    fn normalizes_to_nfc_before_counting() {
        // "é" as e + combining acute is one character after NFC.
        let decomposed = "e\u{301}".repeat(11);
        assert_eq!(
            assess("bob", &decomposed).problems[0],
            "use at least 12 characters"
        );
        assert!(check_new("bob", &[0xff, 0xfe]).is_err());
        let n = check_new("bob", "ve\u{301}lo-quartz-mango-ribbon".as_bytes()).expect("ok");
        assert!(n.contains('\u{e9}'));
    }
}
