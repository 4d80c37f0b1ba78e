//! Round trips: every size around a chunk boundary, seeded random sizes, the production
//! chunk size, readers that return a byte at a time or are interrupted, and the limits.

use std::io::{self, Read, Write};

use super::*;

/// Encrypts, checks what `Sealed` reports against the bytes, decrypts, compares.
fn round_trip(plain: &[u8], cs: u32) -> Result<(), FormatError> {
    let (file, sealed) = seal_with(plain, cs, 9, scan_id());
    let cs = cs as usize;
    let n_chunks = plain.len().div_ceil(cs).max(1);
    assert_eq!(
        sealed.n_chunks,
        n_chunks as u64,
        "chunks for {} bytes",
        plain.len()
    );
    assert_eq!(sealed.plain_len, plain.len() as u64);
    assert_eq!(sealed.file_len, file.len() as u64);
    assert_eq!(file.len(), HEADER_LEN + plain.len() + n_chunks * TAG_LEN);
    assert_eq!(
        sealed.content_hash,
        sha256(&file),
        "content address = SHA-256(file)"
    );
    let mut out = Vec::new();
    let opened = decrypt(
        &patient_key(),
        key_id(),
        scan_id(),
        file.as_slice(),
        &mut out,
    )?;
    assert_eq!(out, plain, "{} bytes round trip", plain.len());
    assert_eq!(
        opened,
        Opened {
            plain_len: sealed.plain_len,
            content_hash: sealed.content_hash,
            n_chunks: sealed.n_chunks,
            file_len: sealed.file_len,
        }
    );
    assert_eq!(
        verify(&patient_key(), key_id(), scan_id(), file.as_slice())?,
        opened
    );
    Ok(())
}

#[test]
fn sizes_around_chunk_boundaries_round_trip() -> Result<(), FormatError> {
    for len in [
        0,
        1,
        CSU - 1,
        CSU,
        CSU + 1,
        2 * CSU,
        3 * CSU + 5,
        5 * CSU - 1,
    ] {
        round_trip(&plaintext(len), CS)?;
    }
    Ok(())
}

#[test]
fn seeded_random_sizes_and_chunk_sizes_round_trip() -> Result<(), FormatError> {
    // xorshift64: a fixed seed, so a failure reproduces.
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..40 {
        let cs = [MIN_CHUNK_SIZE, 5000, 8192, 65_536][(next() % 4) as usize];
        let len = (next() % (4 * u64::from(cs) + 3)) as usize;
        round_trip(&plaintext(len), cs)?;
    }
    Ok(())
}

#[test]
fn production_encrypt_uses_64_kib_chunks_and_fresh_randomness() -> Result<(), FormatError> {
    let plain = plaintext(2 * CHUNK_SIZE as usize + 10);
    let mut first = Vec::new();
    let sealed = encrypt(
        &patient_key(),
        key_id(),
        scan_id(),
        plain.as_slice(),
        &mut first,
    )?;
    assert_eq!(sealed.n_chunks, 3);
    let header = read_header(first.as_slice())?;
    assert_eq!(
        (
            header.version,
            header.chunk_size,
            header.scan_id,
            header.key_id
        ),
        (VERSION, CHUNK_SIZE, scan_id(), key_id())
    );
    let mut second = Vec::new();
    encrypt(
        &patient_key(),
        key_id(),
        scan_id(),
        plain.as_slice(),
        &mut second,
    )?;
    assert_ne!(first, second, "every file gets its own scan key and nonces");
    assert_ne!(first.get(44..111), second.get(44..111));
    for file in [first, second] {
        let (out, _) = open(&file)?;
        assert_eq!(out, plain);
    }
    Ok(())
}

#[test]
fn chunk_sizes_out_of_range_are_refused_when_writing() {
    for cs in [0, MIN_CHUNK_SIZE - 1, MAX_CHUNK_SIZE + 1, u32::MAX] {
        let result = encrypt_with(
            &patient_key(),
            key_id(),
            scan_id(),
            cs,
            &randomness(1),
            &b"x"[..],
            io::sink(),
        );
        assert!(
            matches!(result, Err(FormatError::BadChunkSize { chunk_size }) if chunk_size == cs),
            "{cs}: {result:?}"
        );
    }
}

/// Returns one byte per read and an `Interrupted` error before every other read.
struct Trickle<'a> {
    bytes: &'a [u8],
    interrupt: bool,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.interrupt = !self.interrupt;
        if self.interrupt {
            return Err(io::ErrorKind::Interrupted.into());
        }
        let (Some(first), Some(slot)) = (self.bytes.first(), buf.first_mut()) else {
            return Ok(0);
        };
        *slot = *first;
        self.bytes = self.bytes.get(1..).unwrap_or_default();
        Ok(1)
    }
}

