//! Validation of what staff type into a record, with messages that say what to fix.

use crate::error::{Error, Result};
use crate::invalid::{Invalid, Rule};

fn invalid(field: &'static str, rule: Rule) -> Error {
    Error::InvalidInput(Invalid::new(field, rule))
}

fn invalid_value(field: &'static str, rule: Rule, value: &str) -> Error {
    Error::InvalidInput(Invalid::quoting(field, rule, value))
}

/// A typed value as a message quotes it: control characters escaped (a message is one
/// line) and at most 40 characters (a message never repeats a huge input).
pub fn shown(value: &str) -> String {
    const MAX: usize = 40;
    let mut out: String = value
        .chars()
        .take(MAX)
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect();
    if value.chars().nth(MAX).is_some() {
        out.push('…');
    }
    out
}

/// A required single-line text field: trimmed, 1..=`max` characters, no control
/// characters.
pub fn required_line(field: &'static str, value: &str, max: usize) -> Result<String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(invalid(field, Rule::Required));
    }
    line(field, v, max)
}

/// An optional single-line field: empty means absent.
pub fn optional_line(
    field: &'static str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => line(field, v, max).map(Some),
    }
}

fn line(field: &'static str, v: &str, max: usize) -> Result<String> {
    if v.chars().any(char::is_control) {
        return Err(invalid(
            field,
            Rule::ControlCharacters {
                line_breaks_allowed: false,
            },
        ));
    }
    let n = v.chars().count();
    if n > max {
        return Err(invalid(field, Rule::TooLong { n_chars: n, max }));
    }
    Ok(v.to_string())
}

/// Free text (a note, a reason): 1..=`max` characters; line breaks and tabs allowed,
/// other control characters not.
pub fn text(field: &'static str, value: &str, max: usize) -> Result<String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(invalid(field, Rule::Required));
    }
    if v.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err(invalid(
            field,
            Rule::ControlCharacters {
                line_breaks_allowed: true,
            },
        ));
    }
    let n = v.chars().count();
    if n > max {
        return Err(invalid(field, Rule::TooLong { n_chars: n, max }));
    }
    Ok(v.to_string())
}

/// Days since 1970-01-01 of a proleptic Gregorian date, if it exists.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> Option<i64> {
    if !(1..=12).contains(&m) || d == 0 {
        return None;
    }
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if d > month_days[(m - 1) as usize] {
        return None;
    }
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// Parses `YYYY-MM-DD` into days since the epoch, if it is a real date.
pub fn parse_date(value: &str) -> Option<i64> {
    let b = value.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let digits = |r: std::ops::Range<usize>| -> Option<i64> {
        value
            .get(r.clone())?
            .bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| value[r].parse().ok())?
    };
    let (y, m, d) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    days_from_civil(y, m as u32, d as u32)
}

/// A date of birth: a real `YYYY-MM-DD` date between 1900-01-01 and today.
pub fn date_of_birth(value: &str, today_days: i64) -> Result<String> {
    let v = value.trim();
    let days = parse_date(v).ok_or_else(|| invalid_value("dob", Rule::NotADate, v))?;
    if days > today_days {
        return Err(invalid_value("dob", Rule::InFuture, v));
    }
    if days < days_from_civil(1900, 1, 1).expect("valid") {
        return Err(invalid_value("dob", Rule::Before1900, v));
    }
    Ok(v.to_string())
}

const SEXES: &[&str] = &["female", "male", "other", "unknown"];

/// Sex as recorded: female, male, other or unknown.
pub fn sex(value: Option<&str>) -> Result<Option<String>> {
    match value.map(|v| v.trim().to_lowercase()) {
        None => Ok(None),
        Some(v) if v.is_empty() => Ok(None),
        Some(v) if SEXES.contains(&v.as_str()) => Ok(Some(v)),
        Some(v) => Err(invalid_value("sex", Rule::NotOneOf(SEXES), &v)),
    }
}

