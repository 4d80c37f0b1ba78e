//! Architecture invariants that can be read off the source (rust-analyzer's "tidy"):
//! only the kernel (`src/vault/kernel.rs`) opens a write transaction on the vault.

use std::fs;
use std::path::{Path, PathBuf};

/// Files allowed to open transactions, and why.
const ALLOWED: &[(&str, &str)] = &[
    ("vault/kernel.rs", "the audited unit of work"),
    (
        "db.rs",
        "schema migrations while a database is opened, before any session exists",
    ),
    (
        "bench_support.rs",
        "benchmark filler and the plain-SQLite baseline; feature-gated, never in a release",
    ),
];

/// What opening a write transaction looks like in rusqlite or SQL.
const PATTERNS: &[&str] = &[
    ".transaction(",
    "transaction_with_behavior(",
    "unchecked_transaction(",
    ".savepoint(",
    "\"begin",
    "'begin",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The offending lines of one file's text, ignoring its test code (a module named
/// `tests` or `*_tests`, or everything after `#[cfg(test)]`).
fn offending_lines(text: &str) -> Vec<String> {
    let code = text.split("#[cfg(test)]").next().unwrap_or(text);
    code.lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .filter(|line| {
            let lower = line.to_ascii_lowercase();
            PATTERNS.iter().any(|p| lower.contains(p))
        })
        .map(|line| line.trim().to_string())
        .collect()
}

#[test]
fn only_the_kernel_opens_a_write_transaction_on_the_vault() {
    let src = manifest_dir().join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(files.len() > 20, "found the sources");
    let mut offenders = Vec::new();
    for path in files {
        let rel = path
            .strip_prefix(&src)
            .expect("under src")
            .to_string_lossy()
            .replace('\\', "/");
        let is_test_module = rel.ends_with("tests.rs");
        if is_test_module || ALLOWED.iter().any(|(allowed, _)| *allowed == rel) {
            continue;
        }
        let text = fs::read_to_string(&path).expect("read");
        offenders.extend(
            offending_lines(&text)
                .into_iter()
                .map(|line| format!("{rel}: {line}")),
        );
    }
    assert!(
        offenders.is_empty(),
        "only vault/kernel.rs may open a write transaction on the vault:\n{}",
        offenders.join("\n")
    );
}

#[test]
fn the_scan_finds_what_it_looks_for() {
    assert_eq!(
        offending_lines("let tx = conn.transaction_with_behavior(Immediate)?;").len(),
        1
    );
    assert_eq!(
        offending_lines("conn.execute_batch(\"BEGIN IMMEDIATE\")?;").len(),
        1
    );
    assert_eq!(
        offending_lines("let tx = self.conn.transaction()?;").len(),
        1
    );
    assert!(offending_lines("// a comment about a transaction()").is_empty());
    assert!(offending_lines("#[cfg(test)]\nlet tx = c.transaction()?;").is_empty());
}

#[test]
fn the_allowed_files_exist() {
    let src = manifest_dir().join("src");
    for (file, why) in ALLOWED {
        assert!(
            src.join(file).is_file(),
            "{file} ({why}) is gone: update ALLOWED"
        );
    }
}

/// The package's directory, read when the test runs (cargo sets it), never the one
/// baked in at compile time: a persistent target directory shared by clones at other
/// paths may hold a binary compiled in another clone.
fn manifest_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(std::path::PathBuf::from)
        .expect("tests run through cargo, which sets CARGO_MANIFEST_DIR")
}
