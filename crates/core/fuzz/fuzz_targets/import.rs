//! Fuzz target for the scan importer: any bytes, default and tight limits. A panic, a
//! caught decoder panic, or a stripped file that is refused in turn is a crash.
#![no_main]

use clinic_vault_core::scans::sanitize::{sanitize, Refusal, ScanLimits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let tight = ScanLimits {
        max_file_bytes: 1_000_000,
        max_megapixels: 1,
        max_side_px: 2_000,
        max_pages: 3,
    };
    for limits in [ScanLimits::default(), tight] {
        match sanitize(input, &limits) {
            Err(Refusal::DecoderPanic { kind }) => panic!("the {kind} decoder panicked"),
            Err(_) => {}
            Ok(out) => {
                let stripped = out.to_vec(input);
                assert_eq!(stripped.len() as u64, out.len());
                if let Err(again) = sanitize(&stripped, &limits) {
                    panic!("the stripped file is refused in turn: {again:?}");
                }
            }
        }
    }
});
