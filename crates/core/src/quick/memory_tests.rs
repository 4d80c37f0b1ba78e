//! After a lock that armed quick unlock, this process's memory holds no unwrapped copy
//! of the user's private key or of the data key: the heap and every anonymous mapping
//! (thread stacks and the locked pages included) are read back through
//! `/proc/self/mem` and searched. The keys are remembered only XOR-masked, so the
//! search itself leaves no copy to find. As far as it can be done: memory another
//! thread frees and reuses meanwhile can only make the search find less, never more.

use super::*;
use crate::vault::tests::Fixture;
use std::io::{Read, Seek, SeekFrom};

const MASK: u8 = 0xA5;

fn masked(bytes: &[u8]) -> Vec<u8> {
    bytes.iter().map(|b| b ^ MASK).collect()
}

/// The readable heap and anonymous mappings: `(start, end)`.
fn anonymous_regions() -> std::io::Result<Vec<(u64, u64)>> {
    let maps = std::fs::read_to_string("/proc/self/maps")?;
    let mut regions = Vec::new();
    for line in maps.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let (Some(range), Some(perms)) = (fields.first(), fields.get(1)) else {
            continue;
        };
        let path = fields.get(5).copied().unwrap_or("");
        let anonymous = path.is_empty() || path == "[heap]" || path == "[stack]";
        if !anonymous || !perms.starts_with('r') {
            continue;
        }
        let Some((start, end)) = range.split_once('-') else {
            continue;
        };
        if let (Ok(start), Ok(end)) = (u64::from_str_radix(start, 16), u64::from_str_radix(end, 16))
        {
            regions.push((start, end));
        }
    }
    Ok(regions)
}

/// How many places hold `needle` (given masked); regions that vanish are skipped.
fn occurrences(masked_needle: &[u8]) -> std::io::Result<usize> {
    let mut mem = std::fs::File::open("/proc/self/mem")?;
    let mut n_found = 0;
    let mut buf = vec![0u8; 1 << 20];
    let overlap = masked_needle.len() - 1;
    for (start, end) in anonymous_regions()? {
        let buf_addr = buf.as_ptr() as u64;
        if buf_addr >= start && buf_addr < end && end - start <= (1 << 20) {
            continue;
        }
        let mut pos = start;
        while pos < end {
            let want = usize::try_from((end - pos).min(buf.len() as u64)).unwrap_or(buf.len());
            if mem.seek(SeekFrom::Start(pos)).is_err() {
                break;
            }
            let Ok(got) = mem.read(&mut buf[..want]) else {
                break;
            };
            if got == 0 {
                break;
            }
            n_found += buf[..got]
                .windows(masked_needle.len())
                .filter(|w| w.iter().zip(masked_needle).all(|(b, m)| b ^ MASK == *m))
                .count();
            if got <= overlap {
                break;
            }
            pos += (got - overlap) as u64;
        }
    }
    buf.fill(0);
    Ok(n_found)
}

/// Whether some pass of up to twenty finds `masked_needle` (a fresh-clone CI run saw
/// five passes miss a key in use, with other test threads churning Argon2id buffers).
fn seen(masked_needle: &[u8]) -> std::io::Result<bool> {
    for _ in 0..20 {
        if occurrences(masked_needle)? >= 1 {
            return Ok(true);
        }
    }
    Ok(false)
}

#[test]
fn after_an_armed_lock_no_unwrapped_key_is_left_in_memory(
) -> std::result::Result<(), Box<dyn std::error::Error>> {
    let f = Fixture::new();
    let mut alice = f.admin();
    alice.set_pin(Pin::parse(b"480137")?)?;
    let dek = masked(alice.p.dek.expose_bytes());
    let private_key = masked(
        alice
            .p
            .private_key
            .as_ref()
            .ok_or("a full unlock holds the private key")?
            .expose_bytes(),
    );
    // The search finds the keys while they are in use, so it is able to find them. A
    // region another test thread unmaps mid-read (Argon2id's large buffers) ends that
    // region's read early, so a pass may miss a key: up to twenty passes.
    assert!(seen(&dek)?, "the search cannot see the data key");
    assert!(seen(&private_key)?, "the search cannot see the private key");
    assert_eq!(alice.lock_and_arm("idle")?, ArmOutcome::Armed);
    assert_eq!(occurrences(&dek)?, 0, "the data key is left in memory");
    assert_eq!(
        occurrences(&private_key)?,
        0,
        "the private key is left in memory"
    );

    // The same after a PIN session locks again.
    let session = crate::vault::quick_unlock(&f.root, "alice", b"480137", &f.cfg)?;
    assert!(
        seen(&dek)?,
        "the search cannot see the PIN session's data key"
    );
    assert_eq!(session.lock_and_arm("idle")?, ArmOutcome::Armed);
    assert_eq!(
        occurrences(&dek)?,
        0,
        "the data key is left after a PIN session"
    );
    Ok(())
}
