//! Damage a reader must refuse, each named where it is: truncation everywhere, chunks
//! dropped, duplicated, reordered or taken from another file, every bit of a small file
//! flipped, the wrong key or ids, trailing bytes, and a non-canonical empty chunk.

use super::super::stream::ChunkCipher;
use super::*;

/// 3.5 chunks: three full chunks and a short last one.
fn four_chunk_file() -> (Vec<u8>, Vec<u8>) {
    let plain = plaintext(3 * CSU + CSU / 2);
    let file = seal(&plain);
    assert_eq!(chunks(&file).len(), 4);
    (plain, file)
}

fn err(file: &[u8]) -> FormatError {
    match open(file) {
        Ok(_) => panic!("a damaged file of {} bytes opened", file.len()),
        Err(e) => e,
    }
}

fn bad_chunk(index: usize) -> (u64, u64) {
    (index as u64, chunk_offset(index) as u64)
}

#[test]
fn a_cut_at_every_chunk_boundary_is_truncation() {
    let (_, file) = four_chunk_file();
    for k in 0..4 {
        let e = err(&file[..chunk_offset(k)]);
        assert!(
            matches!(e, FormatError::Truncated { after_chunks } if after_chunks == k as u64),
            "cut after {k} chunks: {e:?}"
        );
    }
}

#[test]
fn a_cut_inside_the_header_is_truncation() {
    let (_, file) = four_chunk_file();
    for len in 0..HEADER_LEN {
        let e = err(&file[..len]);
        assert!(
            matches!(e, FormatError::Truncated { after_chunks: 0 }),
            "{len} bytes: {e:?}"
        );
    }
}

#[test]
fn a_cut_inside_a_chunk_fails_that_chunk() {
    let (_, file) = four_chunk_file();
    for (k, range) in chunks(&file).into_iter().enumerate() {
        for cut in [
            1,
            TAG_LEN - 1,
            TAG_LEN,
            TAG_LEN + 1,
            FULL / 2,
            range.len() - 1,
        ] {
            let e = err(&file[..range.start + cut]);
            let ok = if cut < TAG_LEN {
                matches!(e, FormatError::Truncated { after_chunks } if after_chunks == k as u64)
            } else {
                matches!(e, FormatError::BadChunk { index, offset } if (index, offset) == bad_chunk(k))
            };
            assert!(ok, "chunk {k} cut after {cut} bytes: {e:?}");
        }
    }
}

#[test]
fn dropped_chunks_fail() {
    let (_, file) = four_chunk_file();
    let ranges = chunks(&file);
    for (k, range) in ranges.iter().enumerate() {
        let mut cut = file.clone();
        cut.drain(range.clone());
        let e = err(&cut);
        let ok = if k + 1 == ranges.len() {
            // Without its last chunk the file ends after a chunk marked "more follows".
            matches!(e, FormatError::Truncated { after_chunks: 3 })
        } else {
            matches!(e, FormatError::BadChunk { index, offset } if (index, offset) == bad_chunk(k))
        };
        assert!(ok, "chunk {k} dropped: {e:?}");
    }
}

#[test]
fn duplicated_chunks_fail() {
    let (_, file) = four_chunk_file();
    let ranges = chunks(&file);
    for (k, range) in ranges.iter().enumerate() {
        let mut doubled = file.clone();
        let copy = file[range.clone()].to_vec();
        doubled.splice(range.end..range.end, copy);
        let e = err(&doubled);
        let expected = bad_chunk((k + 1).min(ranges.len() - 1));
        assert!(
            matches!(e, FormatError::BadChunk { index, offset } if (index, offset) == expected),
            "chunk {k} duplicated: {e:?}"
        );
    }
}

#[test]
fn reordered_chunks_fail() {
    let (_, file) = four_chunk_file();
    let ranges = chunks(&file);
    for k in 0..ranges.len() - 1 {
        let (a, b) = (ranges[k].clone(), ranges[k + 1].clone());
        let mut swapped = file[..a.start].to_vec();
        swapped.extend_from_slice(&file[b.clone()]);
        swapped.extend_from_slice(&file[a]);
        swapped.extend_from_slice(&file[b.end..]);
        assert_eq!(swapped.len(), file.len());
        let e = err(&swapped);
        assert!(
            matches!(e, FormatError::BadChunk { index, offset } if (index, offset) == bad_chunk(k)),
            "chunks {k} and {} swapped: {e:?}",
            k + 1
        );
    }
}

