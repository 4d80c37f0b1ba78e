//! Turning results into text for people and JSON objects for scripts.

use crate::error::Error;
use serde_json::{json, Value};

/// A command's result in both forms.
pub struct Output {
    pub json: Value,
    pub text: String,
    /// With `--json`, these lines instead of `json`: one object per item of a command
    /// that handles several (`scan import`).
    pub json_lines: Vec<Value>,
    /// The command did part of its work and failed on the rest: printed, then exit 1.
    pub failure: Option<crate::error::Error>,
}

impl Output {
    pub fn new(json: Value, text: impl Into<String>) -> Self {
        Output {
            json,
            text: text.into(),
            json_lines: Vec::new(),
            failure: None,
        }
    }
}

pub fn error_json(err: &Error) -> Value {
    let mut error = json!({ "code": err.code(), "message": crate::messages::error_message(err) });
    if let Some(secs) = err.retry_after_secs() {
        error["retry_after_secs"] = json!(secs);
    }
    json!({ "error": error })
}

/// Text for the terminal: control characters (escape sequences, carriage returns,
/// backspaces, …) and bidirectional-text controls are shown escaped (`\u{1b}`), so no
/// stored or typed string — a note, a user name typed at a failed unlock, a search —
/// can move the cursor, rewrite a line, fake a row or retitle the window. Line breaks
/// are kept only with `keep_newlines` (between the lines the CLI itself writes).
pub fn terminal_safe(text: &str, keep_newlines: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let bidi = matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        if (c == '\n' && keep_newlines) || !(c.is_control() || bidi) {
            out.push(c);
        } else {
            out.extend(c.escape_default());
        }
    }
    out
}

/// A JSON value as one line in which the characters JSON may leave raw but a terminal
/// could act on (DEL, the C1 controls such as U+009B CSI, bidirectional-text controls)
/// are written as `\u` escapes: the same JSON to a parser, inert on a screen.
pub fn json_line(value: &Value) -> String {
    let text = value.to_string();
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let risky = matches!(c, '\u{7f}'..='\u{9f}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
        if risky {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// The authenticator QR code as terminal text.
pub fn qr(uri: &str) -> Option<String> {
    use qrcode::render::unicode::Dense1x2;
    let code = qrcode::QrCode::new(uri.as_bytes()).ok()?;
    Some(
        code.render::<Dense1x2>()
            .dark_color(Dense1x2::Light)
            .light_color(Dense1x2::Dark)
            .quiet_zone(true)
            .build(),
    )
}

/// Aligned columns under a header, two spaces apart; the last column is not padded.
/// Widths count characters, which is right for most scripts (not for wide CJK or emoji).
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| terminal_safe(c, false)).collect())
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let last = cells.len().saturating_sub(1);
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if i == last {
                    (*c).to_string()
                } else {
                    format!("{c:<w$}", w = widths[i])
                }
            })
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    let mut out = vec![line(header.to_vec())];
    out.extend(
        rows.iter()
            .map(|r| line(r.iter().map(String::as_str).collect())),
    );
    out.join("\n")
}

/// A stored time as people read it.
pub fn when(us: i64) -> String {
    format!("{} UTC", clinic_vault_core::clock::format_utc(us))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_cannot_reach_the_terminal() {
        let forged = "x\u{1b}[2K\r\u{1b}]0;pwned\u{7}admin\u{202e}gnp.exe\u{9b}";
        let safe = terminal_safe(forged, true);
        assert!(!safe.chars().any(|c| c.is_control()), "{safe:?}");
        assert!(!safe.contains('\u{202e}'));
        assert!(safe.contains("\\u{1b}[2K\\r"), "{safe}");
        assert_eq!(terminal_safe("two\nlines", true), "two\nlines");
        assert_eq!(terminal_safe("two\nlines", false), "two\\nlines");
        let t = table(&["a", "b"], &[vec!["x\ny".into(), "\u{1b}[31m".into()]]);
        assert_eq!(t.lines().count(), 2, "{t}");
        assert!(!t.contains('\u{1b}'));
    }

    #[test]
    fn json_lines_carry_no_c1_controls_and_still_parse_the_same() {
        let v = json!({ "note": "a\u{9b}2Jb\u{7f}\u{202e}c\u{1b}" });
        let line = json_line(&v);
        assert!(
            !line.chars().any(|c| c.is_control() || c == '\u{202e}'),
            "{line}"
        );
        assert_eq!(serde_json::from_str::<Value>(&line).expect("json"), v);
    }
}
