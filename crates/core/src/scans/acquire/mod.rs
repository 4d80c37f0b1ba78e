//! The desk scanner: SANE devices listed and pages scanned through SANE's `scanimage`,
//! whose output is read from a pipe into memory (never a file), and the pages combined
//! into one lossless multi-page TIFF that goes through the importer like any other file
//! ([`Session::import_scan`](crate::vault::Session::import_scan)). Nothing here touches
//! the vault; scanning runs outside any lock, and only the import is audited.
//!
//! The program is `scanimage` on `PATH`, or `CLINICVAULT_SCANIMAGE`. SANE's own
//! configuration applies (`SANE_CONFIG_DIR`: the tests use SANE's `test` backend).

mod error;
mod pnm;
mod process;
mod tiff_out;

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use error::AcquireError;
pub use pnm::RawPage;
pub use tiff_out::pages_to_tiff;

use process::RunError;

/// Resolutions offered, dots per inch.
pub const DPI_RANGE: std::ops::RangeInclusive<u32> = 75..=1200;

/// A scanner SANE can reach.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScanDevice {
    /// SANE's device name (`genesys:libusb:001:004`), what `--device` takes.
    pub name: String,
    /// Maker.
    pub vendor: String,
    /// Model.
    pub model: String,
    /// Kind (`flatbed scanner`, `sheetfed scanner`, …).
    pub kind: String,
}

/// How the scanner samples the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColourMode {
    /// 8-bit RGB.
    Color,
    /// 8-bit grey.
    Gray,
    /// 1 bit: black and white.
    Lineart,
}

impl ColourMode {
    /// SANE's standard name for the mode.
    fn sane_name(self) -> &'static str {
        match self {
            ColourMode::Color => "Color",
            ColourMode::Gray => "Gray",
            ColourMode::Lineart => "Lineart",
        }
    }

    /// From `color`, `gray` (or `grey`), `lineart`.
    pub fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_lowercase().as_str() {
            "color" | "colour" => Some(ColourMode::Color),
            "gray" | "grey" => Some(ColourMode::Gray),
            "lineart" => Some(ColourMode::Lineart),
            _ => None,
        }
    }
}

/// What to scan with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcquireOptions {
    /// The device; `None` takes the first one SANE lists.
    pub device: Option<String>,
    /// Dots per inch, within [`DPI_RANGE`].
    pub dpi: u32,
    /// Colour, grey or black and white.
    pub mode: ColourMode,
    /// Longest one page may take before the scan is stopped.
    pub page_timeout: Duration,
}

impl Default for AcquireOptions {
    /// 300 dpi colour, the first scanner, 5 minutes a page.
    fn default() -> Self {
        AcquireOptions {
            device: None,
            dpi: 300,
            mode: ColourMode::Color,
            page_timeout: Duration::from_secs(300),
        }
    }
}

/// The desk's scanners, through one `scanimage` program.
#[derive(Debug, Clone)]
pub struct Scanner {
    program: PathBuf,
}

/// Control characters out (a device's message is shown on a terminal and in a page),
/// the last non-empty line, at most 200 characters.
fn last_words(stderr: &str) -> String {
    let line = stderr
        .lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .unwrap_or("no message");
    let line = line.strip_prefix("scanimage: ").unwrap_or(line);
    line.chars().filter(|c| !c.is_control()).take(200).collect()
}

