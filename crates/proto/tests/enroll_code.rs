//! Freezes the enrollment code (`tests/golden/wire/enroll_code.txt`): the server writes
//! it and the workstation reads it, so both must agree on these bytes. The golden file
//! was written by Python's standard library (sorted keys, compact separators, unpadded
//! base64url), independently of the Rust encoder.

use clinic_vault_proto::{EnrollCode, EnrollCodeError};

const URL: &str = "https://vault.clinic.example:8443/sync";
const TOKEN: &str = "cvenroll_4y7qk2m9x3w8r6t1v5b0n2c7d4f8g3h6";

fn golden() -> Result<String, std::io::Error> {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/wire/enroll_code.txt");
    Ok(std::fs::read_to_string(path)?.trim_end().to_owned())
}

#[test]
fn the_enrollment_code_matches_golden() -> Result<(), Box<dyn std::error::Error>> {
    let golden = golden()?;
    let code = EnrollCode::new(URL, TOKEN)?;
    assert_eq!(code.encode(), golden);
    let parsed = EnrollCode::parse(&golden)?;
    assert_eq!((parsed.url(), parsed.token()), (URL, TOKEN));
    Ok(())
}

#[test]
fn an_edited_golden_code_is_refused() -> Result<(), Box<dyn std::error::Error>> {
    let golden = golden()?;
    // The first payload character carries the object's opening brace.
    let edited = golden.replacen("cvenroll1:e", "cvenroll1:f", 1);
    assert_eq!(
        EnrollCode::parse(&edited),
        Err(EnrollCodeError::NotAPayload)
    );
    let truncated = &golden[..golden.len() - 4];
    assert!(EnrollCode::parse(truncated).is_err());
    assert_eq!(
        EnrollCode::parse(&golden.replacen("cvenroll1:", "cvenroll1;", 1)),
        Err(EnrollCodeError::NotACode)
    );
    Ok(())
}
