//! The fuzz corpus (`fuzz/corpus/import/`) and every crash the fuzzer ever found
//! (`tests/scan_corpus/crashes/`), replayed on stable by an ordinary `cargo test`; and the
//! admin's limits, each one shown to bite.

use std::fs;

use clinic_vault_core::scans::sanitize::{sanitize, Refusal, ScanLimits};

use super::{corpus_dir, corpus_file, manifest_dir};

fn files_in(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("entry").path();
        if path.is_file() && path.file_name().is_some_and(|n| n != "README.md") {
            let bytes = fs::read(&path).expect("read");
            out.push((path.display().to_string(), bytes));
        }
    }
    out.sort();
    out
}

/// Runs one input under default and tight limits: whatever the answer, it is an answer,
/// never a panic, and never a decoder panic caught by the last line of defence.
fn replay(name: &str, input: &[u8]) {
    let tight = ScanLimits {
        max_file_bytes: 1_000_000,
        max_megapixels: 1,
        max_side_px: 2_000,
        max_pages: 3,
    };
    for limits in [ScanLimits::default(), tight] {
        match sanitize(input, &limits) {
            Err(Refusal::DecoderPanic { kind }) => panic!("{name}: the {kind} decoder panicked"),
            Err(refusal) => assert!(!refusal.reason().is_empty()),
            Ok(out) => {
                let again = sanitize(&out.to_vec(input), &limits);
                assert!(
                    again.is_ok(),
                    "{name}: the stripped file is refused in turn: {again:?}"
                );
            }
        }
    }
}

#[test]
fn the_fuzz_corpus_replays_without_a_panic() {
    let files = files_in(&manifest_dir().join("fuzz/corpus/import"));
    assert!(
        files.len() >= 10,
        "the fuzz corpus is there ({} files)",
        files.len()
    );
    for (name, bytes) in files {
        replay(&name, &bytes);
    }
}

#[test]
fn every_crash_the_fuzzer_found_replays_without_a_panic() {
    for (name, bytes) in files_in(&corpus_dir().join("crashes")) {
        replay(&name, &bytes);
    }
}

#[test]
fn each_limit_is_the_admins_to_set() {
    let jpeg = corpus_file("good/photo-exif-xmp-iptc-gps.jpg");
    let tif = corpus_file("good/three-pages-rgb-grey-bilevel.tif");
    let base = ScanLimits::default();
    let small_file = ScanLimits {
        max_file_bytes: 1_000,
        ..base.clone()
    };
    assert_eq!(
        sanitize(&jpeg, &small_file).err(),
        Some(Refusal::TooLarge {
            bytes: jpeg.len() as u64,
            max: 1_000
        })
    );
    let no_pixels = ScanLimits {
        max_megapixels: 0,
        ..base.clone()
    };
    assert_eq!(
        sanitize(&jpeg, &no_pixels).err(),
        Some(Refusal::TooManyPixels {
            width: 640,
            height: 480,
            max_megapixels: 0
        })
    );
    let short_side = ScanLimits {
        max_side_px: 600,
        ..base.clone()
    };
    assert_eq!(
        sanitize(&jpeg, &short_side).err(),
        Some(Refusal::SideTooLong {
            width: 640,
            height: 480,
            max_side_px: 600
        })
    );
    let two_pages = ScanLimits {
        max_pages: 2,
        ..base.clone()
    };
    assert_eq!(
        sanitize(&tif, &two_pages).err(),
        Some(Refusal::TooManyPages { max_pages: 2 })
    );
    assert!(sanitize(&tif, &base).is_ok());
}