impl Scanner {
    /// `CLINICVAULT_SCANIMAGE`, or `scanimage` on `PATH`.
    pub fn system() -> Self {
        let program = std::env::var_os("CLINICVAULT_SCANIMAGE")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("scanimage"));
        Scanner { program }
    }

    fn program_name(&self) -> String {
        self.program.display().to_string()
    }

    fn failure(&self, device: &str, e: RunError, timeout: Duration) -> AcquireError {
        match e {
            RunError::NotFound => AcquireError::ToolMissing {
                program: self.program_name(),
            },
            RunError::TimedOut => AcquireError::TimedOut {
                device: device.to_string(),
                seconds: timeout.as_secs(),
            },
            RunError::Refused(e) => e,
            RunError::Failed(text) => {
                let reason = last_words(&text);
                if reason.contains("open of device") {
                    AcquireError::UnknownDevice {
                        device: device.to_string(),
                    }
                } else {
                    AcquireError::Failed {
                        device: device.to_string(),
                        reason,
                    }
                }
            }
            RunError::Io(e) => AcquireError::Failed {
                device: device.to_string(),
                reason: e.to_string(),
            },
        }
    }

    /// The scanners attached; empty when there are none (not an error).
    pub fn devices(&self) -> Result<Vec<ScanDevice>, AcquireError> {
        let timeout = Duration::from_secs(60);
        let args = ["-f".to_string(), "%d\t%v\t%m\t%t%n".to_string()];
        // The listing is text: at most 64 KiB of it.
        let out = process::run(&self.program, &args, timeout, |_| {
            Ok(process::Expect::AtMost(64 * 1024))
        })
        .map_err(|e| self.failure("(listing)", e, timeout))?;
        let text = String::from_utf8_lossy(&out);
        Ok(text
            .lines()
            .filter_map(|line| {
                let mut f = line.split('\t');
                let name = f.next()?.trim();
                (!name.is_empty()).then(|| ScanDevice {
                    name: name.to_string(),
                    vendor: f.next().unwrap_or("").trim().to_string(),
                    model: f.next().unwrap_or("").trim().to_string(),
                    kind: f.next().unwrap_or("").trim().to_string(),
                })
            })
            .collect())
    }

    /// Scans one page. Refused before reading the samples when the page announces more
    /// than `max_pixels`.
    pub fn scan_page(
        &self,
        options: &AcquireOptions,
        max_pixels: u64,
    ) -> Result<RawPage, AcquireError> {
        if !DPI_RANGE.contains(&options.dpi) {
            return Err(AcquireError::Failed {
                device: options.device.clone().unwrap_or_default(),
                reason: format!(
                    "{} dpi is outside {}–{}",
                    options.dpi,
                    DPI_RANGE.start(),
                    DPI_RANGE.end()
                ),
            });
        }
        let device = match &options.device {
            Some(d) => d.clone(),
            None => {
                self.devices()?
                    .into_iter()
                    .next()
                    .ok_or(AcquireError::NoScanner)?
                    .name
            }
        };
        let mut args = vec![
            "--device-name".to_string(),
            device.clone(),
            "--format=pnm".to_string(),
            "--resolution".to_string(),
            options.dpi.to_string(),
            "--mode".to_string(),
            options.mode.sane_name().to_string(),
        ];
        if options.mode != ColourMode::Lineart {
            args.extend(["--depth".to_string(), "8".to_string()]);
        }
        let data = process::run(&self.program, &args, options.page_timeout, |head| {
            let h = pnm::header(head, max_pixels)?;
            Ok(process::Expect::Exactly(h.len as u64 + h.body_len()))
        })
        .map_err(|e| self.failure(&device, e, options.page_timeout))?;
        pnm::parse(&data, max_pixels)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scanners_last_words_are_cleaned_and_cut() {
        assert_eq!(
            last_words("scanimage: sane_start: Document feeder jammed\n\n"),
            "sane_start: Document feeder jammed"
        );
        assert_eq!(last_words("bad\x1b[31m red\x07"), "bad[31m red");
        assert_eq!(last_words(""), "no message");
        assert_eq!(last_words(&"x".repeat(500)).len(), 200);
    }

    #[test]
    fn colour_modes_parse_as_typed() {
        assert_eq!(ColourMode::parse("Colour"), Some(ColourMode::Color));
        assert_eq!(ColourMode::parse("grey"), Some(ColourMode::Gray));
        assert_eq!(ColourMode::parse("lineart"), Some(ColourMode::Lineart));
        assert_eq!(ColourMode::parse("sepia"), None);
    }

    /// A stand-in `scanimage`: a shell script.
    fn fake(dir: &std::path::Path, body: &str) -> Scanner {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.join("scanimage");
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("script");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        Scanner { program: path }
    }

    fn options(timeout_ms: u64) -> AcquireOptions {
        AcquireOptions {
            device: Some("fake:0".into()),
            page_timeout: Duration::from_millis(timeout_ms),
            ..Default::default()
        }
    }

    #[test]
    fn a_scanner_that_hangs_is_stopped_and_one_that_floods_is_refused_by_its_header() {
        let dir = tempfile::tempdir().expect("dir");
        let hangs = fake(dir.path(), "printf 'P6 10 10 255\\n'\nexec sleep 60");
        let started = std::time::Instant::now();
        assert_eq!(
            hangs.scan_page(&options(500), 1_000_000),
            Err(AcquireError::TimedOut {
                device: "fake:0".into(),
                seconds: 0
            })
        );
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "killed, not waited for"
        );
        // A header announcing 10^10 pixels, then endless bytes: refused on the header.
        let floods = fake(
            dir.path(),
            "printf 'P6 100000 100000 255\\n'\nexec cat /dev/zero",
        );
        assert_eq!(
            floods.scan_page(&options(60_000), 100_000_000),
            Err(AcquireError::TooManyPixels {
                pixels: 10_000_000_000,
                max: 100_000_000
            })
        );
        // A page cut short: the scanner exits 0 with fewer samples than announced.
        let short = fake(dir.path(), "printf 'P5 10 10 255\\nabc'");
        assert_eq!(
            short.scan_page(&options(60_000), 1_000_000),
            Err(AcquireError::BadImage {
                reason: "truncated_samples"
            })
        );
        // A failing scanner's last words are its reason.
        let jams = fake(
            dir.path(),
            "echo 'scanimage: sane_start: Document feeder jammed' >&2\nexit 1",
        );
        assert_eq!(
            jams.scan_page(&options(60_000), 1_000_000),
            Err(AcquireError::Failed {
                device: "fake:0".into(),
                reason: "sane_start: Document feeder jammed".into()
            })
        );
        let good = fake(dir.path(), "printf 'P5 2 2 255\\n\\001\\002\\003\\004'");
        let page = good.scan_page(&options(60_000), 1_000_000).expect("page");
        assert_eq!(page.pixels, vec![1, 2, 3, 4]);
    }

    #[test]
    fn a_missing_program_is_named() {
        let s = Scanner {
            program: PathBuf::from("/nonexistent/scanimage"),
        };
        assert!(matches!(s.devices(), Err(AcquireError::ToolMissing { .. })));
    }
}
