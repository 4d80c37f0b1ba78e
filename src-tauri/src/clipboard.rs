//! The system clipboard through arboard, opened on first use (there may be no display
//! in tests) and kept open so that copied text survives on X11.

use std::sync::Mutex;

use crate::state::Clipboard;

/// The real clipboard.
#[derive(Default)]
pub struct SystemClipboard(Mutex<Option<arboard::Clipboard>>);

impl std::fmt::Debug for SystemClipboard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SystemClipboard")
    }
}

impl SystemClipboard {
    fn with<T>(&self, f: impl FnOnce(&mut arboard::Clipboard) -> T) -> Result<T, String> {
        let mut guard = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if guard.is_none() {
            *guard = Some(arboard::Clipboard::new().map_err(|e| e.to_string())?);
        }
        Ok(f(guard.as_mut().expect("just opened")))
    }
}

impl Clipboard for SystemClipboard {
    fn set(&self, text: &str) -> Result<(), String> {
        self.with(|c| c.set_text(text.to_string()).map_err(|e| e.to_string()))?
    }

    fn get(&self) -> Option<String> {
        self.with(|c| c.get_text().ok()).ok().flatten()
    }

    fn clear(&self) {
        let _ = self.with(|c| c.clear());
    }
}
