//! RFC 8785 (JSON Canonicalization Scheme) for the subset of JSON the audit trail uses:
//! objects, arrays, strings, booleans, null and integers. Floats are refused rather than
//! approximated, so no two implementations can disagree about a number's text.

use serde_json::Value;

/// Why a value has no canonical encoding.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CanonicalError {
    /// A number that is not an integer in the IEEE-754 safe range (|n| ≤ 2^53 − 1).
    #[error("number {0} is not an integer in the safe range")]
    UnsafeNumber(String),
}

const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// Encodes `value` as RFC 8785 canonical JSON: no whitespace, object members sorted by
/// the UTF-16 code units of their names, strings escaped as ECMAScript's
/// `JSON.stringify` does.
pub fn canonical_json(value: &Value) -> Result<Vec<u8>, CanonicalError> {
    let mut out = Vec::with_capacity(256);
    write_value(value, &mut out)?;
    Ok(out)
}

fn write_value(value: &Value, out: &mut Vec<u8>) -> Result<(), CanonicalError> {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => {
            let text = if let Some(u) = n.as_u64() {
                (u <= MAX_SAFE_INTEGER).then(|| u.to_string())
            } else if let Some(i) = n.as_i64() {
                (i.unsigned_abs() <= MAX_SAFE_INTEGER).then(|| i.to_string())
            } else {
                None
            };
            match text {
                Some(t) => out.extend_from_slice(t.as_bytes()),
                None => return Err(CanonicalError::UnsafeNumber(n.to_string())),
            }
        }
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push(b'[');
            for (item_idx, item) in items.iter().enumerate() {
                if item_idx > 0 {
                    out.push(b',');
                }
                write_value(item, out)?;
            }
            out.push(b']');
        }
        Value::Object(map) => {
            let mut members: Vec<(&String, &Value)> = map.iter().collect();
            members.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
            out.push(b'{');
            for (member_idx, (name, member)) in members.into_iter().enumerate() {
                if member_idx > 0 {
                    out.push(b',');
                }
                write_string(name, out);
                out.push(b':');
                write_value(member, out)?;
            }
            out.push(b'}');
        }
    }
    Ok(())
}

pub(crate) fn write_string(s: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    // Byte-wise: every byte of a multi-byte UTF-8 sequence is >= 0x80, so only ASCII
    // bytes can need an escape, and the runs between escapes are copied whole (done
    // character by character, this was the largest single cost in a profile of the
    // sync server's ingest benchmark).
    let bytes = s.as_bytes();
    let mut run_start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            0x08 => b"\\b",
            b'\t' => b"\\t",
            b'\n' => b"\\n",
            0x0c => b"\\f",
            b'\r' => b"\\r",
            // The other control characters: `\u00XX`, written below.
            b if b < 0x20 => b"",
            _ => continue,
        };
        out.extend_from_slice(bytes.get(run_start..i).unwrap_or_default());
        if escape.is_empty() {
            out.extend_from_slice(format!("\\u{b:04x}").as_bytes());
        } else {
            out.extend_from_slice(escape);
        }
        run_start = i + 1;
    }
    out.extend_from_slice(bytes.get(run_start..).unwrap_or_default());
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strings_escape_as_serde_json_does() {
        // serde_json escapes strings as ECMAScript's JSON.stringify does (RFC 8785 §3.2.2.2).
        let mut cases: Vec<String> = (0u8..0x80).map(|b| char::from(b).to_string()).collect();
        cases.extend(
            [
                "",
                "plain run",
                "a\"b\\c\u{1}d\ne",
                "\u{1f}end",
                "start\u{0}",
                "é€😀\t\u{7f}\r\u{8}\u{c}",
            ]
            .map(String::from),
        );
        cases.push((0u8..0x80).map(char::from).collect());
        for case in cases {
            let mut out = Vec::new();
            write_string(&case, &mut out);
            let expected = serde_json::to_string(&case).expect("a string serialises");
            assert_eq!(String::from_utf8(out).expect("utf8"), expected, "{case:?}");
        }
    }

    #[test]
    fn sorts_members_by_utf16_code_units() -> Result<(), CanonicalError> {
        // RFC 8785 §3.2.3: "\u{10000}" (surrogate pair D800 DC00) sorts before "\u{ff61}".
        let v = json!({"\u{ff61}": 1, "\u{10000}": 2, "b": 3, "a": [true, null, -4]});
        let text = String::from_utf8(canonical_json(&v)?).expect("utf8");
        assert_eq!(
            text,
            "{\"a\":[true,null,-4],\"b\":3,\"\u{10000}\":2,\"\u{ff61}\":1}"
        );
        Ok(())
    }

    #[test]
    fn escapes_like_json_stringify() -> Result<(), CanonicalError> {
        let v = json!("q\"b\\\u{1}\n\u{7f}é€😀");
        let text = String::from_utf8(canonical_json(&v)?).expect("utf8");
        assert_eq!(text, "\"q\\\"b\\\\\\u0001\\n\u{7f}é€😀\"");
        Ok(())
    }

    #[test]
    fn refuses_floats_and_unsafe_integers() {
        assert!(canonical_json(&json!(1.5)).is_err());
        assert!(canonical_json(&json!(9007199254740992u64)).is_err());
        assert!(canonical_json(&json!(9007199254740991u64)).is_ok());
    }
}