#[test]
fn chunks_from_another_file_fail() {
    let plain = plaintext(3 * CSU + CSU / 2);
    let ours = seal(&plain);
    let other_scan = Uuid::from_u128(2);
    // Another scan of the same patient (its own scan key), and a file made with the
    // same scan key and nonce prefix but another header: the header is every chunk's
    // associated data, so even that chunk does not fit.
    let others = [
        seal_with(&plain, CS, 2, other_scan).0,
        seal_with(&plain, CS, 1, other_scan).0,
    ];
    for (n, other) in others.iter().enumerate() {
        for (k, range) in chunks(&ours).into_iter().enumerate() {
            let mut mixed = ours.clone();
            mixed[range.clone()].copy_from_slice(&other[range]);
            let e = err(&mixed);
            assert!(
                matches!(e, FormatError::BadChunk { index, offset } if (index, offset) == bad_chunk(k)),
                "chunk {k} from file {n}: {e:?}"
            );
        }
        // Their header on our chunks: the ids no longer match, or if the caller asks
        // for the other scan, chunk 0 fails.
        let mut mixed = other[..HEADER_LEN].to_vec();
        mixed.extend_from_slice(&ours[HEADER_LEN..]);
        assert!(matches!(err(&mixed), FormatError::WrongScan { found, .. } if found == other_scan));
        let result = decrypt(
            &patient_key(),
            key_id(),
            other_scan,
            mixed.as_slice(),
            std::io::sink(),
        );
        assert!(
            matches!(result, Err(FormatError::BadChunk { index: 0, .. })),
            "file {n}'s header on our chunks: {result:?}"
        );
    }
}

/// What a flipped bit at `pos` must be reported as, in a [`CS`]-chunked file.
fn flip_is_named(pos: usize, e: &FormatError) -> bool {
    use FormatError as E;
    match pos {
        0..=5 => matches!(e, E::BadMagic),
        6 => matches!(e, E::UnsupportedVersion { .. }),
        7 => matches!(e, E::UnsupportedFlags { .. }),
        // A chunk size still in range reads chunks of the wrong length: chunk 0 fails.
        8..=11 => matches!(e, E::BadChunkSize { .. } | E::BadChunk { index: 0, .. }),
        12..=27 => matches!(e, E::WrongScan { .. }),
        28..=43 => matches!(e, E::WrongKey { .. }),
        44..=50 => matches!(e, E::BadChunk { index: 0, offset } if *offset == HEADER_LEN as u64),
        51..=110 => matches!(e, E::KeyUnwrap),
        _ => {
            let k = (pos - HEADER_LEN) / FULL;
            matches!(e, E::BadChunk { index, offset } if (*index, *offset) == bad_chunk(k))
        }
    }
}

#[test]
fn a_flipped_bit_anywhere_fails_and_names_the_header_field_or_chunk() {
    let plain = plaintext(2 * CSU + CSU / 2);
    let file = seal(&plain);
    for pos in 0..file.len() {
        let mut bad = file.clone();
        bad[pos] ^= 1 << (pos % 8);
        let mut out = Vec::new();
        let result = decrypt(
            &patient_key(),
            key_id(),
            scan_id(),
            bad.as_slice(),
            &mut out,
        );
        let e = result.expect_err("a flipped bit must not open");
        assert!(
            flip_is_named(pos, &e),
            "bit {} of byte {pos}: {e:?}",
            pos % 8
        );
        // Only chunks before the damaged one were released.
        let released = pos.saturating_sub(HEADER_LEN) / FULL * CSU;
        assert!(
            out.len() <= released,
            "byte {pos}: {} bytes released",
            out.len()
        );
        assert_eq!(out, plain[..out.len()]);
    }
}

#[test]
fn a_caller_trusting_tampered_header_ids_still_fails_the_unwrap() {
    let file = seal(b"prescription");
    let (forged_scan, forged_key) = (Uuid::from_u128(77), Uuid::from_u128(78));
    let mut bad = file.clone();
    bad[12..28].copy_from_slice(forged_scan.as_bytes());
    let r = decrypt(
        &patient_key(),
        key_id(),
        forged_scan,
        bad.as_slice(),
        std::io::sink(),
    );
    assert!(matches!(r, Err(FormatError::KeyUnwrap)), "{r:?}");
    let mut bad = file;
    bad[28..44].copy_from_slice(forged_key.as_bytes());
    let r = decrypt(
        &patient_key(),
        forged_key,
        scan_id(),
        bad.as_slice(),
        std::io::sink(),
    );
    assert!(matches!(r, Err(FormatError::KeyUnwrap)), "{r:?}");
}

