//! The scan importer's checks against a corpus of good and nasty files (one test binary):
//! each file's outcome, independent oracles (exiftool, qpdf, decoders) on what is kept,
//! the admin's limits, and a replay of the fuzz corpus and every crash it found.

#[path = "scan_sanitize/build.rs"]
mod build;
#[path = "scan_sanitize/corpus.rs"]
mod corpus;
#[path = "scan_sanitize/oracles.rs"]
mod oracles;
#[path = "scan_sanitize/pdf_parts.rs"]
mod pdf_parts;
#[path = "scan_sanitize/replay.rs"]
mod replay;

use std::fs;
use std::path::PathBuf;

use clinic_vault_core::scans::sanitize::{sanitize, ScanLimits};
use corpus::{cases, Expect};

/// The package's directory, read when the test runs (see `tidy.rs`).
pub fn manifest_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .expect("cargo sets CARGO_MANIFEST_DIR")
}

pub fn corpus_dir() -> PathBuf {
    manifest_dir().join("tests/scan_corpus")
}

/// Reads a corpus file as committed.
pub fn corpus_file(name: &str) -> Vec<u8> {
    let path = corpus_dir().join(name);
    fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (regenerate with UPDATE_SCAN_CORPUS=1 cargo test -p clinic-vault-core --test scan_sanitize the_committed_corpus)",
            path.display()
        )
    })
}

#[test]
fn the_committed_corpus_is_what_the_generator_makes() -> Result<(), String> {
    let update = std::env::var_os("UPDATE_SCAN_CORPUS").is_some();
    let mut stale = Vec::new();
    for case in cases() {
        let path = corpus_dir().join(case.name);
        if update {
            fs::create_dir_all(path.parent().ok_or("parent")?).map_err(|e| e.to_string())?;
            fs::write(&path, &case.bytes).map_err(|e| e.to_string())?;
        } else if fs::read(&path).ok().as_deref() != Some(case.bytes.as_slice()) {
            stale.push(case.name);
        }
    }
    if stale.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "corpus files differ from the generator: {stale:?}; run UPDATE_SCAN_CORPUS=1 cargo test -p clinic-vault-core --test scan_sanitize the_committed_corpus"
        ))
    }
}

#[test]
fn every_file_in_the_corpus_folders_is_listed() -> Result<(), String> {
    let listed: Vec<&str> = cases().iter().map(|c| c.name).collect();
    for folder in ["good", "nasty"] {
        for entry in fs::read_dir(corpus_dir().join(folder)).map_err(|e| e.to_string())? {
            let name = format!(
                "{folder}/{}",
                entry
                    .map_err(|e| e.to_string())?
                    .file_name()
                    .to_string_lossy()
            );
            if !listed.contains(&name.as_str()) {
                return Err(format!(
                    "{name} is in the corpus but not in corpus::cases()"
                ));
            }
        }
    }
    Ok(())
}

#[test]
fn every_corpus_file_gets_its_outcome() -> Result<(), String> {
    let limits = ScanLimits::default();
    let mut wrong = Vec::new();
    for case in cases() {
        let input = corpus_file(case.name);
        let got = sanitize(&input, &limits);
        match (&case.expect, &got) {
            (Expect::Refused(want), Err(refusal)) if want == refusal => {
                assert!(!refusal.to_string().is_empty());
            }
            (
                Expect::Ok {
                    kind,
                    pages,
                    size,
                    orientation,
                    removed,
                },
                Ok(s),
            ) if s.kind == *kind
                && s.pages == *pages
                && (s.width, s.height) == *size
                && s.orientation == *orientation
                && s.removed == *removed => {}
            _ => wrong.push(format!("{}: got {got:?}", case.name)),
        }
    }
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(wrong.join("\n"))
    }
}

#[test]
fn refusal_reasons_are_distinct_snake_case_codes() {
    use clinic_vault_core::scans::sanitize::{Refusal, ScanKind};
    let kind = ScanKind::Png;
    let all = [
        Refusal::Empty,
        Refusal::TooLarge { bytes: 2, max: 1 },
        Refusal::UnknownType,
        Refusal::Polyglot { other: "zip" },
        Refusal::Truncated { kind },
        Refusal::Malformed { kind, what: "x" },
        Refusal::Unsupported { kind, what: "x" },
        Refusal::TooManyPixels {
            width: 1,
            height: 1,
            max_megapixels: 0,
        },
        Refusal::SideTooLong {
            width: 1,
            height: 1,
            max_side_px: 0,
        },
        Refusal::TooManyPages { max_pages: 1 },
        Refusal::Animated,
        Refusal::PdfEncrypted,
        Refusal::PdfActiveContent {
            feature: "javascript",
        },
        Refusal::PdfTooDeep { max_depth: 64 },
        Refusal::PdfTooComplex { max_tokens: 1 },
        Refusal::DecodeLimit { kind },
        Refusal::DecoderPanic { kind },
    ];
    let mut reasons: Vec<&str> = all.iter().map(Refusal::reason).collect();
    assert!(reasons
        .iter()
        .all(|r| r.chars().all(|c| c.is_ascii_lowercase() || c == '_')));
    reasons.sort_unstable();
    reasons.dedup();
    assert_eq!(reasons.len(), all.len());
}
