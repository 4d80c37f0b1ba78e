//! The renderer binary end to end: the wire protocol over real pipes, pixels of a known
//! drawing, page counts, refusals with their one word, and the sandbox killing a
//! process that tries a system call outside its allow-list.

use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Output, Stdio};

use clinic_vault_render::sandbox::{self, Limits};

const BIN: &str = env!("CARGO_BIN_EXE_clinic-vault-render");

/// A PDF from numbered object bodies (object `i + 1` is `objects[i]`).
fn pdf(objects: &[String]) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    for (idx, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", idx + 1).as_bytes());
    }
    let xref_at = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref_at}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// `n_pages` pages of 200 × 100 points, each with a red rectangle from (50, 25) to
/// (150, 75) in PDF space (origin at the bottom left).
fn red_box_pdf(n_pages: usize) -> Vec<u8> {
    let kids: Vec<String> = (0..n_pages).map(|i| format!("{} 0 R", 4 + i)).collect();
    let mut objects = vec![
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        format!(
            "<< /Type /Pages /Kids [{}] /Count {n_pages} >>",
            kids.join(" ")
        ),
    ];
    let content = "1 0 0 rg 50 25 100 50 re f";
    objects.push(format!(
        "<< /Length {} >>\nstream\n{content}\nendstream",
        content.len()
    ));
    for _ in 0..n_pages {
        objects
            .push("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 3 0 R >>".into());
    }
    pdf(&objects)
}

fn request(op: u8, page: u32, width: u32, body: &[u8]) -> Vec<u8> {
    let mut out = b"CVR1".to_vec();
    out.extend_from_slice(&[op, 0, 0, 0]);
    out.extend_from_slice(&page.to_le_bytes());
    out.extend_from_slice(&width.to_le_bytes());
    out.extend_from_slice(&(body.len() as u64).to_le_bytes());
    out.extend_from_slice(body);
    out
}

fn run(input: &[u8]) -> std::io::Result<Output> {
    let mut child = Command::new(BIN)
        .env_clear()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let mut stdin = child.stdin.take().ok_or(std::io::ErrorKind::BrokenPipe)?;
    stdin.write_all(input)?;
    drop(stdin);
    child.wait_with_output()
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

#[test]
fn a_red_rectangle_comes_back_red_where_it_was_drawn() -> std::io::Result<()> {
    let out = run(&request(2, 0, 400, &red_box_pdf(1)))?;
    assert!(out.status.success(), "{out:?}");
    assert_eq!(&out.stdout[..8], b"CVA1\x02\0\0\0");
    let (width, height) = (u32_at(&out.stdout, 8), u32_at(&out.stdout, 12));
    assert_eq!((width, height), (400, 200));
    let pixels = &out.stdout[16..];
    assert_eq!(pixels.len(), 400 * 200 * 4);
    let at = |x: usize, y: usize| &pixels[(y * 400 + x) * 4..(y * 400 + x) * 4 + 4];
    // Image rows run top down: PDF y 25..75 is image rows 50..150 at scale 2.
    assert_eq!(at(200, 100), [255, 0, 0, 255], "inside the rectangle");
    assert_eq!(at(110, 60), [255, 0, 0, 255], "near its top left corner");
    assert_eq!(at(10, 10), [255, 255, 255, 255], "outside: white");
    assert_eq!(at(200, 20), [255, 255, 255, 255], "above it");
    assert_eq!(at(200, 180), [255, 255, 255, 255], "below it");
    Ok(())
}

#[test]
fn a_three_page_document_counts_three() -> std::io::Result<()> {
    let out = run(&request(1, 0, 0, &red_box_pdf(3)))?;
    assert!(out.status.success(), "{out:?}");
    assert_eq!(out.stdout, b"CVA1\x01\0\0\0\x03\0\0\0");
    Ok(())
}

#[test]
fn refusals_say_one_word_and_exit_non_zero() -> std::io::Result<()> {
    let cases: [(Vec<u8>, &str); 4] = [
        (request(1, 0, 0, b"this is not a PDF at all"), "unreadable"),
        (request(2, 5, 100, &red_box_pdf(2)), "no_such_page"),
        (request(2, 0, 0, &red_box_pdf(1)), "bad_request"),
        (b"CVR1\x01\0\0\0".to_vec(), "truncated_request"),
    ];
    for (input, word) in cases {
        let out = run(&input)?;
        assert!(!out.status.success(), "{word}: {out:?}");
        assert!(out.stdout.is_empty(), "{word}: no answer on failure");
        assert_eq!(String::from_utf8_lossy(&out.stderr), format!("{word}\n"));
    }
    Ok(())
}

#[test]
fn a_page_over_the_memory_limit_kills_the_renderer_not_the_caller() -> std::io::Result<()> {
    let mut child = Command::new(BIN)
        .args(["--max-memory-bytes", "67108864"])
        .env_clear()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let mut stdin = child.stdin.take().ok_or(std::io::ErrorKind::BrokenPipe)?;
    // 16384 × 8192 pixels are 512 MiB of pixmap: far over 64 MiB.
    stdin.write_all(&request(2, 0, 16_384, &red_box_pdf(1)))?;
    drop(stdin);
    let out = child.wait_with_output()?;
    assert!(!out.status.success(), "{out:?}");
    assert!(out.stdout.is_empty());
    Ok(())
}

/// The probe half of the seccomp test: run in a child copy of this test binary.
const PROBE_ENV: &str = "CLINIC_VAULT_RENDER_SANDBOX_PROBE";

#[test]
fn the_sandbox_kills_a_process_that_opens_a_file() -> std::io::Result<()> {
    if std::env::var_os(PROBE_ENV).is_some() {
        if sandbox::enter(&Limits::default()).is_err() {
            std::process::exit(3);
        }
        // Under the filter `openat` is not allowed: the kernel kills the process here.
        let opened = std::fs::File::open("/proc/self/status").is_ok();
        std::process::exit(if opened { 0 } else { 4 });
    }
    let out = Command::new(std::env::current_exe()?)
        .args([
            "--exact",
            "the_sandbox_kills_a_process_that_opens_a_file",
            "--test-threads=1",
            "--nocapture",
        ])
        .env(PROBE_ENV, "1")
        .output()?;
    assert_eq!(out.status.signal(), Some(libc::SIGSYS), "{out:?}");
    Ok(())
}