#[test]
fn readers_that_trickle_or_are_interrupted_give_the_same_file() -> Result<(), FormatError> {
    let plain = plaintext(2 * CSU + 1);
    let (expected, _) = seal_with(&plain, CS, 3, scan_id());
    let mut file = Vec::new();
    let trickle = Trickle {
        bytes: &plain,
        interrupt: false,
    };
    encrypt_with(
        &patient_key(),
        key_id(),
        scan_id(),
        CS,
        &randomness(3),
        trickle,
        &mut file,
    )?;
    assert_eq!(file, expected);
    let mut out = Vec::new();
    let trickle = Trickle {
        bytes: &file,
        interrupt: false,
    };
    decrypt(&patient_key(), key_id(), scan_id(), trickle, &mut out)?;
    assert_eq!(out, plain);
    Ok(())
}

/// Fails every read or write with a recognisable error.
struct Broken;

impl Read for Broken {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        Err(io::Error::other("disk gone"))
    }
}

impl Write for Broken {
    fn write(&mut self, _: &[u8]) -> io::Result<usize> {
        Err(io::Error::other("disk gone"))
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn reader_and_writer_errors_are_io_errors() {
    let key = patient_key();
    let results = [
        encrypt(&key, key_id(), scan_id(), Broken, io::sink()),
        encrypt(&key, key_id(), scan_id(), &b"abc"[..], Broken),
    ];
    for result in results {
        assert!(
            matches!(result, Err(FormatError::Io(ref e)) if e.to_string() == "disk gone"),
            "{result:?}"
        );
    }
    let file = seal(b"abc");
    let results = [
        decrypt(&key, key_id(), scan_id(), Broken, io::sink()),
        decrypt(&key, key_id(), scan_id(), file.as_slice(), Broken),
    ];
    for result in results {
        assert!(
            matches!(result, Err(FormatError::Io(ref e)) if e.to_string() == "disk gone"),
            "{result:?}"
        );
    }
}

#[test]
fn more_chunks_than_the_counter_holds_are_refused_both_ways() {
    let plain = plaintext(2 * CSU + 1);
    let result = super::super::seal::seal_stream(
        &patient_key(),
        key_id(),
        scan_id(),
        CS,
        &randomness(1),
        &mut plain.as_slice(),
        &mut io::sink(),
        2,
    );
    assert!(
        matches!(result, Err(FormatError::TooManyChunks { max_chunks: 2 })),
        "{result:?}"
    );
    let file = seal(&plain);
    let result = super::super::open::open_stream(
        &patient_key(),
        key_id(),
        scan_id(),
        &mut file.as_slice(),
        &mut io::sink(),
        2,
    );
    assert!(
        matches!(result, Err(FormatError::TooManyChunks { max_chunks: 2 })),
        "{result:?}"
    );
    // The nonce itself cannot be formed past the u32 counter.
    let prefix = [0u8; 7];
    assert!(super::super::stream::chunk_nonce(&prefix, u64::from(u32::MAX), true).is_some());
    assert!(super::super::stream::chunk_nonce(&prefix, 1 << 32, false).is_none());
}

#[test]
fn nonce_is_prefix_counter_flag() {
    let prefix = [1, 2, 3, 4, 5, 6, 7];
    assert_eq!(
        super::super::stream::chunk_nonce(&prefix, 0x0a0b_0c0d, true),
        Some([1, 2, 3, 4, 5, 6, 7, 0x0a, 0x0b, 0x0c, 0x0d, 1])
    );
    assert_eq!(
        super::super::stream::chunk_nonce(&prefix, 2, false),
        Some([1, 2, 3, 4, 5, 6, 7, 0, 0, 0, 2, 0])
    );
}

/// The benchmark's unhashed encryption writes the same format: it decrypts, and the
/// file is exactly as long as a hashed one.
#[test]
fn the_unhashed_encryption_writes_the_same_format() -> Result<(), FormatError> {
    let plain: Vec<u8> = (0..3 * CHUNK_SIZE as usize + 17)
        .map(|i| (i % 251) as u8)
        .collect();
    let mut file = Vec::new();
    let written = encrypt_unhashed(
        &patient_key(),
        key_id(),
        scan_id(),
        plain.as_slice(),
        &mut file,
    )?;
    assert_eq!(written, file.len() as u64);
    assert_eq!(file.len(), HEADER_LEN + plain.len() + 4 * TAG_LEN);
    let mut out = Vec::new();
    let opened = decrypt(
        &patient_key(),
        key_id(),
        scan_id(),
        file.as_slice(),
        &mut out,
    )?;
    assert_eq!(out, plain);
    assert_eq!(opened.content_hash, sha256(&file));
    Ok(())
}
