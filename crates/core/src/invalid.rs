//! Input that breaks a rule: which field, which rule, and the value as typed (escaped
//! and shortened; never a secret). Shells word it for their reader; the UI can point at
//! the field by its name.

/// A rule that typed input broke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    /// The field is required.
    Required,
    /// Longer than allowed.
    TooLong {
        /// Characters typed.
        n_chars: usize,
        /// Most allowed.
        max: usize,
    },
    /// Control characters; `line_breaks_allowed` for free text.
    ControlCharacters {
        /// Whether tabs and line breaks are fine in this field.
        line_breaks_allowed: bool,
    },
    /// Not a real `YYYY-MM-DD` date.
    NotADate,
    /// A date in the future.
    InFuture,
    /// A date before 1900.
    Before1900,
    /// Not one of the listed values.
    NotOneOf(&'static [&'static str]),
    /// Not an E.164 phone number.
    NotE164,
    /// Not shaped like an e-mail address.
    NotAnEmail,
    /// A duration outside its range (whole `unit`s).
    OutOfRange {
        /// Smallest allowed, in `unit`.
        min: u32,
        /// Largest allowed, in `unit`.
        max: u32,
        /// `minutes` or `hours`.
        unit: &'static str,
        /// What was asked for, in seconds.
        got_secs: u32,
    },
    /// A digit run too short to search for.
    TooFewDigits,
    /// A search with nothing to search for.
    NothingToSearch,
    /// A name search shorter than 2 characters.
    NameTooShort,
    /// Not a chain head (`SEQ:HASH`).
    NotAChainHead,
    /// An audit event that is not in the chain.
    NotInChain {
        /// Events the chain holds.
        n_events: u64,
    },
    /// Not valid UTF-8 text.
    NotUtf8,
    /// A password the policy refuses, with what is wrong.
    WeakPassword {
        /// Each problem, in words.
        problems: Vec<String>,
    },
    /// Argon2id parameters below the floor.
    BelowKdfFloor,
    /// A number outside its allowed range.
    NotInRange {
        /// Smallest allowed.
        min: u64,
        /// Largest allowed.
        max: u64,
    },
}

/// Typed input that breaks a rule (`invalid_input`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// The field's name (`given`, `dob`, `idle_lock_secs`, `query`, `role`, …).
    pub field: &'static str,
    /// The rule it broke.
    pub rule: Rule,
    /// The value as typed, for the message (escaped, at most 40 characters).
    pub shown: Option<String>,
}

impl Invalid {
    /// `field` broke `rule`.
    pub fn new(field: &'static str, rule: Rule) -> Self {
        Invalid {
            field,
            rule,
            shown: None,
        }
    }

    /// The same, quoting the typed value (escaped and shortened).
    pub fn quoting(field: &'static str, rule: Rule, value: &str) -> Self {
        Invalid {
            field,
            rule,
            shown: Some(crate::records::validate::shown(value)),
        }
    }

    /// The field as a message names it.
    pub fn label(&self) -> &'static str {
        match self.field {
            "given" => "given name",
            "family" => "family name",
            "dob" => "date of birth",
            "email" => "e-mail",
            "note_text" => "note text",
            "given_by" => "given by",
            "idle_lock_secs" => "the idle lock",
            "session_limit_secs" => "the session limit",
            "query" => "a search",
            "purpose" => "consent purpose",
            "expect_head" => "chain head",
            other => other,
        }
    }
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let field = self.label();
        let shown = self.shown.as_deref().unwrap_or("");
        match &self.rule {
            Rule::Required => write!(f, "{field} is required"),
            Rule::TooLong { n_chars, max } => write!(
                f,
                "{field} is too long ({n_chars} characters; at most {max})"
            ),
            Rule::ControlCharacters {
                line_breaks_allowed: true,
            } => write!(f, "{field} may not contain control characters"),
            Rule::ControlCharacters { .. } => write!(
                f,
                "{field} may not contain control characters (tabs, line breaks…)"
            ),
            Rule::NotADate => write!(
                f,
                "{field} '{shown}' is not a real date (use YYYY-MM-DD)"
            ),
            Rule::InFuture => write!(f, "{field} {shown} is in the future"),
            Rule::Before1900 => write!(f, "{field} {shown} is before 1900"),
            Rule::NotOneOf(allowed) => write!(
                f,
                "{field} '{shown}' is not one of {}",
                allowed.join(", ")
            ),
            Rule::NotE164 => write!(
                f,
                "{field} '{shown}' is not an international number (E.164: +, country code, number; e.g. +4930123456)"
            ),
            Rule::NotAnEmail => write!(
                f,
                "{field} '{shown}' is not an address like name@example.org"
            ),
            Rule::OutOfRange {
                min,
                max,
                unit,
                got_secs,
            } => write!(
                f,
                "{field} must be between {min} and {max} {unit} (got {got_secs} seconds)"
            ),
            Rule::TooFewDigits => write!(
                f,
                "'{shown}': type at least 4 digits of a phone number, a full MRN (XXXX-000123) or a date of birth (YYYY-MM-DD)"
            ),
            Rule::NothingToSearch => write!(
                f,
                "type at least 2 characters of a name, or a phone number, MRN or date of birth"
            ),
            Rule::NameTooShort => write!(f, "type at least 2 characters of a name"),
            Rule::NotAChainHead => write!(
                f,
                "'{shown}' is not a chain head (expected SEQ:HASH, 64 hex digits)"
            ),
            Rule::NotInChain { n_events } => write!(
                f,
                "audit event {shown} is not in the chain ({n_events} events)"
            ),
            Rule::NotUtf8 => write!(f, "the {field} is not valid UTF-8 text"),
            Rule::WeakPassword { problems } => {
                write!(f, "password refused: {}", problems.join("; "))
            }
            Rule::BelowKdfFloor => write!(f, "Argon2id parameters below the floor"),
            Rule::NotInRange { min, max } => {
                write!(f, "{field} must be between {min} and {max} (got {shown})")
            }
        }
    }
}

impl std::error::Error for Invalid {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_field_and_the_rule() {
        let cases = [
            (
                Invalid::new("given", Rule::Required),
                "given name is required",
            ),
            (
                Invalid::quoting("dob", Rule::InFuture, "2999-01-01"),
                "date of birth 2999-01-01 is in the future",
            ),
            (
                Invalid::quoting("sex", Rule::NotOneOf(&["female", "male"]), "x"),
                "sex 'x' is not one of female, male",
            ),
            (
                Invalid::new(
                    "idle_lock_secs",
                    Rule::OutOfRange {
                        min: 1,
                        max: 60,
                        unit: "minutes",
                        got_secs: 30,
                    },
                ),
                "the idle lock must be between 1 and 60 minutes (got 30 seconds)",
            ),
        ];
        for (invalid, text) in cases {
            assert_eq!(invalid.to_string(), text);
        }
        let long = Invalid::quoting("expect_head", Rule::NotAChainHead, &"x\n".repeat(100));
        assert!(long.to_string().contains("\\n"), "escaped");
        assert!(long.to_string().chars().count() < 120, "shortened");
    }
}
