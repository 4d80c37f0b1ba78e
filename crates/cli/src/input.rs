//! Secrets from standard input: one per line, as bytes (a password may be anything),
//! or prompted without echo on a terminal.

use std::io::{BufRead, IsTerminal};

use clinic_vault_core::Password;

use crate::error::Error;

/// Reads stdin line by line.
pub struct Input {
    reader: Box<dyn BufRead>,
    pub is_tty: bool,
}

impl Input {
    pub fn stdin() -> Self {
        let stdin = std::io::stdin();
        let is_tty = stdin.is_terminal();
        Input {
            reader: Box::new(std::io::BufReader::new(stdin)),
            is_tty,
        }
    }

    /// The next line without its line ending; `None` at end of input.
    pub fn line(&mut self) -> Result<Option<Vec<u8>>, Error> {
        let mut buf = Vec::new();
        let n = self
            .reader
            .read_until(b'\n', &mut buf)
            .map_err(|e| Error::Io(format!("reading standard input: {e}")))?;
        if n == 0 {
            return Ok(None);
        }
        if buf.last() == Some(&b'\n') {
            buf.pop();
        }
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
        Ok(Some(buf))
    }

    /// A secret: prompted without echo on a terminal, else the next stdin line.
    pub fn secret(&mut self, prompt: &str, what: &str) -> Result<Password, Error> {
        if self.is_tty {
            let text = rpassword::prompt_password(prompt)
                .map_err(|e| Error::Io(format!("reading the {what}: {e}")))?;
            return Ok(Password::from_bytes(text.into_bytes()));
        }
        match self.line()? {
            Some(bytes) => Ok(Password::from_bytes(bytes)),
            None => Err(Error::Usage(format!(
                "expected the {what} on standard input"
            ))),
        }
    }

    /// A new secret: on a terminal asked twice and compared.
    pub fn new_secret(&mut self, prompt: &str, what: &str) -> Result<Password, Error> {
        if !self.is_tty {
            return self.secret(prompt, what);
        }
        let first = rpassword::prompt_password(prompt)
            .map_err(|e| Error::Io(format!("reading the {what}: {e}")))?;
        let second = rpassword::prompt_password("Type it again: ")
            .map_err(|e| Error::Io(format!("reading the {what}: {e}")))?;
        if first != second {
            return Err(Error::Usage(format!("the two {what}s differ")));
        }
        Ok(Password::from_bytes(first.into_bytes()))
    }

    /// A visible answer on a terminal (a TOTP code).
    pub fn ask(&mut self, prompt: &str) -> Result<Option<String>, Error> {
        eprint!("{prompt}");
        Ok(self
            .line()?
            .map(|b| String::from_utf8_lossy(&b).trim().to_string()))
    }
}
