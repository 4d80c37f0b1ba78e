//! Turning results into text for people and JSON objects for scripts.

use crate::error::Error;
use serde_json::{json, Value};

/// A command's result in both forms.
pub struct Output {
    pub json: Value,
    pub text: String,
}

impl Output {
    pub fn new(json: Value, text: impl Into<String>) -> Self {
        Output {
            json,
            text: text.into(),
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
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
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