#[test]
fn wrong_key_key_id_or_scan_id_is_refused() {
    let file = seal(b"prescription");
    let wrong = PatientKey::from_bytes([0x43; 32]);
    let r = decrypt(
        &wrong,
        key_id(),
        scan_id(),
        file.as_slice(),
        std::io::sink(),
    );
    assert!(matches!(r, Err(FormatError::KeyUnwrap)), "{r:?}");
    let other = Uuid::from_u128(5);
    let r = decrypt(
        &patient_key(),
        other,
        scan_id(),
        file.as_slice(),
        std::io::sink(),
    );
    assert!(
        matches!(r, Err(FormatError::WrongKey { expected, found }) if expected == other && found == key_id()),
        "{r:?}"
    );
    let r = verify(&patient_key(), key_id(), other, file.as_slice());
    assert!(
        matches!(r, Err(FormatError::WrongScan { expected, found }) if expected == other && found == scan_id()),
        "{r:?}"
    );
}

#[test]
fn trailing_bytes_are_refused() {
    // After a full-size last chunk and after an empty scan, where the trailing bytes
    // start is known: `TrailingData`. After a shorter last chunk they make it fail.
    let cases = [
        (2 * CSU, true),
        (0, true),
        (CSU / 2, false),
        (CSU + 3, false),
    ];
    for (len, at_known_end) in cases {
        let file = seal(&plaintext(len));
        for extra in [1, TAG_LEN, FULL + 3] {
            let mut long = file.clone();
            long.extend(std::iter::repeat_n(0xa5, extra));
            let e = err(&long);
            let last = chunks(&file).len() - 1;
            let ok = if at_known_end {
                matches!(e, FormatError::TrailingData { offset } if offset == file.len() as u64)
            } else {
                matches!(e, FormatError::BadChunk { index, offset } if (index, offset) == bad_chunk(last))
            };
            assert!(ok, "{len}-byte scan + {extra} bytes: {e:?}");
        }
    }
}

#[test]
fn an_empty_last_chunk_after_others_is_refused() -> Result<(), FormatError> {
    // A writer that does not follow the rules (a key holder's): one full chunk marked
    // "more follows", then an empty last chunk. Every chunk authenticates.
    let plain = plaintext(CSU);
    let good = seal(&plain);
    let header = Header::parse(&good)?;
    let scan_key = super::super::keys::unwrap_scan_key(&patient_key(), &header)?;
    let cipher = ChunkCipher::new(scan_key.cipher()?, header.nonce_prefix, &header.raw);
    let mut first = plain.clone();
    first.extend([0u8; TAG_LEN]);
    cipher.seal(0, false, &mut first)?;
    let mut empty = [0u8; TAG_LEN];
    cipher.seal(1, true, &mut empty)?;
    let mut file = header.raw.to_vec();
    file.extend(first);
    file.extend(empty);
    let e = err(&file);
    assert!(
        matches!(e, FormatError::EmptyLastChunk { index: 1, offset } if offset == chunk_offset(1) as u64),
        "{e:?}"
    );
    Ok(())
}

#[test]
fn headers_that_are_not_scan_v1_are_named() {
    let file = seal(b"x");
    let mut cases: Vec<(Vec<u8>, &str)> = vec![
        (b"%PDF-1.7 not a scan".to_vec(), "magic"),
        (b"PK".to_vec(), "magic"),
    ];
    let mut v2 = file.clone();
    v2[6] = 2;
    cases.push((v2, "version"));
    let mut flagged = file.clone();
    flagged[7] = 0x80;
    cases.push((flagged, "flags"));
    for (bytes, big_endian) in [(0u32, [0, 0, 0, 0]), (8 << 20, [0, 0x80, 0, 0])] {
        let mut sized = file.clone();
        sized[8..12].copy_from_slice(&big_endian);
        assert!(matches!(
            Header::parse(&sized),
            Err(FormatError::BadChunkSize { chunk_size }) if chunk_size == bytes
        ));
    }
    for (bytes, what) in cases {
        let parsed = read_header(bytes.as_slice());
        let ok = match what {
            "magic" => matches!(parsed, Err(FormatError::BadMagic)),
            "version" => matches!(parsed, Err(FormatError::UnsupportedVersion { version: 2 })),
            _ => matches!(parsed, Err(FormatError::UnsupportedFlags { flags: 0x80 })),
        };
        assert!(ok, "{what}: {parsed:?}");
        assert!(open(&bytes).is_err());
    }
}

#[test]
fn a_failing_chunk_releases_nothing_of_itself() {
    let (plain, file) = four_chunk_file();
    let mut bad = file.clone();
    bad[chunk_offset(2) + 5] ^= 0x10;
    let mut out = Vec::new();
    let r = decrypt(
        &patient_key(),
        key_id(),
        scan_id(),
        bad.as_slice(),
        &mut out,
    );
    assert!(
        matches!(r, Err(FormatError::BadChunk { index: 2, .. })),
        "{r:?}"
    );
    assert_eq!(
        out,
        plain[..2 * CSU],
        "exactly the two chunks that authenticated"
    );
}