/// A phone number in E.164 (`+` then 8–15 digits, no leading 0); spaces, dots, dashes
/// and parentheses are removed first.
pub fn phone(value: Option<&str>) -> Result<Option<String>> {
    let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let compact: String = v
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
        .collect();
    let digits = compact.strip_prefix('+').unwrap_or("");
    let ok = compact.starts_with('+')
        && (8..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0');
    if !ok {
        return Err(invalid_value("phone", Rule::NotE164, v));
    }
    Ok(Some(compact))
}

/// An e-mail address of plausible shape (one `@`, a dotted domain, no spaces).
pub fn email(value: Option<&str>) -> Result<Option<String>> {
    let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let bad = || invalid_value("email", Rule::NotAnEmail, v);
    if v.chars().count() > 254 || v.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad());
    }
    let (local, domain) = v.split_once('@').ok_or_else(bad)?;
    let labels_ok = domain
        .split('.')
        .all(|l| !l.is_empty() && !l.starts_with('-') && !l.ends_with('-'));
    if local.is_empty()
        || local.chars().count() > 64
        || domain.contains('@')
        || !domain.contains('.')
        || !labels_ok
    {
        return Err(bad());
    }
    Ok(Some(v.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_must_exist_and_be_in_range() {
        let today = days_from_civil(2026, 11, 30).expect("valid");
        assert!(date_of_birth("2000-02-29", today).is_ok());
        assert!(
            date_of_birth("1900-02-29", today).is_err(),
            "1900 is not a leap year"
        );
        assert!(date_of_birth("2023-02-29", today).is_err());
        assert!(date_of_birth("2020-13-01", today).is_err());
        assert!(date_of_birth("2020-04-31", today).is_err());
        assert!(date_of_birth("2026-12-01", today).is_err(), "future");
        assert!(date_of_birth("1899-12-31", today).is_err());
        assert!(date_of_birth("20-01-01", today).is_err());
        assert!(date_of_birth("2020/01/01", today).is_err());
        assert!(
            date_of_birth("２０２０-01-01", today).is_err(),
            "full-width digits"
        );
        assert_eq!(days_from_civil(1970, 1, 1), Some(0));
    }

    #[test]
    fn phones_are_e164() {
        assert_eq!(
            phone(Some("+49 (30) 123-456")).expect("ok").as_deref(),
            Some("+4930123456")
        );
        assert!(phone(Some("030 123456")).is_err(), "no country code");
        assert!(phone(Some("+0123456789")).is_err());
        assert!(phone(Some("+1234567")).is_err(), "too short");
        assert!(phone(Some("+1234567890123456")).is_err(), "too long");
        assert!(phone(Some("+49abc12345")).is_err());
        assert_eq!(phone(Some("  ")).expect("empty is absent"), None);
    }

    #[test]
    fn emails_have_a_plausible_shape() {
        assert!(email(Some("zoe.muller@example.org")).expect("ok").is_some());
        for bad in [
            "zoe",
            "zoe@",
            "@example.org",
            "zoe@example",
            "a b@example.org",
            "a@b@example.org",
            "a@-x.org",
        ] {
            assert!(email(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn messages_quote_values_on_one_short_line() {
        let err = phone(Some("+49 30\n1234")).expect_err("line break");
        assert!(err.to_string().contains("'+49 30\\n1234'"), "{err}");
        let huge = format!("{}@", "x".repeat(100_000));
        let err = email(Some(&huge)).expect_err("huge").to_string();
        assert!(err.len() < 200 && err.contains('…'), "{err}");
    }

    #[test]
    fn lines_refuse_controls_and_length() {
        assert!(required_line("given name", "  ", 10).is_err());
        assert!(required_line("given name", "a\u{7}b", 10).is_err());
        assert!(required_line("given name", &"x".repeat(11), 10).is_err());
        assert_eq!(
            required_line("given name", " Zoë 😀 ", 10).expect("ok"),
            "Zoë 😀"
        );
        assert!(text("note", "line one\nline two", 100).is_ok());
        assert!(text("note", "bell\u{7}", 100).is_err());
    }
}
