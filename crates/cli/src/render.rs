//! Turning results into text for people and JSON objects for scripts.

use clinic_vault_core::Error;
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
    let mut error = json!({ "code": err.code(), "message": err.to_string() });
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
